"""External delivery backends for notifications: e-mail and SMS, both off by default.

In-app delivery is the ``Notification`` row itself and always happens. The setting
``ZHIJIAN_NOTIFICATION_BACKENDS`` lists the channels, e.g. ``["inapp", "email"]``; an entry is
``inapp``, ``email``, ``sms`` or the dotted path of a class with ``name`` and ``send()``.
A backend's ``send`` returns ``(status, detail)`` with status ``sent`` or ``skipped`` (nothing to
send to: no address, no mobile number); an exception is recorded as ``failed``.
"""

from __future__ import annotations

import json
import re
import urllib.request
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from .models import Notification

SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
PENDING = "pending"

STATUS_LABELS = {SENT: "已发送", SKIPPED: "未发送", FAILED: "发送失败", PENDING: "待发送"}

INAPP = "inapp"
ALIASES: dict[str, str] = {
    "email": "zhijian.notifications.backends.EmailBackend",
    "sms": "zhijian.notifications.backends.SmsBackend",
}
DEFAULT_BACKENDS = [INAPP]


class DeliveryBackend(ABC):
    """One external channel. Subclasses set ``name`` (the key in ``Notification.deliveries``)
    and ``label`` and implement ``send``."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""

    @abstractmethod
    def send(self, notification: Notification) -> tuple[str, str]:
        """Deliver; return (status, detail)."""


def site_url(path: str) -> str:
    """An absolute link for messages read outside the browser (``ZHIJIAN_SITE_URL``, e.g.
    ``http://zhijian.court.example``); the path alone when it is not set."""
    base = str(getattr(settings, "ZHIJIAN_SITE_URL", "") or "").rstrip("/")
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{base}{path}" if base else path


class EmailBackend(DeliveryBackend):
    """Django's ``send_mail`` (the ``EMAIL_*`` settings) to the user's e-mail address; skipped
    when the user has none."""

    name = "email"
    label = "电子邮件"

    def send(self, notification: Notification) -> tuple[str, str]:
        address = (notification.recipient.email or "").strip()
        if not address:
            return SKIPPED, "用户未填写电子邮箱"
        lines = [notification.body] if notification.body else []
        if notification.url:
            lines.append(f"查看：{site_url(notification.url)}")
        lines.append("（执监系统自动发送，请勿回复）")
        send_mail(f"【执监】{notification.title}", "\n\n".join(lines), None, [address], fail_silently=False)
        return SENT, address


MOBILE = re.compile(r"^1\d{10}$")


def mobile_number(raw: str) -> str:
    """A mainland mobile number from ``User.phone`` (spaces, dashes and +86 removed), or "" when
    the field is empty or holds a landline."""
    digits = re.sub(r"[\s\-()（）]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if MOBILE.match(digits) else ""


def post_json(url: str, payload: dict[str, Any], *, timeout: float, token: str = "") -> int:
    """POST ``payload`` as JSON; the HTTP status (an error status raises ``HTTPError``)."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
        return int(response.status)


class SmsBackend(DeliveryBackend):
    """An HTTP POST of ``{"phone": …, "text": …}`` (JSON) to the court's SMS gateway
    (``ZHIJIAN_SMS_GATEWAY_URL``, optional bearer token ``ZHIJIAN_SMS_GATEWAY_TOKEN``, timeout
    ``ZHIJIAN_SMS_TIMEOUT`` seconds, default 5). The number is the user's 电话 field
    (``org.User.phone``) when it is a mainland mobile number; otherwise the message is skipped."""

    name = "sms"
    label = "短信"
    MAX_TEXT = 300

    def send(self, notification: Notification) -> tuple[str, str]:
        url = str(getattr(settings, "ZHIJIAN_SMS_GATEWAY_URL", "") or "")
        if not url:
            raise ImproperlyConfigured("未配置短信网关地址（ZHIJIAN_SMS_GATEWAY_URL）")
        phone = mobile_number(notification.recipient.phone)
        if not phone:
            return SKIPPED, "用户未填写手机号码"
        text = f"【执监】{notification.title}"
        if notification.body:
            text = f"{text}：{notification.body}"
        post_json(
            url,
            {"phone": phone, "text": text[: self.MAX_TEXT]},
            timeout=float(getattr(settings, "ZHIJIAN_SMS_TIMEOUT", 5)),
            token=str(getattr(settings, "ZHIJIAN_SMS_GATEWAY_TOKEN", "") or ""),
        )
        return SENT, phone[:3] + "****" + phone[-4:]


def configured_names() -> list[str]:
    value = getattr(settings, "ZHIJIAN_NOTIFICATION_BACKENDS", DEFAULT_BACKENDS)
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def external_backends() -> list[DeliveryBackend]:
    """The enabled external backends (everything in the setting except ``inapp``)."""
    backends: list[DeliveryBackend] = []
    for name in configured_names():
        if name == INAPP:
            continue
        path = ALIASES.get(name, name)
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"ZHIJIAN_NOTIFICATION_BACKENDS：未知的通知渠道 {name}") from exc
        backend = cls()
        if not getattr(backend, "name", ""):
            raise ImproperlyConfigured(f"ZHIJIAN_NOTIFICATION_BACKENDS：{path} 没有 name")
        backends.append(backend)
    return backends
