"""Who may open a case, and who may open an import record.

A case is visible to the users who see its court (``org.scoping``) and, read-only, to the users
who see a court it was opened to by a live ``CaseGrant`` (指定执行 / 提级执行). A grant opens that
one case — its page, its parties (reveal audited), its process nodes — never the rest of the
original court's data: lists, exports, scans, candidates and import records keep using
``visible_to`` (court scoping alone); only ``cases_visible_to``, ``granted_cases`` and
``access_case`` know grants. A grant never gives write access.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from zhijian.core.access import NOT_FOUND, READ_ONLY_DENIED
from zhijian.org.scoping import is_system_admin, visible_court_ids, writable_court_ids

from .models import CaseGrant, CaseImport, EnforcementCase

GRANT_READ_ONLY = "本案系指定或提级执行交由本院办理，在本系统中只能查看，不能修改。"


def granted_case_ids(user: Any) -> QuerySet[CaseGrant, int]:
    """The ids of the cases opened by a live grant to a court the user sees (a subquery)."""
    return (
        CaseGrant.objects.live()
        .filter(court_id__in=visible_court_ids(user))
        .values_list("case_id", flat=True)
    )


def granted_cases(user: Any) -> QuerySet[EnforcementCase]:
    """The cases opened to the user's courts by 指定执行 / 提级执行 (the 指定/提级执行的案件 list)."""
    if not user.is_authenticated or not user.is_active:
        return EnforcementCase.objects.none()
    return EnforcementCase.objects.filter(pk__in=granted_case_ids(user))


def cases_visible_to(user: Any) -> QuerySet[EnforcementCase]:
    """Cases of the courts the user sees, and the cases granted to them (one case at a time)."""
    if not user.is_authenticated or not user.is_active:
        return EnforcementCase.objects.none()
    return EnforcementCase.objects.filter(
        Q(court_id__in=visible_court_ids(user)) | Q(pk__in=granted_case_ids(user))
    )


def access_case(user: Any, pk: Any, *, write: bool = False) -> EnforcementCase:
    """The case ``pk`` if the user may see it — by court scoping or through a live grant — and
    404 otherwise (never 403, so that another court's cases cannot be probed). With ``write``,
    403 when it is visible but not writable: a grant opens a case read-only."""
    try:
        case = cases_visible_to(user).select_related("court", "handler", "last_import").get(pk=pk)
    except (EnforcementCase.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc
    if write and case.court_id not in writable_court_ids(user):
        if case.court_id not in visible_court_ids(user):
            raise PermissionDenied(GRANT_READ_ONLY)
        raise PermissionDenied(READ_ONLY_DENIED)
    return case


def seen_only_by_grant(user: Any, case: EnforcementCase) -> bool:
    """Whether the user sees ``case`` only through a grant (not by court scoping)."""
    return case.court_id not in visible_court_ids(user)


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
