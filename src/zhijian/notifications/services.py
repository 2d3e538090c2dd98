"""Sending and reading notifications.

``notify`` is what other apps call, inside their own transaction, when something happens that a
person must know about (a letter issued, a report due, a deadline passed). It is idempotent on
(recipient, key); external delivery (e-mail, SMS — off by default) happens only after the
transaction commits, as a background job, and its outcome is recorded on each row.

Notifications are not audit events: the row records who was told what and when, and the
delivery outcome; marking one read is the reader's own state and is not audited. The reminder
run (``reminders.send_reminders``) writes one audit event per run that sent something.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .backends import FAILED, PENDING, SENT, SKIPPED, external_backends
from .models import Notification

if TYPE_CHECKING:
    from zhijian.org.models import Court, User

logger = logging.getLogger(__name__)

TITLE_MAX = 200
URL_MAX = 500
KEY_MAX = 200


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str,
    court: Court | None = None,
) -> int:
    """Notify ``recipients`` (inactive users are skipped); returns how many new notifications
    were created. A recipient who already has a notification with ``key`` gets nothing (the
    same key twice, or concurrently, makes one row). Call it inside the transaction that made
    the change: if that rolls back, nothing was sent; external backends run after the commit.
    """
    key = key.strip()
    if not key:
        raise ValueError("notify() needs a key")
    if len(key) > KEY_MAX:
        raise ValueError(f"notify() key longer than {KEY_MAX} characters: {key!r}")
    if not title.strip():
        raise ValueError("notify() needs a title")
    from zhijian.org.models import User

    wanted = {u.pk for u in recipients if u is not None and u.pk is not None}
    if not wanted:
        return 0
    active = list(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    if not active:
        return 0
    backends = external_backends()
    pending = {b.name: {"status": PENDING} for b in backends}
    batch = uuid.uuid4().hex
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=pk,
            court=court,
            kind=kind[:50],
            title=title.strip()[:TITLE_MAX],
            body=body,
            url=url[:URL_MAX],
            key=key,
            created_at=now,
            batch=batch,
            deliveries=pending,
        )
        for pk in sorted(active)
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        # rows that already existed kept their own batch: these are exactly the new ones
        ids = list(Notification.objects.filter(batch=batch).values_list("pk", flat=True))
        if ids and backends:
            transaction.on_commit(lambda: _enqueue_delivery(ids), robust=True)
    return len(ids)


def _enqueue_delivery(ids: list[int]) -> None:
    from .tasks import deliver_notifications

    deliver_notifications.enqueue(ids)


def deliver(ids: Iterable[int]) -> dict[str, int]:
    """Send the notifications through every enabled external backend and record the outcome per
    backend on each row (``deliveries``). A channel already sent or skipped is not repeated."""
    backends = external_backends()
    counts = {SENT: 0, SKIPPED: 0, FAILED: 0}
    if not backends:
        return counts
    for notification in Notification.objects.filter(pk__in=list(ids)).select_related("recipient"):
        outcomes = dict(notification.deliveries or {})
        for backend in backends:
            if outcomes.get(backend.name, {}).get("status") in (SENT, SKIPPED):
                continue
            if not notification.recipient.is_active:
                status, detail = SKIPPED, "用户已停用"
            else:
                try:
                    status, detail = backend.send(notification)
                except Exception as exc:  # noqa: BLE001 - any failure is the channel's outcome
                    logger.warning("notification %s via %s failed: %s", notification.pk, backend.name, exc)
                    status, detail = FAILED, str(exc)[:300] or exc.__class__.__name__
            counts[status] = counts.get(status, 0) + 1
            outcomes[backend.name] = {"status": status, "detail": detail, "at": timezone.now().isoformat()}
        Notification.objects.filter(pk=notification.pk).update(deliveries=outcomes)
    return counts


# --- reading ------------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """The bell's number: one indexed count."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(notification: Notification, *, user: User) -> bool:
    """Mark one of the user's own notifications read; True if it was unread."""
    if notification.recipient_id != user.pk:
        raise PermissionDenied("这不是您的通知。")
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    if changed:
        notification.read_at = now
    return bool(changed)


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; how many there were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
