"""The append-only, hash-chained audit trail.

Rows are written only by ``audit.services.record`` (called by the service layer in the same
transaction as the change they describe). The application has no update or delete path for
them; ``zhijian verify-audit`` detects edits, deletions, insertions and reordering made by hand.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse


class AuditEvent(models.Model):
    seq = models.BigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间")
    actor_id = models.BigIntegerField("用户ID", null=True, blank=True)
    actor_username = models.CharField("用户名", max_length=150, blank=True)
    actor_name = models.CharField("操作人", max_length=100)
    court_id = models.BigIntegerField("法院ID", null=True, blank=True)
    court_name = models.CharField("法院", max_length=100, blank=True)
    action = models.CharField("操作", max_length=80)
    target_type = models.CharField("对象类型", max_length=80, blank=True)
    target_id = models.CharField("对象ID", max_length=64, blank=True)
    target_repr = models.CharField("对象", max_length=300, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    reason = models.TextField("事由", blank=True)
    request_id = models.CharField("请求ID", max_length=64, blank=True)
    client_ip = models.CharField("客户端IP", max_length=64, blank=True)
    prev_hash = models.CharField("前一事件哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            # Audit list filters: by court and time, by actor, by action.
            models.Index(fields=["court_id", "-seq"], name="audit_court_seq"),
            models.Index(fields=["actor_id", "-seq"], name="audit_actor_seq"),
            models.Index(fields=["action", "-seq"], name="audit_action_seq"),
            models.Index(fields=["created_at"], name="audit_created"),
        ]
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def get_absolute_url(self) -> str:
        return reverse("audit:event_detail", args=[self.pk])


class AuditChainHead(models.Model):
    """The single row that serialises appends to the chain: its lock is the chain-head lock."""

    seq = models.BigIntegerField("最新序号", default=0)
    hash = models.CharField("最新哈希", max_length=64)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq}"
