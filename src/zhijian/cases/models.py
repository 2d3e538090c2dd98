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

    class Kind(models.TextChoices):
        CASES = "cases", "案件文件"
        EVENTS = "events", "流程节点文件"

    kind = models.CharField("文件类型", max_length=8, choices=Kind.choices, default=Kind.CASES)
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
    # live progress, written outside the import's transaction (the upload page polls it)
    progress_phase = models.CharField("进度阶段", max_length=12, blank=True)
    progress_done = models.PositiveIntegerField("已处理", default=0)
    progress_total = models.PositiveIntegerField("总数", null=True, blank=True)
    upload_path = models.CharField("上传文件", max_length=500, blank=True)

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
    handler_ambiguous = models.BooleanField("承办人同名待核", default=False)
    # the 数据截至日期 of the events file that last gave this case's process nodes; node checks
    # (Art. 7(b)/(c)) apply only to cases whose events have been imported
    events_as_of = models.DateField("流程节点数据截至日期", null=True, blank=True)
    # --- due dates by the legal clock (recomputed in bulk; see dues.py) ---
    limit_rule = models.CharField("执行期限规则", max_length=40, blank=True)
    limit_due = models.DateField("执行期限届满日", null=True, blank=True)
    limit_provisional = models.BooleanField("期限暂定", default=False)
    suspended_since = models.DateField("中止中（自）", null=True, blank=True)
    # Art. 7(b)/(c) node checks: the due date of each node rule that applies, and the day the
    # required document or act was recorded (dues.NODE_CHECKS names them)
    handler_due = models.DateField("确定承办人期限", null=True, blank=True)
    handler_done = models.DateField("确定承办人日期", null=True, blank=True)
    notice_due = models.DateField("执行通知期限", null=True, blank=True)
    notice_done = models.DateField("执行通知发出日期", null=True, blank=True)
    clues_request_due = models.DateField("通知提供线索期限", null=True, blank=True)
    clues_request_done = models.DateField("通知提供线索日期", null=True, blank=True)
    clue_check_due = models.DateField("核查线索期限", null=True, blank=True)
    clue_check_done = models.DateField("核查线索日期", null=True, blank=True)
    investigation_start_due = models.DateField("启动调查期限", null=True, blank=True)
    investigation_start_done = models.DateField("启动调查日期", null=True, blank=True)
    investigation_done_due = models.DateField("完成调查期限", null=True, blank=True)
    investigation_done_done = models.DateField("完成调查日期", null=True, blank=True)
    payout_due = models.DateField("发放案款期限", null=True, blank=True)
    payout_done = models.DateField("发放案款日期", null=True, blank=True)
    # --- Art. 8 / Art. 13 facts, set by events and by later issues' links (never by hand) ---
    obstacle_since = models.DateField("执行障碍（自）", null=True, blank=True)
    petition_count = models.PositiveIntegerField("信访次数", default=0)
    last_petition_on = models.DateField("最近一次信访", null=True, blank=True)
    group_petition = models.BooleanField("集体信访", default=False)
    corrected_on = models.DateField("复议纠错日期", null=True, blank=True)
    corrected_by = models.CharField("纠错的复议案号", max_length=40, blank=True)
    leadership_since = models.DateField("领导督办（自）", null=True, blank=True)
    media_since = models.DateField("媒体/社会关注（自）", null=True, blank=True)

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
    # shown masked in lists, pages and exports; revealing one is audited (cases.party.reveal)
    id_number = models.CharField("证件号码", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    class Meta:
        ordering = ["case", "role", "position"]
        # party-name search
        indexes = [models.Index(fields=["name"], name="cases_party_name")]
        verbose_name = "当事人"
        verbose_name_plural = "当事人"

    def __str__(self) -> str:
        return self.name


class CaseEvent(models.Model):
    """A process node from the case-flow system's events export (节点), as an event code of the
    legal clock's vocabulary (``legaltime.events``)."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="events")
    code = models.CharField("事件", max_length=40)
    on = models.DateField("开始日期")
    end_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    source = models.ForeignKey(
        CaseImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="来源"
    )

    class Meta:
        ordering = ["case", "on", "pk"]
        indexes = [models.Index(fields=["case", "on"], name="cases_event_case_on")]
        verbose_name = "流程节点"
        verbose_name_plural = "流程节点"

    def __str__(self) -> str:
        return f"{self.case_id} {self.code} {self.on}"


class SuspensionKind(models.TextChoices):
    """Periods not counted in the enforcement time limit (执行程序解释第十三条, DOMAIN.md §1)."""

    SUSPENDED = "suspended", "中止执行"
    DEFERRED = "deferred", "暂缓执行"
    ANNOUNCEMENT = "announcement", "公告期间"
    APPRAISAL = "appraisal", "鉴定评估期间"
    JURISDICTION = "jurisdiction_dispute", "管辖争议处理期间"
    COORDINATION = "coordination", "执行争议协调期间"


class CaseSuspension(models.Model):
    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField("类型", max_length=24, choices=SuspensionKind.choices)
    start = models.DateField("起始日期")
    end = models.DateField("结束日期", null=True, blank=True, help_text="空：尚未结束")
    note = models.CharField("说明", max_length=300, blank=True)
    # blank: from an events import (rebuilt by each import); else the link that added it through
    # flags.add_suspension, e.g. 暂缓执行通知 白中法执缓〔2026〕1号 — kept by every import
    origin = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        ordering = ["case", "start"]
        verbose_name = "中止、暂缓等不计入期间"
        verbose_name_plural = "中止、暂缓等不计入期间"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start}—{self.end or ''}"


class CaseGrantQuerySet(models.QuerySet["CaseGrant"]):
    def live(self) -> CaseGrantQuerySet:
        return self.filter(revoked_at__isnull=True)


class CaseGrant(models.Model):
    """One case opened to one more court (指定执行 / 提级执行, Art. 8): the receiving court's users
    see that case read-only (``cases.access``), never the rest of the original court's data.
    Written only through ``flags.grant_case`` / ``flags.revoke_case_grant``, audited."""

    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="grants")
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="+", verbose_name="指定/提级执行法院"
    )
    reason = models.CharField("事由", max_length=200)
    # the link that granted it, e.g. 指定执行决定 白中法执监〔2026〕3号
    origin = models.CharField("来源", max_length=60, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="授权人",
    )
    granted_at = models.DateTimeField("授权时间", default=timezone.now)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = CaseGrantQuerySet.as_manager()

    class Meta:
        ordering = ["case", "granted_at"]
        constraints = [
            # one live grant per case and court (revoked ones stay as history)
            models.UniqueConstraint(
                fields=["case", "court"],
                condition=models.Q(revoked_at__isnull=True),
                name="cases_grant_live_unique",
            )
        ]
        indexes = [
            # a user's granted cases: the live grants of the courts they see
            models.Index(
                fields=["court", "case"],
                condition=models.Q(revoked_at__isnull=True),
                name="cases_grant_court_live",
            )
        ]
        verbose_name = "指定/提级执行授权"
        verbose_name_plural = "指定/提级执行授权"

    def __str__(self) -> str:
        return f"{self.case_id} → {self.court_id}"


class CaseExtension(models.Model):
    """An approved extension of the enforcement time limit (from the case file's 延长天数 and
    延长批准日期, or an events file's 延长执行期限 node)."""

    class Unit(models.TextChoices):
        DAYS = "days", "日"
        MONTHS = "months", "个月"

    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="extensions")
    length = models.PositiveIntegerField("延长")
    unit = models.CharField("单位", max_length=8, choices=Unit.choices, default=Unit.DAYS)
    approved_on = models.DateField("批准日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["case", "approved_on"]
        verbose_name = "延长执行期限"
        verbose_name_plural = "延长执行期限"

    def __str__(self) -> str:
        return f"延长 {self.length}{self.get_unit_display()}"


class CasePetition(models.Model):
    case = models.ForeignKey(EnforcementCase, on_delete=models.CASCADE, related_name="petitions")
    received_on = models.DateField("信访日期")
    group = models.BooleanField("集体信访", default=False)
    note = models.CharField("说明", max_length=300, blank=True)
    # blank: from an events import (rebuilt by each import); else the link that added it, e.g.
    # 监督事项 2026督0001 — a supervision matter from a petition source (Art. 3 items 2 and 6)
    origin = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        ordering = ["case", "received_on"]
        verbose_name = "执行信访"
        verbose_name_plural = "执行信访"

    def __str__(self) -> str:
        return f"信访 {self.received_on}"


class ImportAlias(models.Model):
    """An administrator's addition to the import's alias tables (the defaults are in code):
    a column header, a 案件状态 value or a 节点 name, and what it means."""

    class Kind(models.TextChoices):
        COLUMN = "column", "列名"
        STATUS = "status", "案件状态"
        NODE = "node", "流程节点名称"

    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    alias = models.CharField("文件中的写法", max_length=60)
    target = models.CharField("对应", max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="录入人"
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        ordering = ["kind", "alias"]
        constraints = [models.UniqueConstraint(fields=["kind", "alias"], name="cases_alias_unique")]
        verbose_name = "导入别名"
        verbose_name_plural = "导入别名"

    def __str__(self) -> str:
        return f"{self.alias} → {self.target}"


class ScanRule(models.TextChoices):
    ART7A = "art7a", "第七条（一）：超过执行期限未执结"
    ART7_HANDLER = "art7c_handler", "第七条（三）：未按期确定承办人"
    ART7_NOTICE = "art7b_notice", "第七条（二）：未按期发出执行通知书"
    ART7_CLUES_REQUEST = "art7b_clues_request", "第七条（二）：未按期通知申请执行人提供财产线索"
    ART7_CLUE_CHECK = "art7c_clue_check", "第七条（三）：未按期核查财产线索"
    ART7_INVESTIGATION_START = "art7c_investigation_start", "第七条（三）：未按期启动财产调查"
    ART7_INVESTIGATION_DONE = "art7c_investigation_done", "第七条（三）：未按期完成财产调查"
    ART7_PAYOUT = "art7c_payout", "第七条（三）：未按期发放执行款"
    ART8_LONG = "art8_long", "第八条：久拖不结"
    ART8_OBSTACLE = "art8_obstacle", "第八条：有执行障碍"
    ART13_PETITIONS = "art13_petitions", "第十三条（一）：重复上访案件"
    ART13_CORRECTED = "art13_corrected", "第十三条（二）：上级法院复议纠错案件"
    ART13_LEADERSHIP = "art13_leadership", "第十三条（三）：领导督办案件"
    ART13_MEDIA = "art13_media", "第十三条（四）：媒体、社会关注案件"


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

    # no index of their own: the identity constraint's index begins with the case, the page's
    # index with the court
    case = models.ForeignKey(
        EnforcementCase, on_delete=models.CASCADE, related_name="candidates", db_index=False
    )
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="+", verbose_name="执行法院", db_index=False
    )
    rule = models.CharField("规则", max_length=40, choices=ScanRule.choices)
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
        indexes = [
            # the scan page: a court's candidates by rule and state, most overdue first
            models.Index(fields=["court", "rule", "state", "due_date"], name="cases_candidate_page"),
        ]
        verbose_name = "扫描线索"
        verbose_name_plural = "扫描线索"

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_rule_display()}"
