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
