"""Official documents (公文): numbering schemes and counters, editable templates, and the issued
documents themselves. Files (.docx, PDF, templates, scanned record copies) live under
``storage.documents_root()`` (``DATA_DIR/documents``), never in static files or the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from zhijian.core.querysets import CourtScopedQuerySet

from .choices import DEFAULT_NUMBER_PATTERN, DocumentKind, DocumentStatus, RenderState

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from zhijian.org.models import Court, User


class NumberingScheme(models.Model):
    """How the 文号 of one issuing court's documents of one kind is written. Only the text
    changes with it: the sequence is counted per (court, kind, year) in ``NumberCounter``."""

    issuing_court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="numbering_schemes", verbose_name="发文法院"
    )
    kind = models.CharField("文种", max_length=20, choices=DocumentKind.choices)
    organ_code = models.CharField("机关代字", max_length=20, help_text="例如：白中法")
    type_mark = models.CharField("类型代字", max_length=20, help_text="例如：执督")
    pattern = models.CharField(
        "文号格式",
        max_length=80,
        default=DEFAULT_NUMBER_PATTERN,
        help_text="可用 {organ}（机关代字）、{mark}（类型代字）、{year}（年份）、{seq}（序号）。",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="修改人"
    )
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        verbose_name = "公文编号规则"
        verbose_name_plural = "公文编号规则"
        constraints = [
            models.UniqueConstraint(fields=["issuing_court", "kind"], name="documents_scheme_court_kind")
        ]

    def __str__(self) -> str:
        return f"{self.issuing_court_id}·{self.get_kind_display()}：{self.organ_code}{self.type_mark}"


class NumberCounter(models.Model):
    """The last sequence number used for (issuing court, kind, year). Locked (``SELECT … FOR
    UPDATE``) while a number is taken; rolled back with the caller's transaction, so a number
    exists only if its document does."""

    issuing_court = models.ForeignKey("org.Court", on_delete=models.PROTECT, verbose_name="发文法院")
    kind = models.CharField("文种", max_length=20, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField("年份")
    last_seq = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "公文编号计数"
        verbose_name_plural = "公文编号计数"
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_court", "kind", "year"], name="documents_counter_court_kind_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuing_court_id}·{self.kind}·{self.year}：{self.last_seq}"


class DocumentTemplate(models.Model):
    """One version of the .docx template of a kind. Exactly one version per kind is active;
    documents keep the version they were issued with."""

    kind = models.CharField("文种", max_length=20, choices=DocumentKind.choices)
    version = models.PositiveIntegerField("版本")
    file_path = models.CharField("文件", max_length=255, help_text="相对于公文存储目录")
    sha256 = models.CharField("SHA-256", max_length=64)
    original_name = models.CharField("上传文件名", max_length=255, blank=True)
    is_default = models.BooleanField("系统默认模板", default=False)
    active = models.BooleanField("当前使用", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "公文模板"
        verbose_name_plural = "公文模板"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="documents_template_kind_version"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(active=True), name="documents_template_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} 第{self.version}版"


class DocumentQuerySet(CourtScopedQuerySet["OfficialDocument"]):
    """A document is visible to the users of its issuing court's scope and to those of the court
    it is addressed to (a basic court sees only what is addressed to it or issued by it)."""

    court_lookup = "issuing_court_id"

    def for_courts(self, court_ids: frozenset[int] | set[int]) -> Self:
        return self.filter(Q(issuing_court_id__in=court_ids) | Q(recipient_court_id__in=court_ids))

    def writable_by(self, user: User | AnonymousUser) -> Self:
        """Documents whose issuing court the user may write for (void, record copy, re-render)."""
        from zhijian.org.scoping import writable_court_ids

        return self.filter(issuing_court_id__in=writable_court_ids(user))


class OfficialDocument(models.Model):
    """An issued, numbered official document. The number is never reused, also after 作废."""

    kind = models.CharField("文种", max_length=20, choices=DocumentKind.choices)
    issuing_court = models.ForeignKey(
        "org.Court", on_delete=models.PROTECT, related_name="issued_documents", verbose_name="发文法院"
    )
    recipient_court = models.ForeignKey(
        "org.Court",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_documents",
        verbose_name="收文法院",
    )
    year = models.PositiveSmallIntegerField("年份")
    seq = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=80)
    title = models.CharField("标题", max_length=200)
    addressee = models.CharField("主送", max_length=200, blank=True)
    cc = models.JSONField("抄送", default=list, blank=True)
    context = models.JSONField("内容数据", default=dict, blank=True)
    template = models.ForeignKey(
        DocumentTemplate, on_delete=models.PROTECT, related_name="documents", verbose_name="模板版本"
    )
    owner_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name="所属对象类型"
    )
    owner_id = models.PositiveBigIntegerField("所属对象", null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")

    status = models.CharField(
        "状态", max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.ISSUED
    )
    issued_on = models.DateField("成文日期")
    issued_at = models.DateTimeField("签发时间", default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="签发人",
    )

    render_state = models.CharField(
        "生成状态", max_length=10, choices=RenderState.choices, default=RenderState.PENDING
    )
    render_error = models.TextField("生成错误", blank=True)
    attempts = models.PositiveSmallIntegerField("生成次数", default=0)
    rendered_at = models.DateTimeField("生成时间", null=True, blank=True)
    docx_path = models.CharField("Word 文件", max_length=255, blank=True)
    pdf_path = models.CharField("PDF 文件", max_length=255, blank=True)
    sha256_docx = models.CharField("Word SHA-256", max_length=64, blank=True)
    sha256_pdf = models.CharField("PDF SHA-256", max_length=64, blank=True)

    void_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作废人",
    )
    void_reason = models.CharField("作废原因", max_length=500, blank=True)

    record_path = models.CharField("存档件", max_length=255, blank=True)
    record_name = models.CharField("存档件文件名", max_length=255, blank=True)
    record_sha256 = models.CharField("存档件 SHA-256", max_length=64, blank=True)
    record_uploaded_at = models.DateTimeField("存档件上传时间", null=True, blank=True)
    record_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="存档件上传人",
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "公文"
        verbose_name_plural = "公文"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_court", "kind", "year", "seq"], name="documents_doc_court_kind_year_seq"
            ),
            # a ruling's number is its case number (案号): one non-void ruling per number and court
            models.UniqueConstraint(
                fields=["issuing_court", "number"],
                condition=Q(kind=DocumentKind.RULING) & ~Q(status=DocumentStatus.VOID),
                name="documents_ruling_case_number",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_type", "owner_id"], name="documents_doc_owner"),
            models.Index(fields=["recipient_court", "issued_at"], name="documents_doc_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def court(self) -> Court:
        """The court the audit trail files this document under."""
        return self.issuing_court

    @property
    def is_void(self) -> bool:
        return self.status == DocumentStatus.VOID

    @property
    def cc_text(self) -> str:
        return "，".join(self.cc or [])
