"""Accountability: navigation and audit labels."""

from __future__ import annotations

from zhijian.audit.labels import ACTION_LABELS
from zhijian.core.registry import NavItem, register_nav

register_nav(
    NavItem("责任追究", "追责登记", "accountability:register", icon="exclamation-octagon", order=700)
)
ACTION_LABELS.update(
    {"accountability.propose": "提出通报批评建议", "accountability.decide": "决定通报批评或不予追究"}
)
