"""Signals of the legal clock.

``clock_changed`` is sent after the commit of anything that may move due dates computed
elsewhere (a holiday arrangement saved, a rule revised, a full recompute), so that other apps
(the case module's due-date columns) recompute theirs. ``reason`` names the change.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

clock_changed = Signal()


def announce(reason: str) -> None:
    """Send ``clock_changed`` once the current transaction commits."""
    transaction.on_commit(lambda: clock_changed.send(sender=None, reason=reason))
