"""Every write to official documents, numbering schemes and templates, each with its audit event.

The supervision app (and later the measures) call ``issue_document`` inside their own
``transaction.atomic()``; the number is taken under a row lock on the counter, so it exists only
if the transaction commits (no gaps), is never taken twice (no duplicates) and is never given
back (a voided document keeps it). Rendering runs after the commit as a background job.
"""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.core.exceptions import Conflict, ServiceError
from zhijian.org.choices import Role
from zhijian.org.models import Court, User
from zhijian.org.scoping import is_read_only, writable_court_ids

from . import samples, storage
from .builder import build_default_template
from .choices import (
    CASE_NUMBERED_KINDS,
    DEFAULT_NUMBER_PATTERN,
    DEFAULT_TYPE_MARKS,
    DocumentKind,
    DocumentStatus,
    RenderState,
)
from .models import DocumentTemplate, NumberCounter, NumberingScheme, OfficialDocument
from .rendering import (
    RenderError,
    convert_to_pdf,
    jsonable,
    render_docx,
    template_context,
    template_variables,
)
from .samples import sample_fields

logger = logging.getLogger(__name__)

DRAFT_NUMBER = "〔　　〕号"
DRAFT_CASE_NUMBER = "（　　）　　号"  # a ruling previewed before its case is registered
RULING_NUMBER_REQUIRED = "执行裁定书须填写立案登记的案号。"
VOID_ROLES = frozenset({Role.DIRECTOR, Role.ADMIN})
RECORD_COPY_TYPES = {  # magic bytes → (suffix, content type)
    b"%PDF-": (".pdf", "application/pdf"),
    b"\xff\xd8\xff": (".jpg", "image/jpeg"),
    b"\x89PNG\r\n\x1a\n": (".png", "image/png"),
}
REQUIRED_PLACEHOLDERS = {"number": "文号", "title": "标题"}
DEFAULT_TEMPLATE_NOTES: dict[str, str] = {
    DocumentKind.CRITICISM_DECISION: "系统默认模板（GB/T 9704 文件格式）",
    DocumentKind.RULING: "系统默认模板（最高人民法院诉讼文书样式）",
}
RENDER_SYSTEM_ERROR = "生成公文时出现系统错误，请重新生成；如仍失败，请联系系统管理员。"
RENDER_INTERRUPTED = "生成被中断（后台处理进程停止），请重新生成。"


class Upload(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = -1) -> bytes: ...


def _today() -> dt.date:
    return timezone.localdate()


# --- numbering ---------------------------------------------------------------------------------


def default_organ_code(court: Court) -> str:
    """机关代字 derived from the court's short name: 白山中院 → 白中法, 吉林高院 → 吉高法,
    浑江区法院 → 浑江法. Configuration: editable on the numbering page."""
    short = (court.short_name or court.name).strip()
    level = getattr(court.level, "code", "")
    if level == "intermediate":
        return f"{short[:1]}中法"
    if level == "high":
        return f"{short[:1]}高法"
    if level == "supreme":
        return "最高法"
    return f"{short[:2]}法"


def scheme_for(court: Court, kind: str) -> NumberingScheme:
    """The saved scheme of (court, kind), or the default one (unsaved)."""
    scheme = NumberingScheme.objects.filter(issuing_court=court, kind=kind).first()
    if scheme is not None:
        return scheme
    return NumberingScheme(
        issuing_court=court,
        kind=kind,
        organ_code=default_organ_code(court),
        type_mark=DEFAULT_TYPE_MARKS.get(kind, "执"),
        pattern=DEFAULT_NUMBER_PATTERN,
    )


def scheme_kinds() -> list[str]:
    """The kinds numbered by a ``NumberingScheme`` (all but the rulings, numbered by case)."""
    return [kind for kind in DocumentKind.values if kind not in CASE_NUMBERED_KINDS]


def format_number(scheme: NumberingScheme, year: int | str, seq: int | str) -> str:
    return scheme.pattern.format(organ=scheme.organ_code, mark=scheme.type_mark, year=year, seq=seq)


def draft_number(scheme: NumberingScheme) -> str:
    """The 文号 of a draft: ``白中法执督〔　　〕号``."""
    pattern = scheme.pattern
    head = pattern.split("〔", 1)[0] if "〔" in pattern else pattern.split("{year}", 1)[0]
    return head.format(organ=scheme.organ_code, mark=scheme.type_mark, year="", seq="") + DRAFT_NUMBER


def _check_pattern(pattern: str) -> None:
    if "{seq}" not in pattern or "{year}" not in pattern:
        raise ServiceError("文号格式必须包含 {year}（年份）和 {seq}（序号）。", field="pattern")
    try:
        pattern.format(organ="白中法", mark="执督", year=2026, seq=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ServiceError(
            "文号格式只能使用 {organ}、{mark}、{year}、{seq} 四个占位符。", field="pattern"
        ) from exc


def save_scheme(
    *, actor: User, court: Court, kind: str, organ_code: str, type_mark: str, pattern: str = ""
) -> NumberingScheme:
    """Set the 机关代字 / 类型代字 / format of (court, kind). Applies to numbers taken from now on;
    the sequence continues (counters are per court, kind and year, whatever the text)."""
    if kind not in DocumentKind.values:
        raise ServiceError("未知的文种。", field="kind")
    if kind in CASE_NUMBERED_KINDS:
        raise ServiceError(f"{DocumentKind(kind).label}使用立案登记的案号，不设公文编号规则。", field="kind")
    if not actor.is_superuser and court.pk not in writable_court_ids(actor):
        raise PermissionDenied("您无权修改该法院的公文编号规则。")
    organ_code, type_mark = organ_code.strip(), type_mark.strip()
    pattern = (pattern or DEFAULT_NUMBER_PATTERN).strip()
    if not organ_code:
        raise ServiceError("请填写机关代字。", field="organ_code")
    if not type_mark:
        raise ServiceError("请填写类型代字。", field="type_mark")
    _check_pattern(pattern)
    for other in scheme_kinds():
        if other != kind:
            taken = scheme_for(court, other)
            if (taken.organ_code, taken.type_mark, taken.pattern) == (organ_code, type_mark, pattern):
                raise ServiceError(
                    f"该法院的{DocumentKind(other).label}已使用“{organ_code}{type_mark}”。各文种分别计数，"
                    "共用同一代字会出现相同的文号，请另选类型代字。",
                    field="type_mark",
                )
    with transaction.atomic():
        scheme = NumberingScheme.objects.select_for_update().filter(issuing_court=court, kind=kind).first()
        before = (
            {"organ_code": scheme.organ_code, "type_mark": scheme.type_mark, "pattern": scheme.pattern}
            if scheme
            else None
        )
        if scheme is None:
            scheme = NumberingScheme(issuing_court=court, kind=kind)
        scheme.organ_code, scheme.type_mark, scheme.pattern = organ_code, type_mark, pattern
        scheme.updated_by, scheme.updated_at = actor, timezone.now()
        scheme.save()
        record(
            "documents.scheme.update",
            actor=actor,
            target=scheme,
            court=court,
            before=before,
            after={"kind": kind, "organ_code": organ_code, "type_mark": type_mark, "pattern": pattern},
        )
    return scheme


def _next_seq(court: Court, kind: str, year: int) -> int:
    """Lock the counter row of (court, kind, year) and take the next number. Must run inside the
    caller's transaction: the lock is held, and the number kept, until it commits."""
    counter, _ = NumberCounter.objects.select_for_update().get_or_create(
        issuing_court=court, kind=kind, year=year
    )  # get_or_create retries the locked get after losing the insert race (IntegrityError)
    counter.last_seq += 1
    counter.save(update_fields=["last_seq"])
    return counter.last_seq


# --- templates ---------------------------------------------------------------------------------


def _write_template_file(kind: str, version: int, data: bytes) -> str:
    relative = storage.new_name("templates", f"{kind}-v{version}", ".docx")
    storage.write(relative, data)
    return relative


def active_template(kind: str) -> DocumentTemplate:
    """The template in use for ``kind``; the code-built default (version 1) on first use."""
    if kind not in DocumentKind.values:
        raise ServiceError("未知的文种。", field="kind")
    template = DocumentTemplate.objects.filter(kind=kind, active=True).first()
    if template is not None:
        return template
    if DocumentTemplate.objects.filter(kind=kind).exists():
        # every version was deactivated by hand (back office): use the latest
        latest = DocumentTemplate.objects.filter(kind=kind).order_by("-version").first()
        assert latest is not None
        return latest
    data = build_default_template(kind)
    relative = _write_template_file(kind, 1, data)
    try:
        with transaction.atomic():
            template = DocumentTemplate.objects.create(
                kind=kind,
                version=1,
                file_path=relative,
                sha256=storage.sha256(data),
                is_default=True,
                active=True,
                note=DEFAULT_TEMPLATE_NOTES.get(kind, "系统默认模板（GB/T 9704 信函格式）"),
            )
    except IntegrityError:  # created by a concurrent first use
        template = DocumentTemplate.objects.get(kind=kind, version=1)
    return template


def ensure_default_templates() -> list[DocumentTemplate]:
    return [active_template(kind) for kind in DocumentKind.values]


def template_bytes(template: DocumentTemplate) -> bytes:
    """The template file; a missing code-built default is built again (same layout)."""
    if storage.exists(template.file_path):
        return storage.read(template.file_path)
    if not template.is_default:
        raise RenderError(f"模板文件缺失（{template}），请系统管理员重新上传。")
    data = build_default_template(template.kind)
    storage.write(template.file_path, data)
    return data


def max_template_bytes() -> int:
    return int(getattr(settings, "ZHIJIAN_TEMPLATE_MAX_MB", 10)) * 1024 * 1024


def check_template(data: bytes, *, name: str = "") -> None:
    """Refuse, in Chinese, anything but a .docx template that renders with the sample context."""
    suffix = Path(name).suffix.lower()
    if suffix == ".doc":
        raise ServiceError(
            "不支持 Word 97-2003 格式（.doc）。请在 Word 或 WPS 中“另存为” .docx 后上传。", field="file"
        )
    if suffix and suffix != ".docx":
        raise ServiceError("只能上传 Word 文档（.docx）。", field="file")
    if not data:
        raise ServiceError("文件是空的。", field="file")
    if len(data) > max_template_bytes():
        raise ServiceError(f"文件过大，模板最大 {max_template_bytes() // 1024 // 1024} MB。", field="file")
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise ServiceError("文件不是 Word 文档（.docx）：缺少正文部分。", field="file")
    except zipfile.BadZipFile as exc:
        raise ServiceError(
            "文件不是有效的 Word 文档（.docx）。文件可能已损坏，或是其他格式的文件改了扩展名。", field="file"
        ) from exc
    try:
        variables = template_variables(data)
    except Exception as exc:  # docxtpl raises jinja2 errors on broken tags
        raise ServiceError(f"模板中的占位符或控制语句有错误：{exc}", field="file") from exc
    missing = [
        f"{{{{ {key} }}}}（{label}）" for key, label in REQUIRED_PLACEHOLDERS.items() if key not in variables
    ]
    if missing:
        raise ServiceError("模板缺少必需的占位符：" + "、".join(missing) + "。", field="file")
    try:
        render_docx(data, sample_context())
    except RenderError as exc:
        raise ServiceError(f"模板无法用示例数据生成公文：{exc.message}", field="file") from exc


def upload_template(*, actor: User, kind: str, uploaded_file: Upload, note: str = "") -> DocumentTemplate:
    """A new version of ``kind``'s template, validated, becomes the active one. Documents already
    issued keep the version they were issued with."""
    if kind not in DocumentKind.values:
        raise ServiceError("请选择文种。", field="kind")
    size = int(uploaded_file.size or 0)
    if size > max_template_bytes():
        raise ServiceError(f"文件过大，模板最大 {max_template_bytes() // 1024 // 1024} MB。", field="file")
    data = uploaded_file.read()
    name = (uploaded_file.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    check_template(data, name=name)
    with transaction.atomic():
        active_template(kind)  # the default exists as version 1 before the first upload
        version = (DocumentTemplate.objects.filter(kind=kind).aggregate(m=Max("version"))["m"] or 0) + 1
        relative = _write_template_file(kind, version, data)
        previous = DocumentTemplate.objects.filter(kind=kind, active=True).first()
        DocumentTemplate.objects.filter(kind=kind, active=True).update(active=False)
        template = DocumentTemplate.objects.create(
            kind=kind,
            version=version,
            file_path=relative,
            sha256=storage.sha256(data),
            original_name=name,
            active=True,
            uploaded_by=actor,
            note=note.strip()[:200],
        )
        record(
            "documents.template.upload",
            actor=actor,
            target=template,
            before={"active_version": previous.version if previous else None},
            after={"kind": kind, "version": version, "file": name, "sha256": template.sha256},
        )
    return template


def activate_template(*, actor: User, template: DocumentTemplate) -> DocumentTemplate:
    """Make an earlier (or later) version of a kind's template the one in use."""
    with transaction.atomic():
        previous = DocumentTemplate.objects.filter(kind=template.kind, active=True).first()
        if previous is not None and previous.pk == template.pk:
            return template
        DocumentTemplate.objects.filter(kind=template.kind, active=True).update(active=False)
        DocumentTemplate.objects.filter(pk=template.pk).update(active=True)
        template.active = True
        record(
            "documents.template.activate",
            actor=actor,
            target=template,
            before={"active_version": previous.version if previous else None},
            after={"kind": template.kind, "active_version": template.version},
        )
    return template


def sample_context(kind: str | None = None) -> dict[str, Any]:
    """The context used to validate (every key of every default template) and to preview a
    kind's template (that kind's sample text, ``samples.BY_KIND``)."""
    fields = sample_fields(kind)
    return template_context(
        context=fields["context"],
        number=fields["number"],
        title=fields["title"],
        addressee=fields["addressee"],
        cc=fields["cc"],
        issuer_name=samples.ISSUER,
        issued_on=dt.date(2026, 11, 28),
    )


def preview_template_pdf(template: DocumentTemplate) -> bytes:
    """A PDF of the template filled with its kind's sample (for the template page)."""
    context = sample_context(template.kind)
    context["draft"] = True
    return convert_to_pdf(render_docx(template_bytes(template), context))


# --- issuing -----------------------------------------------------------------------------------


def _clean_cc(cc: list[str] | None) -> list[str]:
    return [str(item).strip() for item in (cc or []) if str(item).strip()]


def issue_document(
    *,
    actor: User | None,
    kind: str,
    issuing_court: Court,
    recipient_court: Court | None,
    title: str,
    context: dict[str, Any],
    owner: models.Model,
    addressee: str = "",
    cc: list[str] | None = None,
    number: str = "",
    issued_on: dt.date | None = None,
) -> OfficialDocument:
    """Number, store and audit a document (status 已签发); render it after the commit.

    Call inside the caller's ``transaction.atomic()``. The number is the next of (issuing court,
    kind, year of today) under the counter's row lock: sequential, without gaps or duplicates,
    never reused.

    A ruling (``DocumentKind.RULING``) is numbered by its case instead: ``number`` is the 案号 of
    the 执监/执他 case registered for it (``（2026）吉06执监3号``), required and stored verbatim; one
    non-void ruling per number and issuing court (a voided ruling's number may be used again).
    The internal ``seq`` is still taken from the counter (it keeps documents and file names
    unique). For every other kind ``number`` must be empty."""
    if kind not in DocumentKind.values:
        raise ServiceError("未知的文种。", field="kind")
    case_number = _clean_case_number(kind, number)
    title = (title or "").strip()
    if not title and kind == DocumentKind.RULING:
        title = DocumentKind.RULING.label
    if not title:
        raise ServiceError("公文标题不能为空。", field="title")
    if (
        actor is not None
        and not actor.is_superuser
        and (is_read_only(actor) or issuing_court.pk not in writable_court_ids(actor))
    ):
        raise PermissionDenied("您无权以该法院名义签发公文。")
    today = issued_on or _today()
    if today > _today():
        raise ServiceError("公文的成文日期不能晚于今天。", field="issued_on")
    with transaction.atomic():  # a savepoint inside the caller's transaction
        template = active_template(kind)
        scheme = scheme_for(issuing_court, kind)
        seq = _next_seq(issuing_court, kind, today.year)  # for a ruling: after this, rulings
        # of this court and year are serialised, so the duplicate check below cannot race within
        # a year; across years the partial unique constraint decides
        if case_number:
            _check_case_number_free(issuing_court, kind, case_number)
        try:
            with transaction.atomic():
                doc = OfficialDocument.objects.create(
                    kind=kind,
                    issuing_court=issuing_court,
                    recipient_court=recipient_court,
                    year=today.year,
                    seq=seq,
                    number=case_number or format_number(scheme, today.year, seq),
                    title=title[:200],
                    addressee=(addressee or "").strip()[:200],
                    cc=_clean_cc(cc),
                    context=jsonable(context or {}),
                    template=template,
                    owner_type=ContentType.objects.get_for_model(owner) if owner is not None else None,
                    owner_id=owner.pk if owner is not None else None,
                    issued_on=today,
                    issued_at=timezone.now(),
                    issued_by=actor,
                )
        except IntegrityError as exc:
            if case_number:  # a concurrent ruling with the same case number won
                raise ServiceError(_duplicate_ruling_message(case_number), field="number") from exc
            raise
        record(
            "documents.issue",
            actor=actor,
            target=doc,
            court=issuing_court,
            after={
                "number": doc.number,
                "kind": kind,
                "title": doc.title,
                "recipient_court": recipient_court.pk if recipient_court else None,
                "template_version": template.version,
                "owner": f"{doc.owner_type.app_label}.{doc.owner_type.model}:{doc.owner_id}"
                if doc.owner_type
                else None,
            },
        )
    _schedule_render(doc.pk)
    return doc


def _clean_case_number(kind: str, number: str) -> str:
    number = (number or "").strip()
    if kind in CASE_NUMBERED_KINDS:
        if not number:
            raise ServiceError(RULING_NUMBER_REQUIRED, field="number")
        if len(number) > OfficialDocument._meta.get_field("number").max_length:  # type: ignore[operator]
            raise ServiceError("案号过长。", field="number")
        return number
    if number:
        raise ServiceError(
            f"{DocumentKind(kind).label}的文号由系统按编号规则生成，不能自行填写。", field="number"
        )
    return ""


def _duplicate_ruling_message(number: str) -> str:
    return f"本院已有案号为{number}的执行裁定书（未作废），不能重复签发。同一案件的另一份裁定请使用“之一”“之二”等案号。"


def _check_case_number_free(court: Court, kind: str, number: str) -> None:
    taken = OfficialDocument.objects.filter(issuing_court=court, kind=kind, number=number).exclude(
        status=DocumentStatus.VOID
    )
    if taken.exists():
        raise ServiceError(_duplicate_ruling_message(number), field="number")


def _schedule_render(doc_id: int) -> None:
    def enqueue() -> None:
        from .tasks import render_official_document

        render_official_document.enqueue(doc_id)

    transaction.on_commit(enqueue, robust=True)


def render_preview(
    *,
    kind: str,
    issuing_court: Court,
    context: dict[str, Any],
    title: str,
    addressee: str = "",
    cc: list[str] | None = None,
    number: str = "",
) -> bytes:
    """.docx bytes of a draft: the number shown as ``…〔　　〕号`` and a 草稿 mark; nothing stored.
    A ruling shows the case number if given (``number``), else ``（　　）　　号``."""
    if kind not in DocumentKind.values:
        raise ServiceError("未知的文种。", field="kind")
    template = active_template(kind)
    if kind in CASE_NUMBERED_KINDS:
        shown = (number or "").strip() or DRAFT_CASE_NUMBER
        default_title = DocumentKind(kind).label
    else:
        _clean_case_number(kind, number)
        shown = draft_number(scheme_for(issuing_court, kind))
        default_title = "（标题）"
    ctx = template_context(
        context=jsonable(context or {}),
        number=shown,
        title=(title or "").strip() or default_title,
        addressee=(addressee or "").strip(),
        cc=_clean_cc(cc),
        issuer_name=issuing_court.name,
        issued_on=_today(),
        draft=True,
    )
    return render_docx(template_bytes(template), ctx)


def document_context(doc: OfficialDocument) -> dict[str, Any]:
    return template_context(
        context=doc.context or {},
        number=doc.number,
        title=doc.title,
        addressee=doc.addressee,
        cc=list(doc.cc or []),
        issuer_name=doc.issuing_court.name,
        issued_on=doc.issued_on,
    )


# --- rendering (the background job) ------------------------------------------------------------


def render_document(doc_id: int) -> None:
    """docxtpl → .docx → LibreOffice → PDF; stores both files and their SHA-256.

    Idempotent: a rendered document is never regenerated. A failure stores the Chinese reason
    and counts the attempt; a retry renders the same document (same number) again."""
    doc = OfficialDocument.objects.select_related("template", "issuing_court").filter(pk=doc_id).first()
    if doc is None or doc.render_state == RenderState.RENDERED:
        return
    claimed = (
        OfficialDocument.objects.filter(pk=doc.pk, attempts=doc.attempts)
        .exclude(render_state=RenderState.RENDERED)
        .update(attempts=F("attempts") + 1)
    )
    if not claimed:  # another worker is on it (or finished it)
        return
    doc.attempts += 1
    message = ""
    try:
        docx = render_docx(template_bytes(doc.template), document_context(doc))
        pdf = convert_to_pdf(docx)
        stem = f"{doc.year}-{doc.issuing_court_id}-{doc.kind}-{doc.seq}"
        docx_path = storage.new_name(f"issued/{doc.year}", stem, ".docx")
        pdf_path = storage.new_name(f"issued/{doc.year}", stem, ".pdf")
        storage.write(docx_path, docx)
        storage.write(pdf_path, pdf)
        with transaction.atomic():
            done = (
                OfficialDocument.objects.filter(pk=doc.pk)
                .exclude(render_state=RenderState.RENDERED)
                .update(
                    render_state=RenderState.RENDERED,
                    render_error="",
                    rendered_at=timezone.now(),
                    docx_path=docx_path,
                    pdf_path=pdf_path,
                    sha256_docx=storage.sha256(docx),
                    sha256_pdf=storage.sha256(pdf),
                )
            )
            if done:
                record(
                    "documents.render",
                    actor=None,
                    target=doc,
                    court=doc.issuing_court,
                    after={
                        "number": doc.number,
                        "attempt": doc.attempts,
                        "sha256_docx": storage.sha256(docx),
                        "sha256_pdf": storage.sha256(pdf),
                    },
                )
        return
    except RenderError as exc:
        message = exc.message
    except Exception:
        logger.exception("rendering document %s failed", doc_id)
        message = RENDER_SYSTEM_ERROR
    except BaseException:
        _mark_failed(doc, RENDER_INTERRUPTED)
        raise
    _mark_failed(doc, message)


def _mark_failed(doc: OfficialDocument, message: str) -> None:
    with transaction.atomic():
        changed = (
            OfficialDocument.objects.filter(pk=doc.pk)
            .exclude(render_state=RenderState.RENDERED)
            .update(render_state=RenderState.FAILED, render_error=message[:2000])
        )
        if changed:
            record(
                "documents.render_failed",
                actor=None,
                target=doc,
                court=doc.issuing_court,
                after={"number": doc.number, "attempt": doc.attempts, "error": message[:500]},
            )


def retry_render(doc: OfficialDocument, *, actor: User) -> OfficialDocument:
    """Render a document whose rendering failed again (same number, same template version)."""
    _check_issuing_writer(doc, actor)
    with transaction.atomic():
        changed = OfficialDocument.objects.filter(pk=doc.pk, render_state=RenderState.FAILED).update(
            render_state=RenderState.PENDING
        )
        if not changed:
            raise Conflict("该公文不是“生成失败”状态，无需重新生成。")
        record(
            "documents.rerender",
            actor=actor,
            target=doc,
            court=doc.issuing_court,
            before={"render_error": doc.render_error, "attempts": doc.attempts},
        )
        _schedule_render(doc.pk)
    doc.refresh_from_db()
    return doc


# --- void and record copy ----------------------------------------------------------------------


def may_void(doc: OfficialDocument, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(
        user.court_id == doc.issuing_court_id and user.has_role(*VOID_ROLES) and not is_read_only(user)
    )


def may_write(doc: OfficialDocument, user: Any) -> bool:
    """May upload the record copy and re-render: writers of the issuing court."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or doc.issuing_court_id in writable_court_ids(user))


def _check_issuing_writer(doc: OfficialDocument, actor: User) -> None:
    if not may_write(doc, actor):
        raise PermissionDenied("只有发文法院的工作人员可以办理此项操作。")


# A document that belongs to a workflow object (a 督办函 of a supervision matter) is voided
# through that workflow, which also stops its deadlines; a guard returns where, or None.
_void_guards: list[Any] = []


def register_void_guard(fn: Any) -> Any:
    if fn not in _void_guards:
        _void_guards.append(fn)
    return fn


def voided_elsewhere(doc: OfficialDocument) -> str | None:
    for fn in _void_guards:
        where = fn(doc)
        if where:
            return str(where)
    return None


def void_document(
    doc: OfficialDocument, *, actor: User, reason: str, via_owner: bool = False
) -> OfficialDocument:
    """作废: the document stays, with its number (never reused); only the issuing court's
    局长 or 系统管理员 — and a document that belongs to a workflow only through it."""
    where = None if via_owner else voided_elsewhere(doc)
    if where:
        raise ServiceError(f"该公文属于{where}，请在该处作废（同时停止有关期限）。")
    if not via_owner and not may_void(doc, actor):
        raise PermissionDenied("只有发文法院的局长或系统管理员可以作废公文。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写作废原因。", field="reason")
    now = timezone.now()
    with transaction.atomic():
        changed = OfficialDocument.objects.filter(pk=doc.pk, status=DocumentStatus.ISSUED).update(
            status=DocumentStatus.VOID, void_at=now, void_by=actor, void_reason=reason[:500]
        )
        if not changed:
            raise Conflict("该公文已作废。")
        record(
            "documents.void",
            actor=actor,
            target=doc,
            court=doc.issuing_court,
            before={"status": DocumentStatus.ISSUED},
            after={"status": DocumentStatus.VOID, "number": doc.number},
            reason=reason,
        )
    doc.refresh_from_db()
    return doc


def max_record_copy_bytes() -> int:
    return int(getattr(settings, "ZHIJIAN_RECORD_COPY_MAX_MB", 20)) * 1024 * 1024


def sniff_record_copy(head: bytes) -> tuple[str, str] | None:
    for magic, kind in RECORD_COPY_TYPES.items():
        if head.startswith(magic):
            return kind
    return None


def upload_record_copy(doc: OfficialDocument, *, actor: User, uploaded_file: Upload) -> OfficialDocument:
    """The scan of the signed and sealed paper copy becomes the document of record (PDF, JPEG or
    PNG, told by its first bytes, not its name). A new scan replaces the previous one; both are
    kept on disk and the audit trail names both hashes."""
    _check_issuing_writer(doc, actor)
    if is_read_only(actor):
        raise PermissionDenied("只读账号不能上传存档件。")
    if doc.status == DocumentStatus.VOID:
        raise ServiceError("已作废的公文不能上传存档件。", field="file")
    limit = max_record_copy_bytes()
    if int(uploaded_file.size or 0) > limit:
        raise ServiceError(f"文件过大，存档件最大 {limit // 1024 // 1024} MB。", field="file")
    data = uploaded_file.read()
    if not data:
        raise ServiceError("文件是空的。", field="file")
    if len(data) > limit:
        raise ServiceError(f"文件过大，存档件最大 {limit // 1024 // 1024} MB。", field="file")
    sniffed = sniff_record_copy(data[:16])
    if sniffed is None:
        raise ServiceError("存档件只能是 PDF、JPEG 或 PNG 格式的扫描件。", field="file")
    suffix, _ = sniffed
    name = (uploaded_file.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or f"存档件{suffix}"
    relative = storage.new_name(
        f"records/{doc.year}", f"{doc.year}-{doc.issuing_court_id}-{doc.kind}-{doc.seq}", suffix
    )
    storage.write(relative, data)
    digest = storage.sha256(data)
    with transaction.atomic():
        locked = OfficialDocument.objects.select_for_update().get(pk=doc.pk)
        before = (
            {"record_sha256": locked.record_sha256, "record_path": locked.record_path}
            if locked.record_path
            else None
        )
        locked.record_path = relative
        locked.record_name = name
        locked.record_sha256 = digest
        locked.record_uploaded_at = timezone.now()
        locked.record_uploaded_by = actor
        locked.save(
            update_fields=[
                "record_path",
                "record_name",
                "record_sha256",
                "record_uploaded_at",
                "record_uploaded_by",
            ]
        )
        record(
            "documents.record_copy",
            actor=actor,
            target=locked,
            court=doc.issuing_court,
            before=before,
            after={"number": doc.number, "file": name, "sha256": digest, "size": len(data)},
        )
    return locked
