"""Logins, failed logins, logouts and lock-outs go to the audit trail."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from zhijian.audit.services import record
from zhijian.org.models import User


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    record("accounts.login", actor=user, target=user)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        record("accounts.logout", actor=user, target=user)


@receiver(user_login_failed)
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    target = User.objects.filter(username=username).select_related("court").first()
    record(
        "accounts.login_failed",
        actor=None,
        actor_name=f"（登录失败）{username}",
        target=target,
        court=target.court if target else None,
        after={"username": username},
    )


@receiver(user_locked_out)
def audit_lockout(
    sender: Any, request: Any, username: str | None = None, ip_address: str | None = None, **kw: Any
) -> None:
    name = (username or "")[:150]
    target = User.objects.filter(username=name).select_related("court").first()
    record(
        "accounts.lockout",
        actor=None,
        actor_name=f"（锁定）{name}",
        target=target,
        court=target.court if target else None,
        after={"username": name, "ip_address": ip_address or ""},
    )
