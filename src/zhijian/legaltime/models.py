"""Legal-time data: the calendar overlay, time-limit rules (versioned) and deadlines."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from zhijian.core.querysets import CourtScopedQuerySet

from .choices import Confidence, DeadlineKind, UnitChoice
from .events import event_label


class CalendarStamp(models.Model):
    """One row; ``version`` changes whenever the holiday overlay changes, so that every process
    (web workers, task worker) rebuilds its working-day index."""

    version = models.PositiveIntegerField("版本", default=1)
    # A new random token with every change: process caches key on it, so a change that was
    # rolled back (its version number later reused by another) can never be served.
    token = models.CharField("版本标识", max_length=32, blank=True)
    changed_at = models.DateTimeField("变更时间", default=timezone.now)

    class Meta:
        verbose_name = "日历版本"
        verbose_name_plural = "日历版本"

    def __str__(self) -> str:
        return f"v{self.version}"


class HolidayYear(models.Model):
    """An administrator-entered holiday arrangement for one year — national (court empty), or a
    court's local holidays (e.g. an autonomous county's)."""

    year = models.PositiveIntegerField("年份")
    court = models.ForeignKey(
        "org.Court", on_delete=models.CASCADE, null=True, blank=True, verbose_name="适用法院（空为全国）"
    )
    source = models.CharField("依据文件", max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, verbose_name="录入人"
    )
    entered_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["year", "court"], name="legaltime_year_court_unique"),
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(court__isnull=True), name="legaltime_year_national_unique"
            ),
        ]
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"


class HolidayDay(models.Model):
    arrangement = models.ForeignKey(HolidayYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期")
    is_working = models.BooleanField("调休上班", default=False)
    name = models.CharField("节日", max_length=30, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["arrangement", "date"], name="legaltime_day_unique")]
        verbose_name = "节假日"
        verbose_name_plural = "节假日"

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_working else '休'} {self.name}"


class TimeLimitRule(models.Model):
    """One version of a time-limit rule. A rule is identified by ``code``; each change makes a
    new version effective from a date, and a deadline uses the version in force on its start
    event's date (imports back-fill old events)."""

    code = models.CharField("规则代码", max_length=40)
    version = models.PositiveIntegerField("版本", default=1)
    name = models.CharField("名称", max_length=100)
    governs = models.CharField("适用对象", max_length=200, blank=True)
    case_types = models.CharField(
        "案件类型", max_length=100, blank=True, help_text="类型代字，以逗号分隔；空为不限"
    )
    non_litigation = models.BooleanField("仅非诉执行", null=True, blank=True, help_text="空：不区分")
    length = models.PositiveIntegerField("期限长度")
    unit = models.CharField("单位", max_length=10, choices=UnitChoice.choices)
    start_event = models.CharField("起算事件", max_length=40)
    expedited_length = models.PositiveIntegerField("特事特办/紧急时长度", null=True, blank=True)
    expedited_unit = models.CharField(
        "特事特办/紧急时单位", max_length=10, choices=UnitChoice.choices, blank=True
    )
    basis_document = models.CharField("依据文件", max_length=200)
    basis_article = models.CharField("条款", max_length=50, blank=True)
    confidence = models.CharField(
        "核实程度", max_length=12, choices=Confidence.choices, default=Confidence.VERIFIED
    )
    extendable = models.BooleanField("可延长", default=False)
    extension_approver = models.CharField("延长审批人", max_length=50, blank=True)
    max_extension_length = models.PositiveIntegerField(
        "最多延长", null=True, blank=True, help_text="空为不限"
    )
    max_extension_unit = models.CharField(
        "最多延长单位", max_length=10, choices=UnitChoice.choices, blank=True
    )
    is_default = models.BooleanField(
        "默认规则", default=True, help_text="规则冲突时，默认规则用于计算；另一规则作为参考"
    )
    conflict_note = models.CharField("冲突说明", max_length=300, blank=True)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True, help_text="不含当日；空为现行有效")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="legaltime_rule_code_version")
        ]
        # rule_in_force(code, date) looks up by code and effective dates.
        indexes = [models.Index(fields=["code", "effective_from"], name="legaltime_rule_code_from")]
        verbose_name = "期限规则"
        verbose_name_plural = "期限规则"

    def __str__(self) -> str:
        return f"{self.name}（{self.code} v{self.version}）"

    def get_absolute_url(self) -> str:
        return reverse("legaltime:rule_detail", args=[self.pk])

    @property
    def basis(self) -> str:
        return f"{self.basis_document}{self.basis_article}"

    @property
    def start_event_label(self) -> str:
        return event_label(self.start_event)

    @property
    def length_label(self) -> str:
        from .periods import Unit

        return f"{self.length}{Unit(self.unit).label}"

    @property
    def expedited_label(self) -> str:
        """e.g. 3日 — the shortened period for expedited handling, if the rule has one."""
        from .periods import Unit

        if not self.expedited_length:
            return ""
        return f"{self.expedited_length}{Unit(self.expedited_unit or self.unit).label}"

    @property
    def last_day(self) -> dt.date | None:
        """The last day this version is in force (``effective_to`` is exclusive)."""
        return dt.date.fromordinal(self.effective_to.toordinal() - 1) if self.effective_to else None

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class DeadlineQuerySet(CourtScopedQuerySet["Deadline"]):
    court_lookup = "court_id"

    def open(self) -> DeadlineQuerySet:
        return self.filter(completed_on__isnull=True)


class Deadline(models.Model):
    """A time limit owned by a workflow object (letter, report, order, explanation) or set by
    hand. Its status is derived from today; its due date is computed by the legal clock and
    recomputed in bulk when the calendar, the rule, an extension or an exclusion changes."""

    kind = models.CharField("类别", max_length=20, choices=DeadlineKind.choices, default=DeadlineKind.MANUAL)
    title = models.CharField("事项", max_length=200)
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="deadlines", verbose_name="责任法院"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name="责任人",
    )
    rule = models.ForeignKey(
        TimeLimitRule, on_delete=models.PROTECT, null=True, blank=True, verbose_name="期限规则"
    )
    rule_code = models.CharField("规则代码", max_length=40, blank=True)
    length = models.PositiveIntegerField("期限长度")
    unit = models.CharField("单位", max_length=10, choices=UnitChoice.choices)
    basis = models.CharField("依据", max_length=250, blank=True)
    start_event = models.CharField("起算事件", max_length=40, default="manual")
    start_date = models.DateField("起算日")
    expedited = models.BooleanField("特事特办", default=False)
    raw_end = models.DateField("期间末日（未顺延）", null=True, blank=True)
    due_date = models.DateField("届满日", null=True, blank=True)
    provisional = models.BooleanField("暂定", default=False)
    suspended_since = models.DateField("中止自", null=True, blank=True)
    explanation = models.JSONField("计算说明", default=list, blank=True)
    calendar_version = models.PositiveIntegerField("日历版本", default=0)
    completed_on = models.DateField("完成日期", null=True, blank=True)
    # set when the deadline ended because its object was withdrawn or voided (a request withdrawn,
    # a letter voided, a matter cancelled): it is neither met nor late, and counts for nothing
    closed_reason = models.CharField("撤销原因", max_length=200, blank=True)
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="创建人"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = DeadlineQuerySet.as_manager()

    # Display attributes, filled per request by ``views.decorate`` (not stored).
    status: str = ""
    status_label: str = ""
    badge: str = ""
    days_left: int | None = None

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            # the board: open deadlines of some courts, by due date
            models.Index(fields=["court", "completed_on", "due_date"], name="legaltime_dl_board"),
            # recompute after a rule or calendar change
            models.Index(fields=["rule_code", "start_date"], name="legaltime_dl_rule_start"),
        ]
        verbose_name = "期限"
        verbose_name_plural = "期限"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("legaltime:deadline_detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        """e.g. 5日, 30个工作日, 3个月."""
        from .periods import Unit

        return f"{self.length}{Unit(self.unit).label}"


class DeadlineExtension(models.Model):
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="extensions")
    length = models.PositiveIntegerField("延长长度")
    unit = models.CharField("单位", max_length=10, choices=UnitChoice.choices, default=UnitChoice.DAYS)
    reason = models.CharField("理由", max_length=300)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, verbose_name="批准人"
    )
    approver_title = models.CharField("依规定的审批人", max_length=50, blank=True)
    approved_at = models.DateTimeField("批准时间", default=timezone.now)
    previous_due = models.DateField("原届满日", null=True, blank=True)

    class Meta:
        ordering = ["approved_at"]
        verbose_name = "延长记录"
        verbose_name_plural = "延长记录"

    def __str__(self) -> str:
        return f"+{self.period_label}"

    @property
    def period_label(self) -> str:
        from .periods import Unit

        return f"{self.length}{Unit(self.unit).label}"


class DeadlineInterval(models.Model):
    """A period not counted (中止, 暂缓执行 …); ``end`` empty while still open."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="intervals")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", null=True, blank=True)
    reason = models.CharField("事由", max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start"]
        verbose_name = "不计入期间"
        verbose_name_plural = "不计入期间"

    def __str__(self) -> str:
        return f"{self.start}–{self.end or '（未结束）'}"
