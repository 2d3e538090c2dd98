"""Per-user API tokens (DRF ``authtoken``): every write, with its audit event.

A user creates, regenerates or revokes their own token; a 系统管理员 may revoke the token of a
user they administer (``org.services.can_administer``). The key is shown once, on the page that
creates it; the audit trail keeps only a fingerprint (the first 12 hex digits of its SHA-256)."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from rest_framework.authtoken.models import Token

from zhijian.audit.services import record
from zhijian.core.exceptions import ServiceError
from zhijian.org.models import User
from zhijian.org.services import can_administer


def fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def token_of(user: User) -> Token | None:
    return Token.objects.filter(user=user).first()


def issue_token(user: User, *, actor: User) -> tuple[Token, bool]:
    """Create the user's token, or replace it (the old key stops working at once). Returns the
    token and whether an old one was replaced."""
    if actor.pk != user.pk:
        raise PermissionDenied("只能为自己创建接口令牌。")
    if not user.is_active:
        raise PermissionDenied("账号已停用。")
    with transaction.atomic():
        old = Token.objects.select_for_update().filter(user=user).first()
        old_print = fingerprint(old.key) if old is not None else None
        if old is not None:
            old.delete()
        token = Token.objects.create(user=user)
        record(
            "api.token.regenerate" if old is not None else "api.token.create",
            actor=actor,
            target=user,
            before={"fingerprint": old_print} if old_print else None,
            after={"fingerprint": fingerprint(token.key)},
        )
    return token, old is not None


def may_revoke(actor: User, user: User) -> bool:
    if actor.pk == user.pk:
        return True
    if user.is_superuser and not actor.is_superuser:
        return False
    return actor.is_superuser or can_administer(actor, user.court)


def revoke_token(user: User, *, actor: User, reason: str = "") -> bool:
    """Delete the user's token; False when there was none (nothing recorded)."""
    if not may_revoke(actor, user):
        raise PermissionDenied("您无权吊销该用户的接口令牌。")
    if actor.pk != user.pk and not reason.strip():
        raise ServiceError("吊销他人的接口令牌须填写理由。", field="reason")
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is None:
            return False
        print_ = fingerprint(token.key)
        token.delete()
        record(
            "api.token.revoke",
            actor=actor,
            target=user,
            before={"fingerprint": print_},
            reason=reason.strip(),
        )
    return True
