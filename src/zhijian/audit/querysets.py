from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from zhijian.org.choices import AUDIT_READER_ROLES, Role
from zhijian.org.scoping import visible_court_ids


def events_visible_to(user: Any) -> QuerySet[Any]:
    """Audit events a director or administrator may read: those of the courts they see.
    Events with no court (failed logins with an unknown user name) are for administrators."""
    from .models import AuditEvent

    if not user.is_authenticated:
        return AuditEvent.objects.none()
    if user.is_superuser:
        return AuditEvent.objects.all()
    if not user.has_role(*AUDIT_READER_ROLES):
        return AuditEvent.objects.none()
    condition = Q(court_id__in=visible_court_ids(user))
    if user.has_role(Role.ADMIN):
        condition |= Q(court_id__isnull=True)
    return AuditEvent.objects.filter(condition)
