"""Background job of the notification module: external delivery after the commit."""

from __future__ import annotations

from django.tasks import task


@task()
def deliver_notifications(ids: list[int]) -> dict[str, int]:
    """Send notifications ``ids`` through the enabled external backends (e-mail, SMS) and record
    each outcome on the row. Safe to run twice: a channel already sent or skipped is not
    repeated."""
    from .services import deliver

    return deliver(ids)
