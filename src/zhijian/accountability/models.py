"""The accountability register (Arts. 18, 19, 21): proposed criticisms and discipline transfers
and the director's decision on each. Art. 21's yearly count reads exactly these rows (the full
module comes with the accountability issue)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from zhijian.core.querysets import CourtScopedQuerySet


class ProposalKind(models.TextChoices):
    CRITICISM = "criticism", "通报批评"
    DISCIPLINE = "discipline", "移送纪检监察"


class TargetKind(models.TextChoices):
    BUREAU = "bureau", "执行局"
    DIRECTOR = "director", "执行局长"
    PERSON = "person", "直接责任人"


class Basis(models.TextChoices):
    ART19 = "art19", "第十九条"
    ART18 = "art18", "第十八条（群体上访）"


class SubBasis(models.TextChoices):
    ART6 = "art6", "违反第六条（未按要求报告）"
    ART7 = "art7", "违反第七条（督促执行令）"
    ART8 = "art8", "违反第八条"


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", "待决定"
    ACCEPTED = "accepted", "已决定通报"
    DISMISSED = "dismissed", "不予追究"


class Proposal(models.Model):
    kind = models.CharField(
        "类别", max_length=20, choices=ProposalKind.choices, default=ProposalKind.CRITICISM
    )
    target_kind = models.CharField(
        "对象", max_length=20, choices=TargetKind.choices, default=TargetKind.BUREAU
    )
    court = models.ForeignKey("org.Court", on_delete=models.PROTECT, related_name="+", verbose_name="法院")
    persons = models.CharField("人员", max_length=200, blank=True)
    basis = models.CharField("依据", max_length=10, choices=Basis.choices)
    sub_basis = models.CharField("具体情形", max_length=10, choices=SubBasis.choices, blank=True)
    matter = models.ForeignKey(
        "supervision.Matter", on_delete=models.PROTECT, related_name="proposals", verbose_name="监督事项"
    )
    trigger = models.OneToOneField(
        "legaltime.Deadline", on_delete=models.PROTECT, null=True, blank=True, related_name="proposal",
        verbose_name="触发的期限",
    )  # fmt: skip
    trigger_text = models.CharField("触发事实", max_length=300)
    state = models.CharField(
        "状态", max_length=20, choices=ProposalState.choices, default=ProposalState.PROPOSED
    )
    proposed_at = models.DateTimeField("提出时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField("决定日期", null=True, blank=True)
    year = models.PositiveIntegerField(
        "年度", null=True, blank=True, help_text="决定通报的年度（第二十一条计数）"
    )
    reason = models.CharField("理由", max_length=300, blank=True)
    document = models.ForeignKey(
        "documents.OfficialDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CourtScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["court", "year", "state"], name="acc_proposal_court_year")]
        verbose_name = "追责建议"
        verbose_name_plural = "追责建议"

    def __str__(self) -> str:
        return f"{ProposalKind(self.kind).label}建议：{self.trigger_text}"
