from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .registry import nav_for

IE_MARKERS = ("Trident/", "MSIE ")


def is_ie(request: HttpRequest) -> bool:
    agent = request.META.get("HTTP_USER_AGENT", "")
    return any(marker in agent for marker in IE_MARKERS)


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "ie_mode": is_ie(request),
        "site_name": "执监",
        "site_full_name": "执行监督与质效管理系统",
        "session_minutes": settings.SESSION_COOKIE_AGE // 60,
    }
    if user is not None and user.is_authenticated:
        match = getattr(request, "resolver_match", None)
        url_name = f"{match.namespace}:{match.url_name}" if match and match.namespace else ""
        context["nav_sections"] = nav_for(user, url_name)
    return context
