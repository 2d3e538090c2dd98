"""Signals of the organisation app."""

from __future__ import annotations

from django.dispatch import Signal

# Sent (inside the transaction) when a court's designated contact or deputy changes (Art. 4): the
# supervision app moves the court's open items to the new contact. Argument: ``court``.
contact_changed = Signal()
