"""Notifications (in-app, with optional external delivery) and the scheduler's run marks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """One message to one user. ``key`` makes sending idempotent: a user gets a given key once
    (e.g. ``deadline:12:due:2026-03-02``). ``deliveries`` records, per external backend
    (e-mail, SMS), what happened: ``{"email": {"status": "sent", "detail": "", "at": "…"}}``;
    the in-app channel is the row itself."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    court = models.ForeignKey(
        "org.Court",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="相关法院",
    )
    kind = models.CharField("类别", max_length=50)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    key = models.CharField("去重键", max_length=200)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # the notify() call that inserted the row: tells our new rows from ones already there
    batch = models.CharField("批次", max_length=32, editable=False)
    deliveries = models.JSONField("外部发送结果", default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notifications_recipient_key_unique"),
        ]
        indexes = [
            # the bell: unread count of one user; the list: a user's newest first
            models.Index(fields=["recipient", "read_at"], name="notifications_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notifications_recent"),
            models.Index(fields=["key"], name="notifications_key"),
            models.Index(fields=["batch"], name="notifications_batch"),
        ]
        verbose_name = "通知"
        verbose_name_plural = "通知"

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class JobMark(models.Model):
    """When a scheduled job (or a daily digest) last ran, so that a restart does not repeat a
    once-a-day job. ``last_on`` is the local date of the last run; claiming a run is a
    compare-and-swap on it, so two schedulers never run the same daily job twice."""

    name = models.CharField("任务", max_length=100, unique=True)
    last_on = models.DateField("最近运行日期", null=True, blank=True)
    last_at = models.DateTimeField("最近运行时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=300, blank=True)

    class Meta:
        verbose_name = "定时任务记录"
        verbose_name_plural = "定时任务记录"

    def __str__(self) -> str:
        return f"{self.name} {self.last_on or ''}"
