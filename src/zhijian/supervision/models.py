"""Supervision matters (监督事项, Arts. 2–6 and 9 of the regulation).

A matter arrives from one or more Art. 3 sources, is reviewed by an officer, and ends either in a
direct reply (径行答复) or in supervision: a numbered 督办函 to the basic court's designated
contact (Art. 4), the court's report back (Art. 6) and the officer's assessment. Every state
change goes through ``services.py``; the allowed ones are listed in ``workflow.py``. Time limits
are ``legaltime.Deadline`` rows linked through ``MatterDeadline``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from zhijian.core.querysets import CourtScopedQuerySet


class SourceCategory(models.Model):
    """One item of Art. 3, stored as data with its citation. The original has no item 4; the
    numbering is kept exactly as written (items 1, 2, 3, 5, 6, 7)."""

    item = models.PositiveSmallIntegerField("项", unique=True)
    article = models.CharField("条款", max_length=40)
    name = models.CharField("来源类别", max_length=60)
    text = models.CharField("原文", max_length=300)
    is_leader = models.BooleanField("领导批示类", default=False, help_text="登记批示人、批示内容、批示日期")
    is_petition = models.BooleanField(
        "信访类", default=False, help_text="计入关联案件的信访次数；办结期限按信访期限计"
    )
    marks_leadership = models.BooleanField("标记领导督办", default=False)
    report_back_default = models.BooleanField("默认须报告结果", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "item"]
        verbose_name = "监督来源类别"
        verbose_name_plural = "监督来源类别"

    def __str__(self) -> str:
        return f"（{self.item_cn}）{self.name}"

    @property
    def item_cn(self) -> str:
        return "一二三四五六七八九十"[self.item - 1] if 1 <= self.item <= 10 else str(self.item)


class MatterState(models.TextChoices):
    REGISTERED = "registered", "已登记"
    REVIEWING = "reviewing", "审查中"
    REPLY_APPROVAL = "reply_approval", "答复待审批"
    REPLYING = "replying", "待答复"
    SUPERVISING = "supervising", "督办中"
    CONCLUDING = "concluding", "待办结"
    CONCLUDED = "concluded", "已办结"
    CANCELLED = "cancelled", "已撤销"


OPEN_MATTER_STATES = frozenset(
    {
        MatterState.REGISTERED,
        MatterState.REVIEWING,
        MatterState.REPLY_APPROVAL,
        MatterState.REPLYING,
        MatterState.SUPERVISING,
        MatterState.CONCLUDING,
    }
)


class Finding(models.TextChoices):
    """The review's finding (Art. 2)."""

    CORRECT = "correct", "执行无误"
    INEFFECTIVE = "ineffective", "执行不力"
    PASSIVE = "passive", "消极执行"
    UNLAWFUL = "unlawful", "违法执行行为"
    OTHER = "other", "其他"


class Decision(models.TextChoices):
    REPLY = "reply", "径行答复"
    SUPERVISE = "supervise", "督办"


class Channel(models.TextChoices):
    PAPER = "paper", "纸质来文"
    VISIT = "visit", "来访"
    LETTER = "letter", "来信"
    PHONE = "phone", "电话"
    PLATFORM = "platform", "执行指挥平台"
    PETITION_SYSTEM = "petition_system", "信访系统"
    OTHER = "other", "其他"


class MatterQuerySet(CourtScopedQuerySet["Matter"]):
    """A matter is visible to a user who sees any court concerned (a matter about two basic
    courts shows each of them the summary), or the supervising court."""

    def for_courts(self, court_ids: frozenset[int] | set[int]) -> MatterQuerySet:
        ids = list(court_ids)
        concerned = MatterCourt.objects.filter(court_id__in=ids).values("matter_id")
        return self.filter(Q(supervising_court_id__in=ids) | Q(pk__in=concerned))

    def open(self) -> MatterQuerySet:
        return self.filter(state__in=OPEN_MATTER_STATES)


class Matter(models.Model):
    number = models.CharField("登记编号", max_length=30, unique=True)
    title = models.CharField("事由", max_length=200)
    content = models.TextField("主要内容", blank=True)
    supervising_court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="supervised_matters", verbose_name="督办法院"
    )
    courts = models.ManyToManyField(
        "org.Court", related_name="matters", verbose_name="被监督法院", through="MatterCourt"
    )
    state = models.CharField(
        "状态", max_length=20, choices=MatterState.choices, default=MatterState.REGISTERED
    )
    received_on = models.DateField("收到日期")
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_matters",
        verbose_name="承办监督员",
    )
    channel = models.CharField("来文渠道", max_length=20, choices=Channel.choices, default=Channel.PAPER)
    external_ref = models.CharField("外部编号", max_length=80, blank=True, help_text="如执行指挥平台督办编号")
    # the complainant (来信来访人), for letters and visits; masked in lists and exports
    anonymous = models.BooleanField("匿名来信", default=False)
    complainant_name = models.CharField("来信来访人", max_length=60, blank=True)
    complainant_id_number = models.CharField("证件号码", max_length=30, blank=True)
    complainant_phone = models.CharField("联系电话", max_length=30, blank=True)
    complainant_address = models.CharField("地址", max_length=200, blank=True)
    group_petition = models.BooleanField("群体上访", default=False, help_text="第十八条")
    expedited = models.BooleanField("特事特办", default=False, help_text="第九条")
    expedited_reason = models.CharField("特事特办事由", max_length=200, blank=True)
    expedited_by = models.CharField("要求特事特办的机关", max_length=100, blank=True)
    # review
    finding = models.CharField("审查结论", max_length=20, choices=Finding.choices, blank=True)
    decision = models.CharField("处理意见", max_length=20, choices=Decision.choices, blank=True)
    review_opinion = models.TextField("审查意见", blank=True)
    reviewed_at = models.DateTimeField("审查完成时间", null=True, blank=True)
    # direct reply (Art. 5)
    reply_mode = models.CharField("答复方式", max_length=20, blank=True)
    reply_note = models.TextField("答复内容", blank=True)
    replied_on = models.DateField("答复日期", null=True, blank=True)
    # conclusion
    result_summary = models.TextField("办理结果", blank=True)
    concluded_on = models.DateField("办结日期", null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField("撤销理由", max_length=300, blank=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    objects = MatterQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_at", "-pk"]
        indexes = [models.Index(fields=["state", "supervising_court"], name="sup_matter_state")]
        verbose_name = "监督事项"
        verbose_name_plural = "监督事项"

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_MATTER_STATES

    @property
    def is_petition(self) -> bool:
        return any(s.category.is_petition for s in self.sources.all())


class MatterCourt(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="court_links")
    court = models.ForeignKey("org.Court", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["matter", "court"], name="sup_matter_court_unique")]
        verbose_name = "被监督法院"
        verbose_name_plural = "被监督法院"

    def __str__(self) -> str:
        return f"{self.matter_id}:{self.court_id}"


class MatterSource(models.Model):
    """One Art. 3 source of a matter. A later letter about the same case attaches to the open
    matter as another source."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="sources")
    category = models.ForeignKey(SourceCategory, on_delete=models.PROTECT, verbose_name="来源类别")
    body = models.CharField("来文单位/来源", max_length=100)
    doc_number = models.CharField("来文文号", max_length=80, blank=True)
    doc_date = models.DateField("来文日期", null=True, blank=True)
    received_on = models.DateField("收到日期")
    instructor = models.CharField("批示人", max_length=60, blank=True)
    instruction = models.TextField("批示内容", blank=True)
    instruction_date = models.DateField("批示日期", null=True, blank=True)
    report_back = models.BooleanField("须报告结果", default=False, help_text="第三条第（一）项")
    report_rule = models.CharField("报告期限规则", max_length=40, blank=True)
    reported_on = models.DateField("已报告日期", null=True, blank=True)
    report_note = models.TextField("报告情况", blank=True)
    added_at = models.DateTimeField("登记时间", default=timezone.now)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["matter", "added_at", "pk"]
        verbose_name = "监督来源"
        verbose_name_plural = "监督来源"

    def __str__(self) -> str:
        ref = f" {self.doc_number}" if self.doc_number else ""
        return f"{self.category}：{self.body}{ref}"


class MatterCase(models.Model):
    """A related enforcement case, linked to the case registry when known, kept as text when
    not (it links itself when the case is later imported)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="case_links")
    number = models.CharField("案号", max_length=60)
    case = models.ForeignKey(
        "cases.EnforcementCase", on_delete=models.SET_NULL, null=True, blank=True, related_name="matter_links"
    )

    class Meta:
        ordering = ["matter", "pk"]
        constraints = [models.UniqueConstraint(fields=["matter", "number"], name="sup_matter_case_unique")]
        indexes = [models.Index(fields=["number"], name="sup_matter_case_number")]
        verbose_name = "关联案件"
        verbose_name_plural = "关联案件"

    def __str__(self) -> str:
        return self.number


class AttachmentKind(models.TextChoices):
    INTAKE = "intake", "来文材料"
    TRANSCRIPT = "transcript", "答复笔录"
    REPORT = "report", "报告材料"
    ANSWER = "answer", "答复通知材料"
    OTHER = "other", "其他"


class Attachment(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        "类别", max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.INTAKE
    )
    # the court whose item it belongs to (a report's court); null = the matter's own material
    court = models.ForeignKey("org.Court", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    report = models.ForeignKey(
        "Report", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    request = models.ForeignKey(
        "InfoRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    path = models.CharField("存储路径", max_length=300)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.name


class LetterState(models.TextChoices):
    DRAFT = "draft", "起草中"
    PENDING = "pending", "待局长审批"
    ISSUED = "issued", "已签发待签收"
    SIGNED = "signed", "已签收"
    REPORTED = "reported", "已报告"
    ACCEPTED = "accepted", "报告已采纳"
    REJECTED = "rejected", "报告未采纳"
    VOID = "void", "已作废"


class Letter(models.Model):
    """A supervision letter (督办函, Art. 5) to one court's designated contact (Art. 4)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="letters")
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="+", verbose_name="收函法院"
    )
    state = models.CharField("状态", max_length=20, choices=LetterState.choices, default=LetterState.DRAFT)
    facts = models.TextField("反映的问题")
    requirements = models.TextField("督办要求")
    report_length = models.PositiveIntegerField(
        "报告期限（日）", null=True, blank=True, help_text="空：按规则"
    )
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_on = models.DateField("起草日期", default=timezone.localdate)
    submitted_at = models.DateTimeField("提交审批时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_on = models.DateField("签发日期", null=True, blank=True)
    document = models.ForeignKey(
        "documents.OfficialDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact_at_arrival = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="送达时的联络专人",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    void_reason = models.CharField("作废理由", max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["matter", "pk"]
        verbose_name = "督办函"
        verbose_name_plural = "督办函"

    def __str__(self) -> str:
        if self.document_id and self.document is not None:
            return f"督办函 {self.document.number}"
        return f"督办函（{LetterState(self.state).label}）"


class ReportState(models.TextChoices):
    DRAFT = "draft", "起草中"
    PENDING = "pending", "待基层执行局长审批"
    SUBMITTED = "submitted", "已报送"
    ACCEPTED = "accepted", "已采纳"
    REJECTED = "rejected", "未采纳"


class ReportMode(models.TextChoices):
    WRITTEN = "written", "书面报告"
    IN_PERSON = "in_person", "派员汇报"


class Report(models.Model):
    """The court's report back on a letter (Art. 6), drafted by its contact and approved by its
    执行局长; written, or a record that a person came to report."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="reports")
    court = models.ForeignKey("org.Court", on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=20, choices=ReportState.choices, default=ReportState.DRAFT)
    mode = models.CharField("报告方式", max_length=20, choices=ReportMode.choices, default=ReportMode.WRITTEN)
    text = models.TextField("报告内容")
    reporter = models.CharField("汇报人", max_length=100, blank=True)
    reported_on = models.DateField("汇报日期", null=True, blank=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField("审核时间", null=True, blank=True)
    assessment = models.TextField("审核意见", blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["letter", "pk"]
        verbose_name = "报告反馈"
        verbose_name_plural = "报告反馈"

    def __str__(self) -> str:
        return f"{self.court} 的报告（{ReportState(self.state).label}）"


class RequestKind(models.TextChoices):
    FILE = "file", "调卷通知"
    EXPLAIN = "explain", "情况说明通知"
    BRIEFING = "briefing", "汇报通知"


class RequestState(models.TextChoices):
    SENT = "sent", "已发出待答复"
    ANSWERED = "answered", "已答复"
    CANCELLED = "cancelled", "已撤回"


class InfoRequest(models.Model):
    """An information request sent during review: 调卷 (file within 5 days, at most 10),
    情况说明 or 汇报 (date, place, who must attend)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="requests")
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="+", verbose_name="收文法院"
    )
    kind = models.CharField("类别", max_length=20, choices=RequestKind.choices)
    state = models.CharField("状态", max_length=20, choices=RequestState.choices, default=RequestState.SENT)
    details = models.TextField("要求")
    meeting_at = models.DateTimeField("汇报时间", null=True, blank=True)
    place = models.CharField("汇报地点", max_length=100, blank=True)
    attendees = models.CharField("参加人员", max_length=200, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField("发出日期", default=timezone.localdate)
    document = models.ForeignKey(
        "documents.OfficialDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact_at_arrival = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.TextField("答复内容", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    class Meta:
        ordering = ["matter", "pk"]
        verbose_name = "通知"
        verbose_name_plural = "通知"

    def __str__(self) -> str:
        return f"{RequestKind(self.kind).label}（{self.court}）"


class DeadlinePurpose(models.TextChoices):
    REVIEW = "review", "审查决定"
    LETTER = "letter", "作出督办函"
    SIGN = "sign", "签收督办函"
    REPORT = "report", "报告反馈"
    REQUEST = "request", "答复通知"
    CONCLUDE = "conclude", "办结"
    SOURCE = "source", "向来源报告结果"
    URGE = "urge", "催办后报告"
    ORDER = "order", "督促执行令限期办理"
    WINDOW = "window", "申请复议期间"
    CORRECT = "correct", "纠正并报告"
    TASK = "task", "共同执行事项"


class MatterDeadline(models.Model):
    """A time limit of a matter: a ``legaltime.Deadline`` and what it is for."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="deadline_links")
    deadline = models.OneToOneField(
        "legaltime.Deadline", on_delete=models.CASCADE, related_name="matter_link"
    )
    purpose = models.CharField("用途", max_length=20, choices=DeadlinePurpose.choices)
    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, null=True, blank=True, related_name="deadline_links"
    )
    request = models.ForeignKey(
        InfoRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="deadline_links"
    )
    source = models.ForeignKey(
        MatterSource, on_delete=models.CASCADE, null=True, blank=True, related_name="deadline_links"
    )
    # a measure's deadlines: an order's per-case limits, an instruction's 复议 window and
    # correction limit, a joint enforcement's tasks (and a 催办 of an order)
    measure = models.ForeignKey(
        "Measure", on_delete=models.CASCADE, null=True, blank=True, related_name="deadline_links"
    )
    measure_case = models.ForeignKey(
        "MeasureCase", on_delete=models.CASCADE, null=True, blank=True, related_name="deadline_links"
    )
    task = models.ForeignKey(
        "MeasureTask", on_delete=models.CASCADE, null=True, blank=True, related_name="deadline_links"
    )
    # a 催办 deadline: the overdue report or request deadline it chases
    follows = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="urges",
        verbose_name="催办的期限",
    )

    class Meta:
        ordering = ["matter", "pk"]
        verbose_name = "监督期限"
        verbose_name_plural = "监督期限"

    def __str__(self) -> str:
        return f"{self.matter.number} {self.label}"

    @property
    def label(self) -> str:
        """e.g. 报告反馈（浑江区法院，白中法执督〔2026〕3号）, 答复情况说明通知（江源区法院）."""
        text = str(DeadlinePurpose(self.purpose).label)
        detail = []
        if self.request_id is not None and self.request is not None:
            text = f"答复{RequestKind(self.request.kind).label}"
            detail.append(self.request.court.short_name)
        if self.letter_id is not None and self.letter is not None:
            detail.append(self.letter.court.short_name)
            if self.letter.document_id is not None and self.letter.document is not None:
                detail.append(self.letter.document.number)
        if self.source_id is not None and self.source is not None:
            text = f"向{self.source.body}报告结果"
        if self.measure_case_id is not None and self.measure_case is not None:
            detail.append(self.measure_case.case.number)
        if self.task_id is not None and self.task is not None:
            text = f"{self.task.task}"
            detail.append(self.task.court.short_name)
        if self.purpose == DeadlinePurpose.SIGN and self.measure_id is not None and self.measure is not None:
            text = f"签收{self.measure.type.name}" + ("通知" if self.measure.type.code == "defer" else "")
        if self.purpose == DeadlinePurpose.URGE:
            if self.measure_id is not None:
                text = "催办后执行督促执行令"
            else:
                text = "催办后" + ("答复" if self.request_id is not None else "报告")
        return text + (f"（{'，'.join(detail)}）" if detail else "")


class ExtensionState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "未批准"


class ExtensionRequest(models.Model):
    """Art. 9: an extension asked for with a reason — by the officer, or by the basic court
    from its workspace — and approved or refused by the approver the rule names."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="extension_requests")
    link = models.ForeignKey(MatterDeadline, on_delete=models.CASCADE, related_name="extension_requests")
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="+", verbose_name="申请法院"
    )
    length = models.PositiveIntegerField("延长长度")
    unit = models.CharField("单位", max_length=10, default="days")
    reason = models.CharField("理由", max_length=300)
    state = models.CharField(
        "状态", max_length=20, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        ordering = ["matter", "requested_at"]
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"

    def __str__(self) -> str:
        return f"延期 {self.period_label} ({ExtensionState(self.state).label})"

    @property
    def period_label(self) -> str:
        """e.g. 5日, 1个月."""
        from zhijian.legaltime.periods import Unit

        return f"{self.length}{Unit(self.unit).label}"


class EntryKind(models.TextChoices):
    EVENT = "event", "办理"
    COMMENT = "comment", "意见"
    RETURN = "return", "退回意见"


class TimelineEntry(models.Model):
    """What the matter page's timeline shows: every step, with its comment. ``court`` set means
    only that court (and the supervising court) sees the entry — a matter concerning two courts
    shows each court only its own letters, reports and documents."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=10, choices=EntryKind.choices, default=EntryKind.EVENT)
    action = models.CharField("动作", max_length=40)
    text = models.TextField("内容")
    court = models.ForeignKey("org.Court", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"

    def __str__(self) -> str:
        return self.text


class SavedFilter(models.Model):
    """A user's named filter of the matter list; it appears in the navigation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField("名称", max_length=40)
    query = models.CharField("筛选条件", max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="sup_saved_filter_unique")]
        verbose_name = "常用筛选"
        verbose_name_plural = "常用筛选"

    def __str__(self) -> str:
        return self.name


class MatterCounter(models.Model):
    """The registration number's sequence per supervising court and year (登记编号)."""

    court = models.ForeignKey("org.Court", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["court", "year"], name="sup_counter_unique")]

    def __str__(self) -> str:
        return f"{self.court_id}/{self.year}: {self.last}"


# --- supervision measures (Arts. 2, 7, 8; issue 6) ---------------------------------------------


class MeasureForm(models.TextChoices):
    DOCUMENT = "document", "公文"
    RULING = "ruling", "裁定"


class MeasureType(models.Model):
    """A kind of measure as data: its legal basis, the document it produces, its approval chain
    and its follow-up rule. Seeded by migration (``measure_types.DEFAULTS``) and re-seeded after
    every migrate; administrators may change the configurable parts (the 院领导 step, the rule)."""

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("措施", max_length=40)
    article = models.CharField("规定条款", max_length=40)
    basis = models.CharField("法律依据", max_length=300)
    form = models.CharField("文书形式", max_length=10, choices=MeasureForm.choices)
    document_kind = models.CharField("文种", max_length=30)
    leader_approval = models.BooleanField(
        "须院领导审批", default=False, help_text="合议庭评议、局长审批之后，再报分管院领导审批"
    )
    rule_code = models.CharField("后续期限规则", max_length=40, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "监督措施类型"
        verbose_name_plural = "监督措施类型"

    def __str__(self) -> str:
        return self.name

    @property
    def is_ruling(self) -> bool:
        return self.form == MeasureForm.RULING


class MeasureState(models.TextChoices):
    DRAFT = "draft", "起草中"
    PENDING_DIRECTOR = "pending_director", "待局长审批"
    PENDING_LEADER = "pending_leader", "待院领导审批"
    ISSUED = "issued", "已签发"
    SIGNED = "signed", "已签收"
    RECONSIDERING = "reconsidering", "复议审查中"
    DONE = "done", "已完成"
    WITHDRAWN = "withdrawn", "已撤销"


OPEN_MEASURE_STATES = frozenset(
    {
        MeasureState.DRAFT,
        MeasureState.PENDING_DIRECTOR,
        MeasureState.PENDING_LEADER,
        MeasureState.ISSUED,
        MeasureState.SIGNED,
        MeasureState.RECONSIDERING,
    }
)


class OrderGround(models.TextChoices):
    ART7A = "art7a", "第七条（一）：超过执行期限未执结"
    ART7B = "art7b", "第七条（二）：应当作出裁定、决定、通知而未作出"
    ART7C = "art7c", "第七条（三）：应当依法采取执行措施而未采取"


class Measure(models.Model):
    """One measure taken in a matter against one basic court: a 督促执行令 (with its case list),
    指令纠正, 裁定纠正, 提级/指定执行 (rulings), 共同执行 / 共同执行方案 (with tasks), 暂缓执行.
    Every change goes through ``measures.py``; the allowed ones are in ``workflow.MEASURE``."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="measures")
    type = models.ForeignKey(MeasureType, on_delete=models.PROTECT, verbose_name="措施")
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="+", verbose_name="被监督法院"
    )
    state = models.CharField("状态", max_length=20, choices=MeasureState.choices, default=MeasureState.DRAFT)
    ground = models.CharField("督促事由", max_length=10, choices=OrderGround.choices, blank=True)
    facts = models.TextField("事实与理由")
    requirements = models.TextField("要求", blank=True)
    # the case a ruling, an instruction or a deferral concerns (an order lists its cases instead)
    case = models.ForeignKey(
        "cases.EnforcementCase", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="案件",
    )  # fmt: skip
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="followed_by",
        verbose_name="前序措施",
    )  # fmt: skip
    length = models.PositiveIntegerField("期限长度", null=True, blank=True)
    # rulings: the 执监/执他 case number registered for it, the parties and the panel's deliberation
    ruling_number = models.CharField("立案案号", max_length=40, blank=True)
    parties = models.JSONField("当事人", default=list, blank=True)
    ruling_items = models.TextField("裁定主文", blank=True)
    new_court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="执行法院（提级/指定后）",
    )  # fmt: skip
    new_case_number = models.CharField("新案号", max_length=40, blank=True)
    new_case = models.ForeignKey(
        "cases.EnforcementCase", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="新案件",
    )  # fmt: skip
    panel_presiding = models.CharField("审判长", max_length=30, blank=True)
    panel_judges = models.CharField("审判员", max_length=100, blank=True, help_text="以顿号分隔")
    panel_clerk = models.CharField("书记员", max_length=30, blank=True)
    panel_opinion = models.TextField("合议庭评议意见", blank=True)
    panel_on = models.DateField("评议日期", null=True, blank=True)
    # 暂缓执行: the interval written on the case's time limit
    defer_start = models.DateField("暂缓起始日", null=True, blank=True)
    defer_end = models.DateField("暂缓届满日", null=True, blank=True)
    suspension_id_ref = models.PositiveIntegerField("不计入期间记录", null=True, blank=True)
    # 指令纠正: the lower court's request for reconsideration (复议) in the window
    reconsider_reason = models.TextField("复议理由", blank=True)
    reconsider_at = models.DateTimeField("申请复议时间", null=True, blank=True)
    reconsider_result = models.CharField("复议结果", max_length=20, blank=True)
    reconsider_note = models.TextField("复议审查意见", blank=True)
    result_note = models.TextField("办理情况", blank=True)
    document = models.ForeignKey(
        "documents.OfficialDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applicant_notice = models.ForeignKey(
        "documents.OfficialDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="告知书",
    )  # fmt: skip
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField("起草时间", default=timezone.now)
    issued_on = models.DateField("签发日期", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    done_on = models.DateField("完成日期", null=True, blank=True)
    withdraw_reason = models.CharField("撤销理由", max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["matter", "pk"]
        indexes = [models.Index(fields=["court", "state"], name="sup_measure_court_state")]
        verbose_name = "监督措施"
        verbose_name_plural = "监督措施"

    def __str__(self) -> str:
        return f"{self.type.name}（{self.court}）"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_MEASURE_STATES

    @property
    def judges(self) -> list[str]:
        return [
            j.strip()
            for j in self.panel_judges.replace(",", "、").replace("，", "、").split("、")
            if j.strip()
        ]


class MeasureApproval(models.Model):
    """One step of a measure's approval chain: 合议庭评议 (rulings), 局长, 院领导."""

    class Step(models.TextChoices):
        PANEL = "panel", "合议庭评议"
        DIRECTOR = "director", "局长审批"
        LEADER = "leader", "院领导审批"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="approvals")
    step = models.CharField("环节", max_length=10, choices=Step.choices)
    approved = models.BooleanField("同意")
    opinion = models.TextField("意见", blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measure", "at", "pk"]
        verbose_name = "审批记录"
        verbose_name_plural = "审批记录"

    def __str__(self) -> str:
        return f"{self.Step(self.step).label} {'同意' if self.approved else '退回'}"


class MeasureCase(models.Model):
    """A case on an order's annexed list (案件清单), with its own deadline; resolved when the case
    is concluded or the act it lacked is recorded (by an import), or on the court's report."""

    class Resolution(models.TextChoices):
        IMPORT = "import", "导入数据显示已办理"
        REPORT = "report", "法院报告已办理"
        TRANSFER = "transfer", "已提级执行或指定执行"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="case_items")
    case = models.ForeignKey("cases.EnforcementCase", on_delete=models.PROTECT, related_name="+")
    rule = models.CharField("督促事项", max_length=40)
    length = models.PositiveIntegerField("期限（日）", null=True, blank=True, help_text="空：按措施的期限")
    resolved_on = models.DateField("办理日期", null=True, blank=True)
    resolution = models.CharField("办理依据", max_length=10, choices=Resolution.choices, blank=True)
    report_note = models.CharField("报告内容", max_length=300, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["measure", "pk"]
        constraints = [models.UniqueConstraint(fields=["measure", "case"], name="sup_measure_case_unique")]
        verbose_name = "督促执行令案件"
        verbose_name_plural = "督促执行令案件"

    def __str__(self) -> str:
        return f"{self.case_id} {self.rule}"


class MeasureTask(models.Model):
    """A task of a joint enforcement (共同执行) or a milestone of a joint plan (共同执行方案)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="tasks")
    court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="+", verbose_name="承办法院"
    )
    task = models.CharField("工作事项", max_length=200)
    length = models.PositiveIntegerField("完成期限（日）")
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.CharField("完成情况", max_length=300, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["measure", "pk"]
        verbose_name = "共同执行任务"
        verbose_name_plural = "共同执行任务"

    def __str__(self) -> str:
        return self.task
