"""Access declarations for views and the generic scoped-object lookup.

Every named URL's view carries an ``AccessRule`` (set by ``@view_access`` or, for class-based
views, a ``zhijian_access`` attribute). The permission-matrix test enumerates the URL resolver
and fails on any view without one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from zhijian.org.scoping import is_read_only, is_system_admin

if TYPE_CHECKING:
    from zhijian.org.models import User

ROLE_DENIED = "您的角色无权使用此功能。"
READ_ONLY_DENIED = "您的账号为只读账号，不能办理此项操作。"
NOT_FOUND = "未找到该对象，或您无权查看。"
SYSTEM_DENIED = "这是全系统的设置，只有本系统所属法院的系统管理员可以修改。"


@dataclass(frozen=True)
class AccessRule:
    """What a view requires.

    post_only: the view answers only POST (405 otherwise).
    system: only system administrators (``org.scoping.is_system_admin``): system-wide settings.
    public: no login needed. roles: roles allowed (None = any signed-in user). obj: the kind of
    court-scoped object named in the URL (the view looks it up with an ``access_*`` helper, which
    answers 404 outside the user's scope). write: the view changes state (POST) and refuses
    read-only users.
    """

    public: bool = False
    roles: frozenset[str] | None = None
    obj: str | None = None
    write: bool = False
    post_only: bool = False
    system: bool = False


def view_access(
    *,
    public: bool = False,
    roles: set[str] | frozenset[str] | None = None,
    obj: str | None = None,
    write: bool = False,
    post_only: bool = False,
    system: bool = False,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    rule = AccessRule(
        public=public,
        roles=frozenset(roles) if roles is not None else None,
        obj=obj,
        write=write,
        post_only=post_only,
        system=system,
    )

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if rule.post_only and request.method != "POST":
                return post_only_page(request)
            if not rule.public:
                user = request.user
                if not user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                check_rule(user, rule)
            return view(request, *args, **kwargs)

        wrapper.zhijian_access = rule  # type: ignore[attr-defined]
        return wrapper

    return decorator


def parent_path(path: str) -> str:
    """``/deadlines/9/extend/`` → ``/deadlines/9/``."""
    trimmed = path.rstrip("/")
    return trimmed[: trimmed.rfind("/") + 1] or "/"


def post_only_page(request: HttpRequest) -> HttpResponse:
    """An action URL opened directly (e.g. after logging in again): say so in Chinese and offer
    the page the action belongs to. Nothing is done."""
    from django.shortcuts import render

    response = render(
        request,
        "core/error.html",
        {
            "code": 405,
            "title": "请从页面上的按钮办理",
            "message": "这是一个办理操作的地址，只能通过页面上的按钮提交；直接打开（例如重新登录后）不会办理任何事项。",
            "back_url": parent_path(request.path),
        },
        status=405,
    )
    response["Allow"] = "POST"
    return response


def check_rule(user: Any, rule: AccessRule) -> None:
    if user.is_superuser:
        return
    if rule.roles is not None and not user.has_role(*rule.roles):
        raise PermissionDenied(ROLE_DENIED)
    if rule.write and is_read_only(user):
        raise PermissionDenied(READ_ONLY_DENIED)
    if rule.system and not is_system_admin(user):
        raise PermissionDenied(SYSTEM_DENIED)


def scoped_or_404[M: models.Model](
    queryset: models.QuerySet[M], user: Any, pk: Any, *, write: bool = False
) -> M:
    """The object with ``pk`` if the user may see it (404 otherwise — never 403, so that another
    court's objects cannot be probed); with ``write``, 403 if visible but not writable."""
    try:
        obj = queryset.visible_to(user).get(pk=pk)  # type: ignore[attr-defined]
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc
    if write and not queryset.writable_by(user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied(READ_ONLY_DENIED)
    return obj


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a request that ``@view_access`` (or the admin site) let through."""
    from zhijian.org.models import User

    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied(ROLE_DENIED)
    return user
