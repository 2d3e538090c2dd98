from __future__ import annotations

from django.db import models


class UnitChoice(models.TextChoices):
    DAYS = "days", "日（自然日）"
    WORKDAYS = "workdays", "工作日"
    MONTHS = "months", "月"
    YEARS = "years", "年"


class Confidence(models.TextChoices):
    VERIFIED = "verified", "已核实"
    LIKELY = "likely", "较可靠"
    UNVERIFIED = "unverified", "未核实"
    LOCAL = "local", "本院规定"


class DeadlineKind(models.TextChoices):
    MANUAL = "manual", "自定期限"
    LETTER = "letter", "督办函"
    REPORT = "report", "报告反馈"
    ORDER = "order", "督促执行令"
    EXPLANATION = "explanation", "情况说明"
    MATTER = "matter", "监督事项办结"
    SOURCE_REPLY = "source_reply", "向来源报告"
    REVIEW = "review", "审查决定"
    SIGN = "sign", "签收督办函"
    REQUEST = "request", "答复通知"
    URGE = "urge", "催办"
    WINDOW = "window", "申请复议期间"
    CORRECTION = "correction", "纠正"
    TASK = "task", "共同执行事项"


class DeadlineStatus(models.TextChoices):
    PENDING = "pending", "未到期"
    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已超期"
    MET = "met", "按期完成"
    MET_LATE = "met_late", "超期完成"
    SUSPENDED = "suspended", "中止中"
    PROVISIONAL = "provisional", "暂定"
    CLOSED = "closed", "已撤销（不计）"


STATUS_BADGE = {
    DeadlineStatus.PENDING: "secondary",
    DeadlineStatus.DUE_SOON: "warning",
    DeadlineStatus.OVERDUE: "danger",
    DeadlineStatus.MET: "success",
    DeadlineStatus.MET_LATE: "dark",
    DeadlineStatus.SUSPENDED: "info",
    DeadlineStatus.PROVISIONAL: "light",
    DeadlineStatus.CLOSED: "light",
}
