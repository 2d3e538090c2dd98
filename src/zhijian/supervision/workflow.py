"""The transition table of supervision matters — the only place that says what may happen when.

Each row: (object, action) → the states it may start from, the state it leads to (None: the
state stays), the roles that may take it, and which side acts: ``city`` (the supervising court's
bureau) or ``court`` (the basic court the item is addressed to). ``services.py`` checks every
action against this table, then the court relation, then changes the state with a
compare-and-swap UPDATE, so that two clicks at once yield one change and one 已由他人处理.
docs/supervision.md draws the same table as a diagram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhijian.org.choices import Role

from .models import LetterState as L
from .models import MatterState as M
from .models import MeasureState as S
from .models import ReportState as R
from .models import RequestState as Q


@dataclass(frozen=True)
class T:
    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    side: str
    label: str


def t(sources: set[Any], target: str | None, roles: set[Any], side: str, label: str) -> T:
    return T(frozenset(sources), target, frozenset(roles), side, label)


CITY = {Role.OFFICER, Role.DIRECTOR}
DIRECTOR = {Role.DIRECTOR}
CONTACT = {Role.CONTACT}
BASIC_DIRECTOR = {Role.BASIC_DIRECTOR}
OPEN = {M.REGISTERED, M.REVIEWING, M.REPLY_APPROVAL, M.REPLYING, M.SUPERVISING, M.CONCLUDING}

MATTER: dict[str, T] = {
    "assign": t({M.REGISTERED, M.REVIEWING}, M.REVIEWING, CITY, "city", "分配承办人"),
    "edit": t(OPEN, None, CITY, "city", "修改登记信息"),
    "add_source": t(OPEN, None, CITY, "city", "追加来源"),
    "attach": t(OPEN | {M.CONCLUDED}, None, CITY, "city", "上传附件"),
    "request_info": t({M.REVIEWING, M.SUPERVISING}, None, CITY, "city", "发出通知"),
    "propose_reply": t({M.REVIEWING}, M.REPLY_APPROVAL, CITY, "city", "提出径行答复意见"),
    "decide_supervise": t({M.REVIEWING}, M.SUPERVISING, CITY, "city", "决定督办"),
    "approve_reply": t({M.REPLY_APPROVAL}, M.REPLYING, DIRECTOR, "city", "批准答复"),
    "return_reply": t({M.REPLY_APPROVAL}, M.REVIEWING, DIRECTOR, "city", "退回答复意见"),
    "record_reply": t({M.REPLYING}, M.CONCLUDING, CITY, "city", "答复"),
    "draft_letter": t({M.SUPERVISING}, None, CITY, "city", "起草督办函"),
    "finish_supervision": t({M.SUPERVISING}, M.CONCLUDING, DIRECTOR, "city", "结束督办"),
    "conclude": t({M.CONCLUDING}, M.CONCLUDED, CITY, "city", "办结"),
    "report_to_source": t({M.CONCLUDING, M.CONCLUDED}, None, CITY, "city", "向来源报告结果"),
    "cancel": t({M.REGISTERED, M.REVIEWING}, M.CANCELLED, DIRECTOR, "city", "撤销登记"),
    "comment": t(OPEN | {M.CONCLUDED}, None, CITY, "city", "添加意见"),
    "urge": t({M.REVIEWING, M.SUPERVISING}, None, CITY, "city", "催办"),
    "take_measure": t({M.SUPERVISING}, None, CITY, "city", "采取监督措施"),
    "request_extension": t(OPEN, None, CITY | CONTACT | BASIC_DIRECTOR, "either", "申请延期"),
    "decide_extension": t(OPEN, None, DIRECTOR, "city", "审批延期"),
}

LETTER: dict[str, T] = {
    "edit": t({L.DRAFT}, L.DRAFT, CITY, "city", "修改督办函"),
    "submit": t({L.DRAFT}, L.PENDING, CITY, "city", "提交局长审批"),
    "approve": t({L.PENDING}, L.ISSUED, DIRECTOR, "city", "批准并签发"),
    "return": t({L.PENDING}, L.DRAFT, DIRECTOR, "city", "退回修改"),
    "sign": t({L.ISSUED}, L.SIGNED, CONTACT, "court", "签收"),
    "draft_report": t({L.SIGNED}, None, CONTACT, "court", "起草报告"),
    "void": t({L.DRAFT, L.PENDING, L.ISSUED}, L.VOID, DIRECTOR, "city", "作废"),
}

REPORT: dict[str, T] = {
    "edit": t({R.DRAFT}, R.DRAFT, CONTACT, "court", "修改报告"),
    "submit": t({R.DRAFT}, R.PENDING, CONTACT, "court", "提交本院执行局长审批"),
    "approve": t({R.PENDING}, R.SUBMITTED, BASIC_DIRECTOR, "court", "批准并报送"),
    "return": t({R.PENDING}, R.DRAFT, BASIC_DIRECTOR, "court", "退回修改"),
    "accept": t({R.SUBMITTED}, R.ACCEPTED, CITY, "city", "采纳报告"),
    "reject": t({R.SUBMITTED}, R.REJECTED, CITY, "city", "不予采纳"),
}

REQUEST: dict[str, T] = {
    "answer": t({Q.SENT}, Q.ANSWERED, CONTACT, "court", "答复"),
    "withdraw": t({Q.SENT}, Q.CANCELLED, CITY, "city", "撤回"),
}

PRESIDENT = {Role.PRESIDENT}
LIVE = {S.ISSUED, S.SIGNED}

# A measure (督促执行令, 指令纠正, 裁定纠正, 提级/指定执行, 共同执行, 执行方案, 暂缓执行): drafted by
# the officer — a ruling after the collegial panel's deliberation is recorded — approved by the
# 局长 and, where its type says so, the 分管院领导; issued (numbered, its deadlines started);
# signed for by the court's contact; done when what it asks is done. ``measures.py`` says which
# actions apply to which type.
MEASURE: dict[str, T] = {
    "edit": t({S.DRAFT}, None, CITY, "city", "修改措施"),
    "record_panel": t({S.DRAFT}, None, CITY, "city", "记录合议庭评议"),
    "submit": t({S.DRAFT}, S.PENDING_DIRECTOR, CITY, "city", "提交局长审批"),
    "approve": t({S.PENDING_DIRECTOR}, None, DIRECTOR, "city", "局长批准"),
    "leader_approve": t({S.PENDING_LEADER}, S.ISSUED, PRESIDENT, "city", "院领导批准"),
    "return": t({S.PENDING_DIRECTOR, S.PENDING_LEADER}, S.DRAFT, DIRECTOR | PRESIDENT, "city", "退回修改"),
    "sign": t({S.ISSUED}, S.SIGNED, CONTACT, "court", "签收"),
    "report_case": t(LIVE, None, CONTACT, "court", "报告案件已办理"),
    "reopen_case": t(LIVE | {S.DONE}, None, CITY, "city", "不予认可"),
    "request_reconsider": t(LIVE, S.RECONSIDERING, CONTACT | BASIC_DIRECTOR, "court", "申请复议"),
    "decide_reconsider": t({S.RECONSIDERING}, None, DIRECTOR, "city", "复议审查"),
    "report_corrected": t(LIVE, S.DONE, CONTACT, "court", "报告已纠正"),
    "report_task": t(LIVE, None, CITY | CONTACT, "either", "报告事项完成"),
    "link_case": t(LIVE | {S.DONE}, None, CITY, "city", "关联新案号"),
    "extend_deferral": t(LIVE, None, PRESIDENT, "city", "批准延长暂缓执行"),
    "end_deferral": t(LIVE, S.DONE, CITY, "city", "解除暂缓执行"),
    "urge": t(LIVE, None, CITY, "city", "催办"),
    "discard": t({S.DRAFT}, S.WITHDRAWN, CITY, "city", "放弃草稿"),
    "withdraw": t({S.DRAFT, S.PENDING_DIRECTOR, S.PENDING_LEADER} | LIVE | {S.RECONSIDERING}, S.WITHDRAWN,
                  DIRECTOR, "city", "撤销措施"),
}  # fmt: skip

TABLES: dict[str, dict[str, T]] = {
    "matter": MATTER, "letter": LETTER, "report": REPORT, "request": REQUEST, "measure": MEASURE,
}  # fmt: skip

# The matter states in which measures may be taken (MATTER["take_measure"]).
MEASURE_STATES = frozenset({M.SUPERVISING})


def allowed(table: str, action: str, state: str) -> bool:
    row = TABLES[table].get(action)
    return row is not None and state in row.sources
