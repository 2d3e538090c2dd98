"""Enforcement cases (执行案件) as imported from the case-flow system's exports.

Due dates are columns computed by the legal clock (``legaltime.periods.due_dates``), not
``Deadline`` rows: a province has millions of cases.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from zhijian.core.querysets import CourtScopedQuerySet

from .numbers import ENFORCEMENT_TYPES


class CaseStatus(models.TextChoices):
    OPEN = "open", "未结"
    CONCLUDED = "concluded", "已结"


class CaseQuerySet(CourtScopedQuerySet["EnforcementCase"]):
    court_lookup = "court_id"


class CaseImport(models.Model):
    """One import of one file: who, when, what, and what came of it."""

    class State(models.TextChoices):
        VALIDATING = "validating", "校验中"
        REFUSED = "refused", "未导入（有错误）"
        DRY_RUN = "dry_run", "仅校验"
        MERGING = "merging", "写入中"
        DONE = "done", "已导入"

    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, null=True, blank=True, verbose_name="导入人法院"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, verbose_name="导入人"
    )
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    data_as_of = models.DateField("数据截至日期", null=True, blank=True)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.VALIDATING)
    options = models.JSONField("选项", default=dict)
    rows = models.PositiveIntegerField("数据行", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    rejected = models.PositiveIntegerField("拒绝", default=0)
    skipped_older = models.PositiveIntegerField("旧数据未覆盖", default=0)
    errors = models.JSONField("错误", default=list)
    unknown_columns = models.JSONField("未识别的列", default=list)

    objects = CourtScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "案件导入"
        verbose_name_plural = "案件导入"

    def __str__(self) -> str:
        return f"{self.file_name}（{self.started_at:%Y-%m-%d %H:%M}）"


class CaseStage(models.Model):
    """Phase 1 output: a validated row waiting for the merge (never shown to users)."""

    case_import = models.ForeignKey(CaseImport, on_delete=models.CASCADE, related_name="staged")
    line = models.PositiveIntegerField()
    number = models.CharField(max_length=40)
    data = models.JSONField()

    class Meta:
        # the merge reads an import's rows in file order
        indexes = [models.Index(fields=["case_import", "line"], name="cases_stage_import_line")]

    def __str__(self) -> str:
        return f"{self.number}（第 {self.line} 行）"


class EnforcementCase(models.Model):
    number = models.CharField("案号", max_length=40, unique=True)
    year = models.PositiveSmallIntegerField("年度")
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="cases", verbose_name="执行法院"
    )
    type_code = models.CharField("类型代字", max_length=4, choices=list(ENFORCEMENT_TYPES.items()))
    seq = models.PositiveIntegerField("编号")
    filed_on = models.DateField("立案日期")
    handler = models.ForeignKey(
        "org.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="承办人",
    )
    status = models.CharField("状态", max_length=10, choices=CaseStatus.choices)
    concluded_on = models.DateField("结案日期", null=True, blank=True)
    conclusion_method = models.CharField("结案方式", max_length=30, blank=True)
    amount_applied = models.DecimalField(
        "申请执行标的（元）", max_digits=16, decimal_places=2, null=True, blank=True
    )
    amount_recovered = models.DecimalField(
        "执行到位金额（元）", max_digits=16, decimal_places=2, null=True, blank=True
    )
    non_litigation = models.BooleanField("非诉执行", default=False)
    original_number = models.CharField("原案号/关联案号", max_length=80, blank=True)
    extension_days = models.PositiveIntegerField("批准延长（日）", default=0)
    extension_approved_on = models.DateField("延长批准日期", null=True, blank=True)
    anomalies = models.JSONField("数据异常", default=list, blank=True)
    data_as_of = models.DateField("数据截至日期", null=True, blank=True)
    last_import = models.ForeignKey(
        CaseImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", default=timezone.now)
    # --- due dates by the legal clock (recomputed in bulk) ---
    limit_rule = models.CharField("执行期限规则", max_length=40, blank=True)
    limit_due = models.DateField("执行期限届满日", null=True, blank=True)
    limit_provisional = models.BooleanField("执行期限暂定", default=False)

    objects = CaseQuerySet.as_manager()

    # display attribute filled by the list view (not stored)
    overdue_days: int = 0

    class Meta:
        ordering = ["-filed_on", "number"]
        indexes = [
            # the case list filtered by court, newest first
            models.Index(fields=["court", "-filed_on"], name="cases_court_filed"),
            # Art. 7(a) scan: open cases past their limit
            models.Index(fields=["status", "limit_due"], name="cases_status_limit"),
        ]
        verbose_name = "执行案件"
        verbose_name_plural = "执行案件"

    def __str__(self) -> str:
        return self.number


class CaseParty(models.Model):
    class Role(models.TextChoices):
        APPLICANT = "applicant", "申请执行人"
        RESPONDENT = "respondent", "被执行人"

    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField("地位", max_length=12, choices=Role.choices)
    name = models.CharField("名称", max_length=200)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["case", "role", "position"]
        # party-name search
        indexes = [models.Index(fields=["name"], name="cases_party_name")]
        verbose_name = "当事人"
        verbose_name_plural = "当事人"

    def __str__(self) -> str:
        return self.name


class ScanRule(models.TextChoices):
    ART7A = "art7a", "第七条（一）：超过执行期限未执结"
    ART8_LONG = "art8_long", "第八条：久拖不结"


class CandidateState(models.TextChoices):
    NEW = "new", "待确认"
    CONFIRMED = "confirmed", "已确认"
    DISMISSED = "dismissed", "已排除"
    RESOLVED = "resolved", "已消除（案件情况已变化）"


class CandidateQuerySet(CourtScopedQuerySet["ScanCandidate"]):
    court_lookup = "court_id"


class ScanCandidate(models.Model):
    """A case a detection scan found, awaiting a person's decision. Its identity is case + rule +
    due date: a dismissed candidate stays dismissed on re-scan until the case's facts change
    (a new due date makes a new candidate; a case that no longer qualifies is 已消除)."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="candidates")
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="+", verbose_name="执行法院"
    )
    rule = models.CharField("规则", max_length=20, choices=ScanRule.choices)
    due_date = models.DateField("届满日")
    state = models.CharField(
        "状态", max_length=12, choices=CandidateState.choices, default=CandidateState.NEW
    )
    first_seen = models.DateField("首次发现")
    last_seen = models.DateField("最近一次扫描")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.CharField("理由", max_length=300, blank=True)

    objects = CandidateQuerySet.as_manager()

    # display attribute filled by the scan page (not stored)
    days_over: int = 0

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "rule", "due_date"], name="cases_candidate_identity")
        ]
        # the scan page: a court's candidates by rule and state, most overdue first
        indexes = [models.Index(fields=["court", "rule", "state", "due_date"], name="cases_candidate_page")]
        verbose_name = "扫描线索"
        verbose_name_plural = "扫描线索"

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_rule_display()}"
