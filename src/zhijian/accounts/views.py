from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from zhijian.core.access import AccessRule, acting_user, view_access
from zhijian.core.exceptions import ServiceError
from zhijian.org import services as org_services

from .forms import LoginForm, PasswordChangeForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    zhijian_access = AccessRule(public=True)

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        """After logging in again, never land on an action URL (POST only): go to its page."""
        from django.urls import Resolver404, resolve

        from zhijian.core.access import parent_path

        url = super().get_redirect_url(request) if request is not None else super().get_redirect_url()
        if url:
            try:
                match = resolve(url.split("?")[0])
            except Resolver404:
                return url
            rule = getattr(match.func, "zhijian_access", None)
            if rule is not None and rule.post_only:
                self.action_not_done = True
                return parent_path(url.split("?")[0])
        return url

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if getattr(self, "action_not_done", False):
            messages.warning(self.request, "您刚才的操作因登录超时没有办理，请在本页重新提交。")
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["session_expired"] = bool(self.request.GET.get("next")) and self.request.method == "GET"
        context["logged_out"] = self.request.GET.get("logged_out") == "1"
        context["site_name"] = "执监"  # not Django's Site (the host name)
        return context


class LogoutView(auth_views.LogoutView):
    zhijian_access = AccessRule(public=True, post_only=True)

    def get_success_url(self) -> str:
        url = super().get_success_url()
        return f"{url}{'&' if '?' in url else '?'}logged_out=1"


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    form = LoginForm(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked": True, "lock_minutes": minutes},
        status=429,
    )


@view_access()
def password_change(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org_services.set_user_password(
                user,
                actor=user,
                password=form.cleaned_data["new_password1"],
            )
        except ServiceError as exc:
            form.add_error("new_password1", exc.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改。")
            return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})


@view_access(post_only=True)
def keepalive(request: HttpRequest) -> HttpResponse:
    """Touch the session (the page's "继续使用" button before the inactivity timeout)."""
    return HttpResponse(status=204)


# --- API tokens (接口令牌; the token services are zhijian.api.tokens) -----------------------------


def _token_page(request: HttpRequest, *, new_key: str = "", status: int = 200) -> HttpResponse:
    from rest_framework.authtoken.models import Token

    from zhijian.org.scoping import administered_court_ids

    user = acting_user(request)
    others = []
    if user.is_superuser or user.has_role("admin"):
        others = list(
            Token.objects.filter(user__court_id__in=administered_court_ids(user))
            .exclude(user=user)
            .select_related("user", "user__court")
            .order_by("user__username")
        )
    response = render(
        request,
        "accounts/api_token.html",
        {"token": Token.objects.filter(user=user).first(), "new_key": new_key, "others": others},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@view_access()
def api_token(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API token: created at, and buttons to create, regenerate or revoke."""
    return _token_page(request)


@view_access(post_only=True)
def api_token_issue(request: HttpRequest) -> HttpResponse:
    """Create (or regenerate) the user's token and show its key, this once."""
    from zhijian.api.tokens import issue_token

    user = acting_user(request)
    token, replaced = issue_token(user, actor=user)
    messages.success(request, "已重新生成接口令牌，原令牌已失效。" if replaced else "已创建接口令牌。")
    return _token_page(request, new_key=token.key)


@view_access(post_only=True)
def api_token_revoke(request: HttpRequest) -> HttpResponse:
    from zhijian.api.tokens import revoke_token

    user = acting_user(request)
    if revoke_token(user, actor=user):
        messages.success(request, "已吊销接口令牌，使用它的接口调用将被拒绝。")
    else:
        messages.info(request, "您没有接口令牌。")
    return redirect("accounts:api_token")


@view_access(obj="user", roles={"admin"}, write=True, post_only=True)
def api_token_revoke_user(request: HttpRequest, pk: int) -> HttpResponse:
    """A 系统管理员 revokes the token of a user they administer (with a reason)."""
    from zhijian.api.tokens import revoke_token
    from zhijian.core.access import scoped_or_404
    from zhijian.org.models import User

    actor = acting_user(request)
    target = scoped_or_404(User.objects.all(), actor, pk)
    try:
        if revoke_token(target, actor=actor, reason=request.POST.get("reason", "")):
            messages.success(request, f"已吊销 {target.display_name} 的接口令牌。")
        else:
            messages.info(request, f"{target.display_name} 没有接口令牌。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:api_token")
