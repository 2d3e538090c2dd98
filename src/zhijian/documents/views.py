"""Document pages: the list, a document (metadata, downloads, void, record copy, re-render), and
the system administrators' template and numbering-scheme pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from zhijian.core.access import acting_user, scoped_or_404, view_access
from zhijian.core.exceptions import ServiceError
from zhijian.org.choices import Role
from zhijian.org.models import Court

from . import services, storage
from .choices import DocumentKind, DocumentStatus, RenderState
from .models import DocumentTemplate, OfficialDocument
from .rendering import RenderError

LIST_PAGE = 50
ADMIN_ROLES = frozenset({Role.ADMIN})


def access_document(user: Any, pk: Any, *, write: bool = False) -> OfficialDocument:
    """404 (never 403) for a document neither issued by nor addressed to a visible court."""
    return scoped_or_404(
        OfficialDocument.objects.select_related(
            "issuing_court", "recipient_court", "template", "issued_by", "void_by", "record_uploaded_by"
        ),
        user,
        pk,
        write=write,
    )


def _file_response(
    relative: str, filename: str, *, attachment: bool, content_type: str | None = None
) -> HttpResponse:
    """A stored file (small: letters and scans) as a download; 404 when the file is missing."""
    data = storage.read(relative)
    response = HttpResponse(data, content_type=content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(attachment, filename) or ""
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- documents ---------------------------------------------------------------------------------


@view_access()
def document_list(request: HttpRequest) -> HttpResponse:
    """公文: documents issued by or addressed to the courts the user sees, newest first."""
    user = acting_user(request)
    qs = OfficialDocument.objects.visible_to(user).select_related("issuing_court", "recipient_court")
    kind = request.GET.get("kind", "")
    if kind in DocumentKind.values:
        qs = qs.filter(kind=kind)
    status = request.GET.get("status", "")
    if status in DocumentStatus.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    page = Paginator(qs.order_by("-issued_at", "-pk"), LIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/document_list.html",
        {
            "page": page,
            "documents": page.object_list,
            "kind": kind,
            "kinds": DocumentKind.choices,
            "status": status,
            "statuses": DocumentStatus.choices,
            "q": q,
        },
    )


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class RecordCopyForm(forms.Form):
    file = forms.FileField(
        label="盖章件扫描件",
        help_text="签发、盖章后的纸质公文的扫描件：PDF、JPEG 或 PNG。",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


@view_access(obj="document")
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    doc = access_document(user, pk)
    return render(
        request,
        "documents/document_detail.html",
        {
            "doc": doc,
            "may_void": doc.status == DocumentStatus.ISSUED and services.may_void(doc, user),
            "may_write": services.may_write(doc, user) and not doc.is_void,
            "may_rerender": doc.render_state == RenderState.FAILED and services.may_write(doc, user),
            "void_form": VoidForm(),
            "record_form": RecordCopyForm(),
            "max_record_mb": services.max_record_copy_bytes() // 1024 // 1024,
        },
    )


@view_access(obj="document")
def document_docx(request: HttpRequest, pk: int) -> HttpResponse:
    doc = access_document(acting_user(request), pk)
    if doc.render_state != RenderState.RENDERED:
        raise Http404("公文文件尚未生成。")
    return _file_response(
        doc.docx_path,
        f"{doc.number}.docx",
        attachment=True,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@view_access(obj="document")
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    doc = access_document(acting_user(request), pk)
    if doc.render_state != RenderState.RENDERED:
        raise Http404("公文文件尚未生成。")
    return _file_response(doc.pdf_path, f"{doc.number}.pdf", attachment=False, content_type="application/pdf")


@view_access(obj="document")
def document_record(request: HttpRequest, pk: int) -> HttpResponse:
    doc = access_document(acting_user(request), pk)
    if not doc.record_path:
        raise Http404("尚未上传存档件。")
    suffix = "." + doc.record_path.rsplit(".", 1)[-1]
    content_type = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}.get(suffix)
    return _file_response(
        doc.record_path, f"{doc.number}（存档件）{suffix}", attachment=False, content_type=content_type
    )


def _back(doc: OfficialDocument) -> HttpResponse:
    return redirect(reverse("documents:document_detail", args=[doc.pk]))


@view_access(obj="document", write=True, post_only=True)
def document_void(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    doc = access_document(user, pk)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写作废原因。")
        return _back(doc)
    try:
        services.void_document(doc, actor=user, reason=form.cleaned_data["reason"])
    except (ServiceError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
        return _back(doc)
    messages.success(request, f"已作废 {doc.number}。文号保留，不再使用。")
    return _back(doc)


@view_access(obj="document", write=True, post_only=True)
def document_rerender(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    doc = access_document(user, pk)
    try:
        doc = services.retry_render(doc, actor=user)
    except (ServiceError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
        return _back(doc)
    if doc.render_state == RenderState.RENDERED:
        messages.success(request, "已重新生成。")
    else:
        messages.info(request, "已提交重新生成，请稍后刷新本页。")
    return _back(doc)


@view_access(obj="document", write=True, post_only=True)
def document_record_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    doc = access_document(user, pk)
    form = RecordCopyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的扫描件。")
        return _back(doc)
    try:
        services.upload_record_copy(doc, actor=user, uploaded_file=form.cleaned_data["file"])
    except (ServiceError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
        return _back(doc)
    messages.success(request, "存档件已上传，作为本公文的存档文本。")
    return _back(doc)


# --- templates (system administrators) ---------------------------------------------------------


class TemplateUploadForm(forms.Form):
    kind = forms.ChoiceField(label="文种", choices=DocumentKind.choices)
    file = forms.FileField(
        label="模板文件",
        help_text="Word 文档（.docx），可先下载当前模板修改。必须包含 {{ number }} 和 {{ title }}。",
        widget=forms.ClearableFileInput(attrs={"accept": ".docx"}),
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)


def _template_from_query(request: HttpRequest) -> DocumentTemplate:
    kind = request.GET.get("kind") or DocumentKind.SUPERVISION_LETTER
    if kind not in DocumentKind.values:
        raise Http404("未知的文种。")
    version = request.GET.get("version", "")
    if version:
        template = DocumentTemplate.objects.filter(
            kind=kind, version=version if version.isdigit() else -1
        ).first()
        if template is None:
            raise Http404("该模板版本不存在。")
        return template
    return services.active_template(kind)


def _template_rows() -> list[dict[str, Any]]:
    services.ensure_default_templates()
    by_kind: dict[str, list[DocumentTemplate]] = {}
    for template in DocumentTemplate.objects.select_related("uploaded_by").order_by("kind", "-version"):
        by_kind.setdefault(template.kind, []).append(template)
    return [
        {
            "kind": kind,
            "label": label,
            "versions": by_kind.get(kind, []),
            "active": next((t for t in by_kind.get(kind, []) if t.active), None),
        }
        for kind, label in DocumentKind.choices
    ]


@view_access(roles=ADMIN_ROLES, system=True)
def template_list(request: HttpRequest) -> HttpResponse:
    return _template_page(request, None)


def _template_page(request: HttpRequest, form: TemplateUploadForm | None) -> HttpResponse:
    return render(
        request,
        "documents/templates.html",
        {
            "rows": _template_rows(),
            "form": form or TemplateUploadForm(initial={"kind": request.GET.get("kind", "")}),
            "placeholders": PLACEHOLDERS,
        },
    )


PLACEHOLDERS = [
    ("{{ number }}", "文号，如 白中法执督〔2026〕12号；草稿为 〔　　〕号"),
    ("{{ title }}", "标题"),
    ("{{ addressee }}", "主送机关（其后加全角冒号）"),
    ("{{ issuer_name }}", "发文法院全称（发文机关标志、署名）"),
    ("{{ date_cn }}", "成文日期，如 2026年11月28日"),
    ("{{ cc }}", "抄送机关，以全角逗号分隔（其后加句号）"),
    ("{%p for p in paragraphs %} … {{ p }} … {%p endfor %}", "正文各段（每段一个段落）"),
    (
        "{%tr for c in cases %} … {{ c.number }} {{ c.court }} {{ c.note }} … {%tr endfor %}",
        "案件表（督办函、调卷通知等）",
    ),
    ("{{ deadline_cn }}", "报告期限，如 2026年12月15日"),
    ("{{ contact }}", "联系人及电话（附注）"),
    ("{% if draft %}草稿{% endif %}", "预览草稿时为真"),
]


@view_access(roles=ADMIN_ROLES, system=True, write=True, post_only=True)
def template_upload(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = TemplateUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            template = services.upload_template(
                actor=user,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, f"已上传{template.get_kind_display()}模板第 {template.version} 版，并已启用。"
            )
            return redirect(reverse("documents:templates") + f"?kind={template.kind}")
    return _template_page(request, form)


@view_access(roles=ADMIN_ROLES, system=True, write=True, post_only=True)
def template_activate(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    kind, version = request.POST.get("kind", ""), request.POST.get("version", "")
    template = DocumentTemplate.objects.filter(
        kind=kind, version=version if version.isdigit() else -1
    ).first()
    if template is None:
        messages.error(request, "该模板版本不存在。")
    else:
        services.activate_template(actor=user, template=template)
        messages.success(request, f"已启用{template.get_kind_display()}模板第 {template.version} 版。")
    return redirect(reverse("documents:templates"))


@view_access(roles=ADMIN_ROLES, system=True)
def template_download(request: HttpRequest) -> HttpResponse:
    template = _template_from_query(request)
    data = services.template_bytes(template)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = (
        content_disposition_header(True, f"{template.get_kind_display()}模板（第{template.version}版）.docx")
        or ""
    )
    return response


@view_access(roles=ADMIN_ROLES, system=True)
def template_preview(request: HttpRequest) -> HttpResponse:
    """The template filled with sample data, as PDF (LibreOffice)."""
    template = _template_from_query(request)
    try:
        pdf = services.preview_template_pdf(template)
    except RenderError as exc:
        return render(
            request,
            "core/error.html",
            {
                "code": 503,
                "title": "无法生成预览",
                "message": exc.message,
                "back_url": reverse("documents:templates"),
            },
            status=503,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(
            False, f"{template.get_kind_display()}模板预览（第{template.version}版）.pdf"
        )
        or ""
    )
    return response


# --- numbering schemes (system administrators) -------------------------------------------------


SCHEME_KIND_CHOICES = [
    (value, label) for value, label in DocumentKind.choices if value in services.scheme_kinds()
]


class SchemeForm(forms.Form):
    court = forms.ModelChoiceField(label="发文法院", queryset=Court.objects.none())
    kind = forms.ChoiceField(label="文种", choices=SCHEME_KIND_CHOICES)
    organ_code = forms.CharField(label="机关代字", max_length=20, help_text="例如：白中法")
    type_mark = forms.CharField(label="类型代字", max_length=20, help_text="例如：执督")
    pattern = forms.CharField(
        label="文号格式",
        max_length=80,
        help_text="{organ} 机关代字、{mark} 类型代字、{year} 年份、{seq} 序号。默认：{organ}{mark}〔{year}〕{seq}号",
    )

    def __init__(self, *args: Any, courts: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = courts  # type: ignore[attr-defined]


@view_access(roles=ADMIN_ROLES, system=True, write=True)
def numbering(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    courts = (
        Court.objects.writable_by(user).select_related("level").order_by("level__rank", "sort_order", "code")
    )
    if request.method == "POST":
        form = SchemeForm(request.POST, courts=courts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                scheme = services.save_scheme(
                    actor=user,
                    court=data["court"],
                    kind=data["kind"],
                    organ_code=data["organ_code"],
                    type_mark=data["type_mark"],
                    pattern=data["pattern"],
                )
            except (ServiceError, PermissionDenied) as exc:
                field = getattr(exc, "field", None)
                form.add_error(
                    field if field in form.fields else None, getattr(exc, "message", None) or str(exc)
                )
            else:
                messages.success(
                    request,
                    f"已保存：{scheme.issuing_court.short_name} {scheme.get_kind_display()}，"
                    f"下一个文号形如 {services.format_number(scheme, '2026', 'N')}。",
                )
                return redirect(reverse("documents:numbering"))
    else:
        court_id = request.GET.get("court", "")
        court = courts.filter(pk=int(court_id)).first() if court_id.isdigit() else None
        kind = request.GET.get("kind", "")
        initial: dict[str, Any] = {}
        if court is not None and kind in services.scheme_kinds():
            scheme = services.scheme_for(court, kind)
            initial = {
                "court": court,
                "kind": kind,
                "organ_code": scheme.organ_code,
                "type_mark": scheme.type_mark,
                "pattern": scheme.pattern,
            }
        form = SchemeForm(initial=initial or {"pattern": "{organ}{mark}〔{year}〕{seq}号"}, courts=courts)
    rows = []
    for court in courts:
        cells = []
        for kind, label in SCHEME_KIND_CHOICES:  # rulings carry their case number: no scheme
            scheme = services.scheme_for(court, kind)
            cells.append({"kind": kind, "label": label, "example": services.format_number(scheme, 2026, 1),
                          "saved": scheme.pk is not None})  # fmt: skip
        rows.append({"court": court, "cells": cells})
    return render(
        request,
        "documents/numbering.html",
        {"form": form, "rows": rows, "kinds": SCHEME_KIND_CHOICES},
    )
