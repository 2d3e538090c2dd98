"""Notifications: the audit label of a reminder run."""

from __future__ import annotations

from zhijian.audit.labels import ACTION_LABELS

ACTION_LABELS.update({"notifications.reminders.send": "发送期限提醒"})
