"""The event vocabulary: start events of time-limit rules, and what the case import maps the
case-flow system's node names onto. Later issues add to it (``EVENTS.update``)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    # enforcement case process (执行案件流程节点)
    "application_received": "收到申请执行书或移交执行书",
    "filed": "立案",
    "objection_received": "收到书面执行异议",
    "reconsideration_received": "收到复议申请",
    "materials_received": "承办人收到案件材料",
    "handler_assigned": "确定承办人",
    "notice_issued": "发出执行通知书",
    "property_report_order": "发出报告财产令",
    "clues_requested": "通知申请执行人提供财产线索",
    "clues_provided": "申请执行人提供财产线索",
    "clues_checked": "财产线索核查完毕",
    "investigation_requested": "申请执行人申请法院调查",
    "investigation_started": "财产调查启动",
    "investigation_done": "财产调查完成",
    "seizure": "查封、冻结、扣押",
    "appraisal_auction": "评估、拍卖",
    "money_received": "案款到账",
    "money_paid": "案款发放",
    "suspended": "中止执行",
    "resumed": "恢复执行",
    "deferred": "暂缓执行",
    "announcement": "公告",
    "appraisal": "鉴定、评估",
    "jurisdiction_dispute": "管辖争议处理",
    "coordination": "执行争议协调",
    "obstacle": "执行障碍",
    "obstacle_removed": "执行障碍消除",
    "extension_approved": "批准延长执行期限",
    "concluded": "结案",
    # petitions (执行信访)
    "petition_received": "收到执行信访",
    "petition_group": "收到集体信访",
    # supervision workflow (督办)
    "matter_registered": "监督事项登记",
    "supervise_decided": "决定督办",
    "letter_issued": "督办函发出",
    "letter_signed": "督办函签收",
    "report_submitted": "报告提交",
    "order_issued": "督促执行令发出",
    "explanation_requested": "发出情况说明要求",
    "file_requested": "发出调卷通知",
    "urge_issued": "发出催办通知",
    "instruction_issued": "指令纠正通知发出",
    "deferral_issued": "暂缓执行通知发出",
    "measure_issued": "监督措施文书发出",
    "source_received": "收到交办、建议或转办",
    # anything a person sets by hand
    "manual": "自定起算事件",
}


def event_label(code: str) -> str:
    return EVENTS.get(code, code)


def event_choices() -> list[tuple[str, str]]:
    return list(EVENTS.items())
