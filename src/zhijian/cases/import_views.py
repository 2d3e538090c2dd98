"""The import pages: upload a case-flow export (the job runs in the background), the import
records (list, detail with errors and live progress) and the error list as XLSX/CSV."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django_htmx.http import HttpResponseClientRefresh

from zhijian.audit.services import record
from zhijian.core.access import acting_user, view_access
from zhijian.core.exceptions import ServiceError
from zhijian.core.export import safe_row, spreadsheet_response
from zhijian.org.models import Court
from zhijian.org.scoping import is_read_only, writable_court_ids

from .access import access_case_import, imports_visible_to
from .models import CaseImport
from .rows import FIELD_LABELS, REQUIRED
from .uploads import (
    FORCE_DENIED,
    IMPORT_ROLES,
    PHASE_MERGE,
    PHASE_QUEUED,
    check_upload_file,
    max_bytes,
    may_force,
    start_upload,
)

ERRORS_PAGE = 100
LIST_PAGE = 50
RUNNING = (CaseImport.State.VALIDATING, CaseImport.State.MERGING)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="文件",
        help_text="执行案件流程系统导出的案件文件或流程节点文件：CSV（UTF-8、带 BOM 的 UTF-8 或 GB18030 编码）或 Excel（.xlsx）。",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label="仅校验（不写入）",
        required=False,
        help_text="检查每一行，报告将新增、更新多少件案件，不写入任何数据。",
    )
    skip_invalid = forms.BooleanField(
        label="跳过错误行（其余照常导入）",
        required=False,
        help_text="默认只要有一行错误，整个文件都不导入。勾选后写入正确的行，错误行列在导入记录中，并记入审计日志。",
    )
    force = forms.BooleanField(
        label="强制覆盖较新的数据",
        required=False,
        help_text="库中案件的数据截至日期晚于本文件时，默认保留库中的数据；勾选后用本文件覆盖。仅局长、基层执行局长和系统管理员可用。",
    )

    sheet = forms.CharField(
        label="工作表名称",
        required=False,
        max_length=100,
        help_text="仅 .xlsx 文件：留空则读取第一个工作表。",
    )

    def __init__(self, *args: Any, allow_force: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_force:
            del self.fields["force"]
        self.fields["file"].widget.attrs["data-max-bytes"] = str(max_bytes())

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            check_upload_file(upload.name or "", int(upload.size or 0))
        except ServiceError as exc:
            raise ValidationError(exc.message) from exc
        return upload


@view_access(roles=IMPORT_ROLES, write=True)
def import_upload(request: HttpRequest) -> HttpResponse:
    """导入案件: upload a file; the import runs as a background job, the record page follows it."""
    user = acting_user(request)
    allow_force = may_force(user)
    if request.method == "POST":
        if request.POST.get("force") and not allow_force:
            raise PermissionDenied(FORCE_DENIED)
        form = UploadForm(request.POST, request.FILES, allow_force=allow_force)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case_import = start_upload(
                    data["file"],
                    actor=user,
                    dry_run=data["dry_run"],
                    skip_invalid=data["skip_invalid"],
                    force=bool(data.get("force")),
                    sheet=data["sheet"].strip() or None,
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("cases:import_detail", pk=case_import.pk)
    else:
        form = UploadForm(allow_force=allow_force)
    recent = imports_visible_to(user).filter(actor=user).order_by("-started_at", "-pk")[:5]
    courts = list(
        Court.objects.filter(pk__in=writable_court_ids(user))
        .order_by("sort_order")
        .values_list("short_name", flat=True)
    )
    return render(
        request,
        "cases/import_upload.html",
        {
            "form": form,
            "recent": recent,
            "max_mb": settings.ZHIJIAN_IMPORT_MAX_MB,
            "allow_force": allow_force,
            "writable_courts": "、".join(courts)
            if len(courts) <= 4
            else f"{courts[0]}等 {len(courts)} 个法院",
            "required_columns": [FIELD_LABELS[f] for f in REQUIRED],
            "optional_columns": [label for f, label in FIELD_LABELS.items() if f not in REQUIRED],
        },
    )


@view_access()
def import_list(request: HttpRequest) -> HttpResponse:
    """导入记录: the imports of the courts the user sees, newest first."""
    user = acting_user(request)
    qs = imports_visible_to(user).select_related("actor", "court").order_by("-started_at", "-pk")
    state = request.GET.get("state", "")
    if state in CaseImport.State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, LIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/import_list.html",
        {
            "page": page,
            "imports": page.object_list,
            "state": state,
            "states": CaseImport.State.choices,
            "can_upload": user.is_superuser or (user.has_role(*IMPORT_ROLES) and not is_read_only(user)),
        },
    )


def progress_of(case_import: CaseImport) -> dict[str, Any]:
    """What the progress bar shows: a label, a percentage (None: indeterminate) and a note."""
    ci = case_import
    if ci.state == CaseImport.State.VALIDATING and ci.progress_phase in ("", PHASE_QUEUED):
        waited = (timezone.now() - ci.started_at).total_seconds()
        note = (
            "已等待超过 1 分钟。如一直停留在排队中，请联系系统管理员确认后台处理进程（zhijian worker）正在运行。"
            if waited > 60
            else "文件已上传，等待后台处理进程开始导入。"
        )
        return {"label": "排队中", "percent": None, "text": "等待开始", "note": note, "waiting": True}
    if ci.state == CaseImport.State.VALIDATING:
        return {
            "label": "第一步：校验",
            "percent": None,
            "text": f"已校验 {ci.progress_done:,} 行",
            "note": "逐行检查案号、日期、金额等；全部检查完后才会写入。",
        }
    to_write = max(ci.rows - ci.rejected, 0)
    if ci.progress_phase == PHASE_MERGE and ci.progress_total:
        percent = min(100, round(100 * ci.progress_done / ci.progress_total))
        return {
            "label": "第二步：写入",
            "percent": percent,
            "text": f"{ci.progress_done:,} / {ci.progress_total:,} 行",
            "note": "写入在一个事务中完成：中途出错或中断则不写入任何数据。",
        }
    note = "写入在一个事务中完成：中途出错或中断则不写入任何数据。"
    if connection.vendor == "sqlite":
        note += "本系统使用 SQLite 数据库，写入期间无法显示进度，完成后本页自动刷新。"
    return {"label": "第二步：写入", "percent": None, "text": f"正在写入 {to_write:,} 行", "note": note}


@view_access(obj="case_import")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: counts, unknown columns, every error; a live progress bar while it runs."""
    case_import = access_case_import(acting_user(request), pk)
    running = case_import.state in RUNNING
    if request.headers.get("HX-Request") == "true":
        _do_not_save_session(request)
        if not running:
            return HttpResponseClientRefresh()
        return render(
            request,
            "cases/import_detail.html#progress",
            {"ci": case_import, "progress": progress_of(case_import)},
        )
    errors = case_import.errors or []
    page = Paginator(errors, ERRORS_PAGE).get_page(request.GET.get("page"))
    options = case_import.options or {}
    return render(
        request,
        "cases/import_detail.html",
        {
            "ci": case_import,
            "running": running,
            "progress": progress_of(case_import) if running else None,
            "page": page,
            "errors": page.object_list,
            "error_count": len(errors),
            "error_lines": case_import.rejected,
            "options": options,
            "counts": _counts(case_import),
            "refused": case_import.state == CaseImport.State.REFUSED,
        },
    )


def _counts(case_import: CaseImport) -> list[tuple[str, int, bool]]:
    """The count tiles: (label, value, shown in red when not 0). A refused import merged
    nothing, so only its rows and errors are shown."""
    ci = case_import
    if ci.state == CaseImport.State.REFUSED:
        return [("数据行", ci.rows, False), ("有错误的行", ci.rejected, True)]
    return [
        ("数据行", ci.rows, False),
        ("新增", ci.created, False),
        ("更新", ci.updated, False),
        ("未变", ci.unchanged, False),
        ("旧数据未覆盖", ci.skipped_older, False),
        ("有错误的行", ci.rejected, True),
    ]


def _do_not_save_session(request: HttpRequest) -> None:
    """A progress poll neither extends the session (watching a page is not activity) nor writes
    to the database: on SQLite the import's merge holds the only write lock, and a session save
    (SESSION_SAVE_EVERY_REQUEST) would make every poll wait for it."""
    session: Any = request.session
    session.save = lambda *args, **kwargs: None


ERROR_HEADERS = ["行号", "列", "值", "原因"]


@view_access(obj="case_import")
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's error list as XLSX (default) or CSV, to correct the file."""
    user = acting_user(request)
    case_import = access_case_import(user, pk)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    record(
        "cases.import.errors_export",
        actor=user,
        target=case_import,
        after={"format": fmt, "errors": len(case_import.errors or [])},
    )
    rows = (
        safe_row([e.get("line") or "", e.get("column", ""), e.get("value", ""), e.get("reason", "")])
        for e in case_import.errors or []
    )
    return spreadsheet_response(
        ERROR_HEADERS, rows, fmt=fmt, sheet="导入错误", stem=f"import-{case_import.pk}-errors"
    )
