"""导入督办台账: the go-live import page of supervision matters (督办台账 / 信访台账) for
监督员 and 局长 — upload a CSV/XLSX, see every error by line and column, download the template."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhijian.cases.uploads import check_upload_file
from zhijian.core.access import acting_user, view_access
from zhijian.core.exceptions import ServiceError

from .importer import COLUMNS, ImportResult, import_matters, supervising_court_for, template_workbook
from .models import Matter
from .registry import REGISTRARS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(
        label="台账文件",
        help_text="CSV（UTF-8、带 BOM 的 UTF-8 或 GB18030 编码）或 Excel（.xlsx），第一行为表头。",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label="仅校验（不写入）", required=False, help_text="检查每一行，报告能否导入，不登记任何事项。"
    )
    sheet = forms.CharField(
        label="工作表名称",
        required=False,
        max_length=100,
        help_text="仅 .xlsx 文件：留空则读取第一个工作表。",
    )


def template_response(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    response = HttpResponse(template_workbook(user.court), content_type=XLSX)
    name = "督办台账导入模板.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"template.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@view_access(roles=REGISTRARS, write=True)
def import_matters_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.GET.get("template"):
        return template_response(request)
    user = acting_user(request)
    result: ImportResult | None = None
    created: list[Matter] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            court = supervising_court_for(user, None)
            check_upload_file(upload.name or "", int(upload.size or 0))
            suffix = Path(upload.name or "").suffix.lower()
            with tempfile.TemporaryDirectory(prefix="zhijian-matters-") as tmp:
                path = Path(tmp) / f"upload{suffix}"
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                result = import_matters(
                    path,
                    actor=user,
                    court=court,
                    dry_run=form.cleaned_data["dry_run"],
                    file_name=Path((upload.name or "").replace("\\", "/")).name,
                    sheet=form.cleaned_data["sheet"].strip() or None,
                )
        except ServiceError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        if result is not None and not result.refused:
            if result.dry_run:
                messages.info(
                    request,
                    f"校验通过：全部 {result.rows} 行都可以导入。尚未写入，取消“仅校验”后再次上传即可导入。",
                )
            else:
                messages.success(request, f"已导入 {result.created} 件监督事项。")
                created = list(
                    Matter.objects.filter(number__in=result.numbers)
                    .select_related("officer")
                    .order_by("number")
                )
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "created": created,
        "columns": COLUMNS,
        "max_mb": settings.ZHIJIAN_IMPORT_MAX_MB,
    }
    return render(request, "supervision/import.html", context, status=200)
