"""Safe cell values for spreadsheet and CSV exports."""

from __future__ import annotations

from typing import Any

# A cell beginning with one of these is read as a formula by Excel/WPS (CSV included):
# =HYPERLINK(…) typed into a reason field must stay text in an export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: list[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]
