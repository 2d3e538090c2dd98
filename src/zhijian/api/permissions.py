from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from zhijian.core.access import AccessRule, check_rule


class DeclaredAccess(BasePermission):
    """Enforces the view's ``zhijian_access`` rule, exactly as ``@view_access`` does for pages.
    Object scoping is done by each viewset's ``get_queryset().visible_to(user)`` (404)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        rule: AccessRule | None = getattr(view, "zhijian_access", None)
        if rule is None:
            return False
        if rule.public:
            return True
        if not request.user or not request.user.is_authenticated:
            return False
        check_rule(request.user, rule)
        return True
