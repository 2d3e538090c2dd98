from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from zhijian.core.access import NOT_FOUND, scoped_or_404
from zhijian.org.scoping import is_system_admin, visible_court_ids

from .models import CaseImport, EnforcementCase


def access_case(user: Any, pk: Any, *, write: bool = False) -> EnforcementCase:
    return scoped_or_404(
        EnforcementCase.objects.select_related("court", "handler", "last_import"), user, pk, write=write
    )


def imports_visible_to(user: Any) -> QuerySet[CaseImport]:
    """Import records by the importer's court (a basic court sees its own; the city court its
    subtree); imports from the command line (no court) only to system administrators."""
    visible = Q(court_id__in=visible_court_ids(user))
    if is_system_admin(user):
        visible |= Q(court__isnull=True)
    return CaseImport.objects.filter(visible)


def access_case_import(user: Any, pk: Any) -> CaseImport:
    """404 (never 403) for a record the user may not see."""
    try:
        return imports_visible_to(user).select_related("actor", "court").get(pk=pk)
    except (CaseImport.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc
