from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField

register = template.Library()


def _with_class(field: BoundField, css: str) -> Any:
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def add_class_input(field: BoundField) -> Any:
    return _with_class(field, "form-control form-control-sm")


@register.filter
def add_class_select(field: BoundField) -> Any:
    return _with_class(field, "form-select form-select-sm")


@register.filter
def pretty_json(value: Any) -> str:
    import json

    if value is None:
        return "—"
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@register.filter
def weekday_zh(value: Any) -> str:
    """Django's "w" (0 = Sunday) as 日/一/…/六."""
    return "日一二三四五六"[int(value)] if str(value).isdigit() else ""


@register.filter
def add_class_check(field: BoundField) -> Any:
    return _with_class(field, "form-check-input")


@register.filter
def money(value: Any) -> str:
    """1234567.5 → 1,234,567.50 (amounts in 元); empty → —."""
    from decimal import Decimal, InvalidOperation

    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
