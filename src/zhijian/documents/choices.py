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
    # the supervision measures (执行监督措施)
    ORDER = "order", "督促执行令"
    APPLICANT_NOTICE = "applicant_notice", "告知书"
    INSTRUCTION = "instruction", "指令纠正通知"
    DEFERRAL_NOTICE = "deferral_notice", "暂缓执行通知"
    JOINT_NOTICE = "joint_notice", "共同执行决定"
    JOINT_PLAN = "joint_plan", "共同执行方案"
    DISCIPLINE_TRANSFER = "discipline_transfer", "移送纪检监察函"
    RULING = "ruling", "执行裁定书"


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
    DocumentKind.ORDER: "执令",
    DocumentKind.APPLICANT_NOTICE: "执告",
    DocumentKind.INSTRUCTION: "执指",
    DocumentKind.DEFERRAL_NOTICE: "执缓",
    DocumentKind.JOINT_NOTICE: "执共",
    DocumentKind.JOINT_PLAN: "执方",
    DocumentKind.DISCIPLINE_TRANSFER: "执移",
}

# Kinds laid out in GB/T 9704 文件格式 (机关名称+“文件”, 文号 centred above a red line) rather than
# 信函格式: decisions published as documents of the court.
FILE_FORMAT_KINDS: frozenset[str] = frozenset({DocumentKind.CRITICISM_DECISION})

# Kinds whose number is not taken from a NumberingScheme but is the case number (案号) of the
# 执监/执他 case registered for it, given by the caller: the rulings (诉讼文书样式, not 公文).
CASE_NUMBERED_KINDS: frozenset[str] = frozenset({DocumentKind.RULING})

DEFAULT_NUMBER_PATTERN = "{organ}{mark}〔{year}〕{seq}号"
