from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from zhijian.org.choices import AUDIT_READER_ROLES, Role
from zhijian.org.scoping import is_system_admin, supervised_subtree_ids


def audit_court_ids(user: Any) -> frozenset[int]:
    """Courts whose audit trail a reader may see: their own court and, for the city's 局长 and
    系统管理员, its supervision subtree — never courts reached through a grant."""
    if user.court_id is None:
        return frozenset()
    if user.has_role(Role.DIRECTOR, Role.ADMIN):
        return frozenset(supervised_subtree_ids(user.court_id))
    return frozenset({user.court_id})


def events_visible_to(user: Any) -> QuerySet[Any]:
    """Audit events a director or administrator may read: those of their courts. Events with no
    court (failed logins with an unknown user name, a court-less superuser's actions) are for the
    installation's system administrators only."""
    from .models import AuditEvent

    if not user.is_authenticated:
        return AuditEvent.objects.none()
    if user.is_superuser:
        return AuditEvent.objects.all()
    if not user.has_role(*AUDIT_READER_ROLES):
        return AuditEvent.objects.none()
    condition = Q(court_id__in=audit_court_ids(user))
    if is_system_admin(user):
        condition |= Q(court_id__isnull=True)
    return AuditEvent.objects.filter(condition)
