"""Chinese labels of notification kinds. Apps add theirs with ``KIND_LABELS.update(...)`` (e.g.
in their ``registry.py``); an unknown kind shows as 通知."""

from __future__ import annotations

KIND_LABELS: dict[str, str] = {
    "deadline.before": "期限即将到期",
    "deadline.due": "期限今日届满",
    "deadline.overdue": "期限已超期",
    "digest": "每日汇总",
}
KIND_BADGES: dict[str, str] = {
    "deadline.before": "warning",
    "deadline.due": "warning",
    "deadline.overdue": "danger",
    "digest": "info",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, "通知")


def kind_badge(kind: str) -> str:
    return KIND_BADGES.get(kind, "secondary")
