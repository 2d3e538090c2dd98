"""Template filters of the import pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def thousands(value: Any) -> str:
    """12345 → 12,345 (zh-hans has no thousands separator of its own; counts of rows are read
    more easily grouped, as in the progress bar)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
