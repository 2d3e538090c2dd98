"""Signals of the case module."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by the after-import job, before the scans run: other apps link what refers to cases by
# number (a supervision matter's related cases kept as text) and set the facts those links carry.
cases_imported = Signal()
