"""Kinds and states of official documents (公文)."""

from __future__ import annotations

from django.db import models


class DocumentKind(models.TextChoices):
    SUPERVISION_LETTER = "sup_letter", "督办函"
    REPLY_LETTER = "reply_letter", "答复函"
    FILE_REQUEST = "file_request", "调卷通知"
    EXPLAIN_REQUEST = "explain_request", "情况说明通知"
    REPORT_REQUEST = "report_request", "汇报通知"
    SOURCE_REPORT = "source_report", "向来源报告（复函）"
    REMINDER = "reminder", "催办通知"
    CRITICISM_DECISION = "criticism_decision", "通报批评决定"


class DocumentStatus(models.TextChoices):
    ISSUED = "issued", "已签发"
    VOID = "void", "已作废"


class RenderState(models.TextChoices):
    PENDING = "pending", "待生成"
    RENDERED = "rendered", "已生成"
    FAILED = "failed", "生成失败"


# 类型代字 per kind (the part of the 文号 after the organ code). Configuration: the defaults of a
# NumberingScheme, editable per issuing court and kind.
DEFAULT_TYPE_MARKS: dict[str, str] = {
    DocumentKind.SUPERVISION_LETTER: "执督",
    DocumentKind.REPLY_LETTER: "执答",
    DocumentKind.FILE_REQUEST: "执调",
    DocumentKind.EXPLAIN_REQUEST: "执说",
    DocumentKind.REPORT_REQUEST: "执汇",
    DocumentKind.SOURCE_REPORT: "执报",
    DocumentKind.REMINDER: "执催",
    DocumentKind.CRITICISM_DECISION: "执通",
}

# Kinds laid out in GB/T 9704 文件格式 (机关名称+“文件”, 文号 centred above a red line) rather than
# 信函格式: decisions published as documents of the court.
FILE_FORMAT_KINDS: frozenset[str] = frozenset({DocumentKind.CRITICISM_DECISION})

DEFAULT_NUMBER_PATTERN = "{organ}{mark}〔{year}〕{seq}号"
