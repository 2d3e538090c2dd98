from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from zhijian.core.access import AccessRule, check_rule

# Token first: an unauthenticated call gets 401 with ``WWW-Authenticate: Token`` (not 403).
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


def rule_for(view: Any) -> AccessRule | None:
    """The rule of the view, or of its current viewset action when the viewset declares one in
    ``zhijian_action_access`` (e.g. ``create`` needs a registrar; the list is open to all)."""
    action = getattr(view, "action", None)
    per_action: dict[str, AccessRule] = getattr(view, "zhijian_action_access", {}) or {}
    if action in per_action:
        return per_action[action]
    return getattr(view, "zhijian_access", None)


def method_allowed(request: Any, view: Any) -> bool:
    method = (request.method or "").lower()
    return method in view.http_method_names and hasattr(view, method)


class DeclaredAccess(BasePermission):
    """Enforces the view's ``zhijian_access`` rule, exactly as ``@view_access`` does for pages.
    Object scoping is done by each viewset's ``get_queryset().visible_to(user)`` (404).

    A method the view does not answer passes here, so that it gets its 405 (as ``post_only``
    pages do) rather than a 401/403; the Chinese reason of a refusal is kept in ``detail``."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if not method_allowed(request, view):
            return True
        rule = rule_for(view)
        if rule is None:
            return False
        if rule.public:
            return True
        if not request.user or not request.user.is_authenticated:
            return False
        try:
            check_rule(request.user, rule)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc) or None) from exc
        return True
