"""Supervision measures (Arts. 2, 7, 8) — one function per action, like ``services.py``.

A measure is drafted by the officer in a matter under supervision, approved along its type's
chain (合议庭评议 for a ruling → 局长 → the 分管院领导 where the type says so), issued with its
document(s) numbered in the issuing transaction and its deadlines on the legal clock, signed for
by the court's contact, and done when what it asks is done:

* 督促执行令 (Art. 7): a list of cases of one court, each with its own deadline; done when every
  case is resolved — concluded, or the act it lacked recorded by a later import, or reported by
  the court (the officer may refuse a report). Each listed case's applicant gets a 告知书. Once a
  case's deadline passes unresolved, the matter page proposes 提级执行 / 指定执行 (执行程序解释
  第十二条); a 催办 comes first before any criticism is proposed.
* 指令纠正 (Art. 2): a 5-day window for 复议 (SUP_RECONSIDER) and a correction limit; 裁定纠正 only
  after the window closed without a request or after the request was rejected.
* 提级执行 / 指定执行: rulings naming the parties and the new enforcing court; the designated
  court is granted that case; the new case number is linked when registered.
* 共同执行 / 共同执行方案: tasks or milestones per court, each with a deadline.
* 暂缓执行: an interval not counted in the case's time limit (at most SUP_DEFER, 3 months;
  longer by the 院长).

Every action: the table check (``workflow.MEASURE``), the court relation, a compare-and-swap,
timeline + audit + deadlines + notifications in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhijian.cases.models import CaseParty, CaseStatus, EnforcementCase, ScanRule
from zhijian.core.exceptions import Conflict, ServiceError
from zhijian.legaltime import services as clock
from zhijian.legaltime.choices import UnitChoice
from zhijian.legaltime.defaults import SEED
from zhijian.legaltime.periods import add_months
from zhijian.org.choices import Role
from zhijian.org.models import Court, User
from zhijian.org.scoping import supervised_subtree_ids

from . import measure_types as mt
from .models import (
    DeadlinePurpose,
    Matter,
    MatterDeadline,
    MatterState,
    Measure,
    MeasureApproval,
    MeasureCase,
    MeasureState,
    MeasureTask,
    MeasureType,
    OrderGround,
)
from .services import (
    _audit,
    _cas,
    _check,
    _city_directors,
    _cn_date,
    _complete,
    _contact_note,
    _contacts,
    _court_directors,
    _links,
    _lock,
    _log,
    _maybe_conclude,
    _notify,
    _open,
)

LIVE = (MeasureState.ISSUED, MeasureState.SIGNED)
UNISSUED = (MeasureState.DRAFT, MeasureState.PENDING_DIRECTOR, MeasureState.PENDING_LEADER)
TEXT_MAX = 2000
# the scan rules an order may list, and the ground (Art. 7 item) each one is
RULE_GROUNDS: dict[str, str] = {
    ScanRule.ART7A: OrderGround.ART7A,
    ScanRule.ART8_LONG: OrderGround.ART7A,
    ScanRule.ART8_OBSTACLE: OrderGround.ART7A,
    ScanRule.ART7_NOTICE: OrderGround.ART7B,
    ScanRule.ART7_CLUES_REQUEST: OrderGround.ART7B,
    ScanRule.ART7_HANDLER: OrderGround.ART7C,
    ScanRule.ART7_CLUE_CHECK: OrderGround.ART7C,
    ScanRule.ART7_INVESTIGATION_START: OrderGround.ART7C,
    ScanRule.ART7_INVESTIGATION_DONE: OrderGround.ART7C,
    ScanRule.ART7_PAYOUT: OrderGround.ART7C,
}
# the case column that records the act a node rule found missing
RULE_DONE_FIELDS: dict[str, str] = {
    ScanRule.ART7_HANDLER: "handler_done",
    ScanRule.ART7_NOTICE: "notice_done",
    ScanRule.ART7_CLUES_REQUEST: "clues_request_done",
    ScanRule.ART7_CLUE_CHECK: "clue_check_done",
    ScanRule.ART7_INVESTIGATION_START: "investigation_start_done",
    ScanRule.ART7_INVESTIGATION_DONE: "investigation_done_done",
    ScanRule.ART7_PAYOUT: "payout_done",
}
RULE_NOTES: dict[str, str] = {
    ScanRule.ART7A: "超过执行期限未执结，限期执结",
    ScanRule.ART8_LONG: "久拖不结，限期执结",
    ScanRule.ART8_OBSTACLE: "执行障碍未消除，限期执结",
    ScanRule.ART7_HANDLER: "未按期确定承办人，限期确定",
    ScanRule.ART7_NOTICE: "未按期发出执行通知书，限期发出",
    ScanRule.ART7_CLUES_REQUEST: "未按期通知申请执行人提供财产线索，限期通知",
    ScanRule.ART7_CLUE_CHECK: "未按期核查财产线索，限期核查",
    ScanRule.ART7_INVESTIGATION_START: "未按期启动财产调查，限期启动",
    ScanRule.ART7_INVESTIGATION_DONE: "未按期完成财产调查，限期完成",
    ScanRule.ART7_PAYOUT: "未按期发放执行款，限期发放",
}
MAX_ORDER_CASES = 500
REGULATION = SEED  # the regulation's name, as the rule table cites it
GROUND_PHRASES: dict[str, str] = {
    OrderGround.ART7A: "第七条第（一）项所列超过执行期限未执结的情形",
    OrderGround.ART7B: "第七条第（二）项所列应当作出裁定、决定、通知而未作出的情形",
    OrderGround.ART7C: "第七条第（三）项所列应当依法采取执行措施而未采取的情形",
}


def _cite(basis: str) -> str:
    """Legal bases as a document cites them: joined with 、, not ；."""
    return basis.replace("；", "、")


MAX_LENGTH_DAYS = 365


def _today() -> dt.date:
    return timezone.localdate()


def measure_type(code: str) -> MeasureType:
    try:
        return MeasureType.objects.get(code=code)
    except MeasureType.DoesNotExist as exc:
        raise ServiceError("未知的监督措施。", field="type") from exc


def _text(value: str, label: str, *, required: bool = True, field: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(f"请填写{label}。", field=field or None)
    if len(value) > TEXT_MAX:
        raise ServiceError(f"{label}不能超过{TEXT_MAX}字。", field=field or None)
    return value


def _length(value: Any, label: str, *, maximum: int = MAX_LENGTH_DAYS) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ServiceError(f"{label}应为1至{maximum}之间的整数。") from exc
    if not 1 <= number <= maximum:
        raise ServiceError(f"{label}应为1至{maximum}之间的整数。")
    return number


def _mcheck(actor: User | None, measure: Measure, action: str, court: Court | None = None) -> None:
    _check(actor, "measure", action, measure.state, matter=measure.matter, court=court or measure.court)


def _step(measure: Measure, actor: User | None, step: str, approved: bool, opinion: str) -> None:
    if actor is not None:
        MeasureApproval.objects.create(
            measure=measure, step=step, approved=approved, opinion=opinion.strip()[:2000], actor=actor
        )


def _presidents(court: Court) -> list[User]:
    return list(User.objects.filter(court=court, is_active=True, role_assignments__role=Role.PRESIDENT))


def _label(measure: Measure) -> str:
    return f"{measure.type.name}（{measure.court.short_name}）"


def case_is_resolved(case: EnforcementCase, rule: str) -> dt.date | None:
    """The day a listed case stopped needing the order: concluded, or — for a node rule — the
    missing act recorded. None while it still needs it."""
    if case.status == CaseStatus.CONCLUDED:
        return case.concluded_on or case.data_as_of or _today()
    field = RULE_DONE_FIELDS.get(rule)
    if field is not None:
        return getattr(case, field)
    return None


# --- drafting ----------------------------------------------------------------------------------


@dataclass
class CaseLine:
    case: EnforcementCase
    rule: str = ScanRule.ART7A
    length: int | None = None


@dataclass
class TaskLine:
    court: Court
    task: str
    length: int


def _ruling_number(measure: Measure, text: str) -> str:
    """The 执监/执他 case number registered for a ruling, of the supervising court."""
    from zhijian.cases.numbers import CaseNumberError, parse

    text = (text or "").strip()
    if not text:
        return ""
    court = measure.matter.supervising_court
    try:
        number = parse(text, known_courts={court.code: court.name}, current_year=_today().year)
    except CaseNumberError as exc:
        raise ServiceError(f"立案案号格式不正确：{exc}", field="ruling_number") from exc
    canonical = str(number)
    type_code = getattr(number, "type_code", "")
    if type_code and type_code not in ("执监", "执他"):
        raise ServiceError("裁定应在本院立案的执监或执他案件中作出，案号类型代字应为“执监”或“执他”。",
                           field="ruling_number")  # fmt: skip
    court_code = getattr(number, "court_code", "")
    if court_code and court_code != court.code:
        raise ServiceError(f"立案案号应为本院（{court.code}）的案号。", field="ruling_number")
    clash = Measure.objects.filter(ruling_number=canonical).exclude(pk=measure.pk)
    if clash.exclude(state=MeasureState.WITHDRAWN).exists():
        raise ServiceError(f"案号{canonical}已用于另一份裁定。", field="ruling_number")
    return canonical


def _clean_parties(parties: Iterable[dict[str, str]] | None) -> list[dict[str, str]]:
    rows = []
    for p in parties or []:
        role, name = (p.get("role") or "").strip(), (p.get("name") or "").strip()
        if not name:
            continue
        if len(name) > 200 or len(role) > 20:
            raise ServiceError("当事人名称过长。", field="parties")
        rows.append({"role": role or "当事人", "name": name, "detail": (p.get("detail") or "").strip()[:200]})
    return rows


def default_parties(case: EnforcementCase | None) -> list[dict[str, str]]:
    """The parties to serve a ruling on, from the case's parties (申请执行人, 被执行人)."""
    if case is None:
        return []
    return [
        {"role": CaseParty.Role(p.role).label, "name": p.name, "detail": ""}
        for p in case.parties.order_by("role", "position")
    ]


def _open_order_item(case: EnforcementCase) -> MeasureCase | None:
    return (
        MeasureCase.objects.filter(
            case=case,
            resolved_on__isnull=True,
            measure__state__in=[
                *LIVE,
                MeasureState.DRAFT,
                MeasureState.PENDING_DIRECTOR,
                MeasureState.PENDING_LEADER,
            ],
        )  # fmt: skip
        .select_related("measure__matter")
        .first()
    )


def _check_case(case: EnforcementCase | None, court: Court, *, required: bool = True) -> None:
    if case is None:
        if required:
            raise ServiceError("请选择措施针对的案件。", field="case")
        return
    if case.court_id != court.pk:
        raise ServiceError(f"案件{case.number}不是{court.short_name}的案件。", field="case")


def may_elevate(case: EnforcementCase, today: dt.date | None = None) -> tuple[bool, str]:
    """提级/指定 of a case on a live order only after the order's deadline for it has passed
    (执行程序解释第十二条: the lower court failed to enforce within the set period)."""
    today = today or _today()
    item = _open_order_item(case)
    if item is None:
        return True, ""
    link = item.deadline_links.filter(purpose=DeadlinePurpose.ORDER).select_related("deadline").first()
    due = link.deadline.due_date if link is not None else None
    order = item.measure
    if order.state not in LIVE:
        return False, (
            f"案件{case.number}已列入尚未签发的督促执行令（监督事项{order.matter.number}）："
            "请先将其移出清单，或待督促执行令期限届满仍未执行时再提级执行或指定执行。"
        )
    if due is None or due >= today:
        number = order.document.number if order.document_id and order.document else order.matter.number
        return False, (
            f"案件{case.number}在督促执行令（{number}）的期限内" + (f"（至{due}）" if due else "")
            + "，期限届满仍未执行的，方可提级执行或指定执行。"
        )  # fmt: skip
    return True, ""


def may_correct(instruction: Measure, today: dt.date | None = None) -> tuple[bool, str]:
    """裁定纠正 only after the 复议 window closed without a request, or the request was rejected
    (执行工作若干问题的规定第七十二条), and the court has not reported the correction."""
    today = today or _today()
    if instruction.type.code != mt.INSTRUCT or instruction.state not in LIVE:
        return False, "只有已发出、尚未纠正的指令纠正可以裁定纠正。"
    if instruction.reconsider_result == "rejected":
        return True, ""
    if instruction.reconsider_at is not None:
        return False, "下级法院已申请复议，须先作出复议审查。"
    end = window_end(instruction)
    if end is None or end >= today:
        return False, f"复议期间（{'至' + str(end) if end else '自签收起算'}）尚未届满，不能裁定纠正。"
    return True, ""


def window_end(instruction: Measure) -> dt.date | None:
    """The last day to ask for 复议: 5 days from receipt (签收) — or, never signed, from the last
    day it should have been signed (the court cannot hold the window open by not signing)."""
    window = _window(instruction)
    if window is not None:
        return window.deadline.due_date
    sign = (
        MatterDeadline.objects.filter(measure=instruction, purpose=DeadlinePurpose.SIGN)
        .values_list("deadline__due_date", flat=True)
        .first()
    )
    if sign is None:
        return None
    return _estimate(sign, "SUP_RECONSIDER", None)


def _window(measure: Measure) -> MatterDeadline | None:
    return (
        MatterDeadline.objects.select_related("deadline")
        .filter(measure=measure, purpose=DeadlinePurpose.WINDOW)
        .order_by("-pk")
        .first()
    )


def draft_measure(  # noqa: PLR0912, PLR0913, PLR0915
    matter: Matter,
    actor: User | None,
    *,
    type_code: str,
    court: Court,
    facts: str,
    requirements: str = "",
    case: EnforcementCase | None = None,
    cases: Sequence[CaseLine] = (),
    tasks: Sequence[TaskLine] = (),
    length: int | None = None,
    ground: str = "",
    new_court: Court | None = None,
    follows: Measure | None = None,
    parties: Iterable[dict[str, str]] | None = None,
    ruling_items: str = "",
    ruling_number: str = "",
    defer_months: int | None = None,
) -> Measure:
    """Draft a measure (state 起草中); nothing is numbered or started until it is issued."""
    kind = measure_type(type_code)
    _check(actor, "matter", "take_measure", matter.state, matter=matter)
    if not matter.court_links.filter(court=court).exists():
        raise ServiceError("监督措施只能针对本事项的被监督法院。", field="court")
    facts = _text(facts, "事实与理由", field="facts")
    requirements = _text(requirements, "要求", required=False, field="requirements")
    if ground and ground not in OrderGround.values:
        raise ServiceError("请选择督促事由（第七条）。", field="ground")
    today = _today()
    fields: dict[str, Any] = {}
    code = kind.code
    if code == mt.ORDER:
        if not cases:
            raise ServiceError("督促执行令须附案件清单：请至少列入一件案件。", field="cases")
        if len(cases) > MAX_ORDER_CASES:
            raise ServiceError(f"一份督促执行令最多列入{MAX_ORDER_CASES}件案件。", field="cases")
        length = _length(length, "期限（日）")
        for line in cases:
            _check_case(line.case, court)
            if line.rule not in RULE_GROUNDS:
                raise ServiceError(
                    f"案件{line.case.number}的督促事项不属于第七条、第八条情形。", field="cases"
                )
            if case_is_resolved(line.case, line.rule):
                raise ServiceError(f"案件{line.case.number}已办理（已结案或已记录所需的执行行为），无需督促。",
                                   field="cases")  # fmt: skip
            moved = (
                Measure.objects.filter(type__code__in=RULING_MOVES, case=line.case)
                .exclude(state=MeasureState.WITHDRAWN)
                .select_related("type")
                .first()
            )
            if moved is not None:
                raise ServiceError(f"案件{line.case.number}已有{moved.type.name}（{moved.get_state_display()}），"
                                   "不再列入督促执行令。", field="cases")  # fmt: skip
            deferred = (
                Measure.objects.filter(type__code=mt.DEFER, case=line.case)
                .filter(state__in=[*LIVE, *UNISSUED])
                .exists()
            )
            if deferred:
                raise ServiceError(f"案件{line.case.number}正在暂缓执行（或暂缓执行待签发），不能同时限期执行。",
                                   field="cases")  # fmt: skip
            other = _open_order_item(line.case)
            if other is not None:
                raise ServiceError(f"案件{line.case.number}已列入督促执行令（{other.measure.matter.number}），"
                                   "不能重复列入。", field="cases")  # fmt: skip
            _length(line.length, f"案件{line.case.number}的期限（日）")
        grounds = {RULE_GROUNDS[line.rule] for line in cases}
        fields["ground"] = ground or (grounds.pop() if len(grounds) == 1 else "")
    elif code in mt.SINGLE_CASE:
        _check_case(case, court, required=code not in (mt.JOINT, mt.PLAN))
    if code in (mt.JOINT, mt.PLAN):
        if not tasks:
            raise ServiceError("请列明各法院的工作事项及完成期限。", field="tasks")
        allowed = {matter.supervising_court_id, *supervised_subtree_ids(matter.supervising_court_id)}
        for task in tasks:
            if task.court.pk not in allowed:
                raise ServiceError(f"{task.court.short_name}不在本院辖区。", field="tasks")
            _text(task.task, "工作事项", field="tasks")
            if len(task.task.strip()) > 200:
                raise ServiceError("工作事项不能超过200字。", field="tasks")
            _length(task.length, "完成期限（日）")
    if code == mt.INSTRUCT:
        length = _length(length, "纠正期限（日）")
        if defer_months is not None:
            defer_months = _defer_months(defer_months, today)
        fields["length"] = length
    if code == mt.DEFER:
        fields["length"] = _defer_months(defer_months if defer_months is not None else length, today)
    if case is not None and (code == mt.DEFER or (code == mt.INSTRUCT and defer_months)):
        listed = _open_order_item(case)
        if listed is not None:
            raise ServiceError(
                f"案件{case.number}在督促执行令（监督事项{listed.measure.matter.number}）的清单中：限期执行与暂缓执行"
                "不能同时进行。请先处理督促执行令中的该案（办结、移出或撤销），再通知暂缓执行。", field="case"
            )  # fmt: skip
    if code == mt.CORRECT:
        if (
            follows is None
            or follows.type.code != mt.INSTRUCT
            or follows.case_id != (case.pk if case else None)
        ):
            raise ServiceError("裁定纠正须针对本案已发出的指令纠正。", field="follows")
        _still_possible(code, case, follows, None, today)
    if code in (mt.ELEVATE, mt.DESIGNATE):
        assert case is not None
        _still_possible(code, case, None, None, today)
        if code == mt.ELEVATE:
            new_court = matter.supervising_court
        else:
            # the courts below this one: designating the supervising court itself is 提级执行
            subtree = supervised_subtree_ids(matter.supervising_court_id) - {matter.supervising_court_id}
            if new_court is None or new_court.pk not in subtree or new_court.pk == court.pk:
                raise ServiceError("指定执行须选择本辖区内原执行法院以外的下级法院（由本院执行的，请选择提级执行）。",
                                   field="new_court")  # fmt: skip
    if kind.is_ruling:
        fields["parties"] = _clean_parties(parties) or default_parties(case)
        if not fields["parties"]:
            raise ServiceError("请列明裁定送达的当事人。", field="parties")
        fields["ruling_items"] = _text(ruling_items, "裁定主文", required=False, field="ruling_items") or (
            _default_items(code, case, new_court)
        )
    if code == mt.ORDER:
        fields["length"] = length
    with transaction.atomic():
        _lock(matter, "matter", "take_measure")
        measure = Measure(
            matter=matter, type=kind, court=court, facts=facts, requirements=requirements, case=case,
            follows=follows, new_court=new_court, drafted_by=actor or matter.registered_by, **fields,
        )  # fmt: skip
        if code not in (mt.ELEVATE, mt.DESIGNATE):
            measure.new_court = None
        if kind.is_ruling and ruling_number:
            measure.ruling_number = _ruling_number(measure, ruling_number)
        measure.save()
        if code == mt.ORDER:
            MeasureCase.objects.bulk_create(
                [
                    MeasureCase(measure=measure, case=line.case, rule=line.rule, length=line.length)
                    for line in cases
                ]
            )
        if code in (mt.JOINT, mt.PLAN):
            MeasureTask.objects.bulk_create(
                [
                    MeasureTask(measure=measure, court=t.court, task=t.task.strip(), length=t.length)
                    for t in tasks
                ]
            )
            from .models import MatterCourt

            for task_court in {t.court for t in tasks}:
                # a court with a task sees the matter and the measure (its workspace links there)
                if task_court.pk != matter.supervising_court_id:
                    MatterCourt.objects.get_or_create(matter=matter, court=task_court)
        if code == mt.INSTRUCT and defer_months:
            Measure.objects.create(
                matter=matter, type=measure_type(mt.DEFER), court=court, case=case, follows=measure,
                facts=facts, length=defer_months,
                drafted_by=actor or matter.registered_by,
            )  # fmt: skip
        _log(matter, actor, "draft_measure", f"起草{_label(measure)}")  # city-internal until issued
        _audit("measure.draft", actor, measure, matter, type=code, court=court.pk)
    return measure


def _default_items(code: str, case: EnforcementCase | None, new_court: Court | None) -> str:
    number = case.number if case else ""
    if code == mt.ELEVATE:
        return f"{number}一案由本院执行。"
    if code == mt.DESIGNATE and new_court is not None:
        return f"{number}一案由{new_court.name}执行。"
    if code == mt.CORRECT:
        return f"撤销{case.court.name if case else ''}在{number}一案中作出的相关执行行为。"
    return ""


RULING_MOVES = (mt.ELEVATE, mt.DESIGNATE)


def _still_possible(
    code: str, case: EnforcementCase | None, follows: Measure | None, measure: Measure | None, today: dt.date
) -> None:
    """The preconditions of a ruling, checked when it is drafted, submitted and approved (the
    facts may change in between: a court reports its correction, a case goes on an order)."""
    others = Measure.objects.exclude(state=MeasureState.WITHDRAWN)
    if measure is not None:
        others = others.exclude(pk=measure.pk)
    if code == mt.CORRECT and follows is not None:
        ok, why = may_correct(follows, today)
        if not ok:
            raise ServiceError(why, field="follows")
        if others.filter(type__code=mt.CORRECT, follows=follows).exists():
            raise ServiceError("该指令纠正已有裁定纠正（起草中或已作出），不能重复。", field="follows")
    if code in RULING_MOVES and case is not None:
        ok, why = may_elevate(case, today)
        if not ok:
            raise ServiceError(why, field="case")
        other = others.filter(type__code__in=RULING_MOVES, case=case).select_related("type").first()
        if other is not None:
            raise ServiceError(f"案件{case.number}已有{other.type.name}（{other.get_state_display()}），不能重复。",
                               field="case")  # fmt: skip


def _recheck(measure: Measure, today: dt.date | None = None) -> None:
    if measure.type.code == mt.CORRECT or measure.type.code in RULING_MOVES:
        _still_possible(measure.type.code, measure.case, measure.follows, measure, today or _today())


def _defer_months(value: Any, today: dt.date) -> int:
    cap = clock.rule_in_force("SUP_DEFER", today).length
    months = _length(value, "暂缓执行期间（月）", maximum=cap)
    if months is None:
        return cap
    return months


def edit_measure(
    measure: Measure,
    actor: User | None,
    *,
    facts: str,
    requirements: str = "",
    length: int | None = None,
    ruling_number: str = "",
    ruling_items: str = "",
    parties: Iterable[dict[str, str]] | None = None,
) -> Measure:
    _mcheck(actor, measure, "edit")
    changes: dict[str, Any] = {
        "facts": _text(facts, "事实与理由", field="facts"),
        "requirements": _text(requirements, "要求", required=False, field="requirements"),
    }
    if measure.type.code == mt.DEFER:
        changes["length"] = _defer_months(length, _today())
    elif measure.type.code in (mt.ORDER, mt.INSTRUCT):
        changes["length"] = _length(length, "期限（日）")
    if measure.type.is_ruling:
        changes["ruling_number"] = _ruling_number(measure, ruling_number)
        changes["ruling_items"] = _text(ruling_items, "裁定主文", field="ruling_items")
        cleaned = _clean_parties(parties)
        if not cleaned:
            raise ServiceError("请列明裁定送达的当事人。", field="parties")
        changes["parties"] = cleaned
    with transaction.atomic():
        _cas(Measure, measure, "measure", "edit", **changes)
        _audit("measure.edit", actor, measure, measure.matter)
    return measure


def remove_case(item: MeasureCase, actor: User | None) -> None:
    """Take a case off a draft order's list."""
    measure = item.measure
    _mcheck(actor, measure, "edit")
    with transaction.atomic():
        _cas(Measure, measure, "measure", "edit")
        if measure.case_items.count() <= 1:
            raise ServiceError("督促执行令至少须列入一件案件；不再需要的，请撤销该措施。")
        item.delete()
        _log(measure.matter, actor, "edit_measure", f"从{_label(measure)}的案件清单中移除{item.case.number}")
        _audit("measure.remove_case", actor, measure, measure.matter, case=item.case_id)


def record_panel(
    measure: Measure,
    actor: User | None,
    *,
    presiding: str,
    judges: str,
    clerk: str,
    opinion: str,
    on: dt.date | None = None,
) -> Measure:
    """合议庭评议: the panel (审判长, 审判员, 书记员) and its deliberated opinion, before the 局长."""
    if not measure.type.is_ruling:
        raise ServiceError("只有裁定须经合议庭评议。")
    _mcheck(actor, measure, "record_panel")
    presiding = _text(presiding, "审判长", field="presiding")[:30]
    names = [j.strip() for j in judges.replace(",", "、").replace("，", "、").split("、") if j.strip()]
    if presiding in names or len(set(names)) != len(names):
        raise ServiceError("合议庭成员不能重复：审判长不再列为审判员，审判员不重复。", field="judges")
    if len(names) < 2:  # noqa: PLR2004 — a collegial panel is at least three: 审判长 and two more
        raise ServiceError("合议庭由审判长和至少两名审判员组成：请填写审判员（以顿号分隔）。", field="judges")
    clerk = _text(clerk, "书记员", field="clerk")[:30]
    opinion = _text(opinion, "合议庭评议意见", field="opinion")
    on = on or _today()
    if on > _today():
        raise ServiceError("评议日期不能晚于今天。", field="on")
    with transaction.atomic():
        _cas(Measure, measure, "measure", "record_panel", panel_presiding=presiding, panel_judges="、".join(names),
             panel_clerk=clerk, panel_opinion=opinion, panel_on=on)  # fmt: skip
        _step(measure, actor, MeasureApproval.Step.PANEL, True, opinion)
        _log(
            measure.matter,
            actor,
            "record_panel",
            f"{_label(measure)}：合议庭评议（审判长{presiding}）：{opinion}",
        )
        _audit("measure.panel", actor, measure, measure.matter)
    return measure


def submit_measure(measure: Measure, actor: User | None) -> Measure:
    _mcheck(actor, measure, "submit")
    if measure.type.is_ruling:
        if not measure.panel_on:
            raise ServiceError("裁定须先记录合议庭评议，再报局长审批。")
        if not measure.ruling_number:
            raise ServiceError("请先填写为该裁定立案登记的执监或执他案号。", field="ruling_number")
    if (
        measure.type.code == mt.DEFER
        and measure.follows is not None
        and measure.follows.type.code == mt.INSTRUCT
    ):
        raise ServiceError("随指令纠正的暂缓执行通知与指令纠正一并签发，不单独报批。")
    _recheck(measure)
    with transaction.atomic():
        _cas(Measure, measure, "measure", "submit")
        _log(measure.matter, actor, "submit_measure", f"{_label(measure)}提交局长审批")
        _audit("measure.submit", actor, measure, measure.matter)
        _notify(actor, _city_directors(measure.matter.supervising_court), kind="measure.approval",
                title=f"待审批：{measure.matter.number} {_label(measure)}", url=measure_url(measure),
                key=f"measure:{measure.pk}:submitted:{timezone.now():%Y%m%d%H%M%S}")  # fmt: skip
    return measure


def return_measure(measure: Measure, actor: User | None, *, comment: str) -> Measure:
    comment = _text(comment, "退回意见", field="comment")
    _mcheck(actor, measure, "return")
    step = (
        MeasureApproval.Step.LEADER
        if measure.state == MeasureState.PENDING_LEADER
        else MeasureApproval.Step.DIRECTOR
    )
    if (
        step == MeasureApproval.Step.DIRECTOR
        and actor is not None
        and not actor.is_superuser
        and not actor.has_role(Role.DIRECTOR)
    ):
        raise PermissionDenied("只有局长可以退回待局长审批的措施。")
    if (
        step == MeasureApproval.Step.LEADER
        and actor is not None
        and not actor.is_superuser
        and not actor.has_role(Role.PRESIDENT)
    ):
        raise PermissionDenied("只有院领导可以退回待院领导审批的措施。")
    with transaction.atomic():
        _cas(Measure, measure, "measure", "return")
        _step(measure, actor, step, False, comment)
        _log(measure.matter, actor, "return_measure", f"退回{_label(measure)}：{comment}", kind="return")
        _audit("measure.return", actor, measure, measure.matter, reason=comment)
        _notify(actor, [measure.drafted_by, measure.matter.officer], kind="measure.returned",
                title=f"{measure.matter.number} {_label(measure)}被退回修改", url=measure_url(measure),
                key=f"measure:{measure.pk}:returned:{timezone.now():%Y%m%d%H%M%S}")  # fmt: skip
    return measure


def approve_measure(
    measure: Measure, actor: User | None, *, comment: str = "", today: dt.date | None = None
) -> Measure:
    """The 局长 approves: issued now — or, where the type asks for it, on to the 院领导.
    ``today`` back-dates the issue (its deadlines run from that day): for the demo loader only,
    never passed by a view."""
    _mcheck(actor, measure, "approve")
    with transaction.atomic():
        _lock(measure.matter, "matter", "comment")  # measures of a matter issue one at a time
        _recheck(measure, today)
        if measure.type.leader_approval:
            _cas(Measure, measure, "measure", "approve", state=MeasureState.PENDING_LEADER)
            _step(measure, actor, MeasureApproval.Step.DIRECTOR, True, comment)
            _log(measure.matter, actor, "approve_measure", f"局长批准{_label(measure)}，报院领导审批"
                 + (f"。意见：{comment.strip()}" if comment.strip() else ""))  # fmt: skip
            _audit("measure.approve", actor, measure, measure.matter, next="leader")
            _notify(actor, _presidents(measure.matter.supervising_court), kind="measure.approval",
                    title=f"待院领导审批：{measure.matter.number} {_label(measure)}", url=measure_url(measure),
                    key=f"measure:{measure.pk}:leader:{timezone.now():%Y%m%d%H%M%S}")  # fmt: skip
            return measure
        _cas(Measure, measure, "measure", "approve", state=MeasureState.ISSUED)
        _step(measure, actor, MeasureApproval.Step.DIRECTOR, True, comment)
        _issue(measure, actor, comment, today=today)
    return measure


def leader_approve(
    measure: Measure, actor: User | None, *, comment: str = "", today: dt.date | None = None
) -> Measure:
    """The 院领导 approves and the measure is issued (``today``: as in ``approve_measure``)."""
    _mcheck(actor, measure, "leader_approve")
    with transaction.atomic():
        _lock(measure.matter, "matter", "comment")
        _recheck(measure, today)
        _cas(Measure, measure, "measure", "leader_approve")
        _step(measure, actor, MeasureApproval.Step.LEADER, True, comment)
        _issue(measure, actor, comment, today=today)
    return measure


# --- issuing -----------------------------------------------------------------------------------


def measure_url(measure: Measure) -> str:
    return f"/matters/measures/{measure.pk}/"


@dataclass
class Dues:
    """The due dates a measure's document states: per listed case, per task, the 复议 window
    (length, last day) and the correction limit — started deadlines, or a preview's estimate."""

    items: dict[int, dt.date | None] = field(default_factory=dict)
    tasks: dict[int, dt.date | None] = field(default_factory=dict)
    window: tuple[int, dt.date | None] = (0, None)
    correct: dt.date | None = None


def _order_length(measure: Measure, item: MeasureCase) -> tuple[str, int | None]:
    """(rule code, length): the case's own length, else the order's, else the SUP_ORDER rule."""
    if item.length:
        return "", item.length
    if measure.length:
        return "", measure.length
    return "SUP_ORDER", None


def _start_deadlines(measure: Measure, court: Court, today: dt.date) -> Dues:
    """Open the measure's deadlines on the legal clock (issuing)."""
    matter = measure.matter
    dues = Dues()
    code = measure.type.code
    if code == mt.ORDER:
        for item in measure.case_items.select_related("case").order_by("pk"):
            rule, length = _order_length(measure, item)
            deadline = _open(matter, DeadlinePurpose.ORDER, title=f"{court.short_name}执行督促执行令（{item.case.number}）",
                             court=court, start=today, owner=court.contact, rule_code=rule, length=length,
                             unit=UnitChoice.DAYS if length else "", measure=measure, measure_case=item)  # fmt: skip
            dues.items[item.pk] = deadline.due_date
        _open(matter, DeadlinePurpose.SIGN, title=f"{court.short_name}签收督促执行令", court=court, start=today,
              owner=court.contact, rule_code="SUP_SIGN", measure=measure)  # fmt: skip
    elif code == mt.INSTRUCT:
        # the 复议 window runs from receipt: it opens when the contact signs (sign_measure)
        _open(matter, DeadlinePurpose.SIGN, title=f"{court.short_name}签收指令纠正通知", court=court, start=today,
              owner=court.contact, rule_code="SUP_SIGN", measure=measure)  # fmt: skip
        correct = _open(matter, DeadlinePurpose.CORRECT, title=f"{court.short_name}纠正并报告", court=court,
                        start=today, owner=court.contact, rule_code="" if measure.length else "SUP_CORRECT",
                        length=measure.length, unit=UnitChoice.DAYS if measure.length else "", measure=measure)  # fmt: skip
        dues.window = (clock.rule_in_force("SUP_RECONSIDER", today).length, None)
        dues.correct = correct.due_date
    elif code == mt.DEFER:
        _open(matter, DeadlinePurpose.SIGN, title=f"{court.short_name}签收暂缓执行通知", court=court, start=today,
              owner=court.contact, rule_code="SUP_SIGN", measure=measure)  # fmt: skip
    elif code in (mt.JOINT, mt.PLAN):
        for task in measure.tasks.select_related("court", "court__contact").order_by("pk"):
            owner = matter.officer if task.court_id == matter.supervising_court_id else task.court.contact
            deadline = _open(matter, DeadlinePurpose.TASK, title=f"{task.court.short_name}：{task.task[:60]}",
                             court=task.court, start=today, owner=owner, length=task.length, unit=UnitChoice.DAYS,
                             measure=measure, task=task)  # fmt: skip
            dues.tasks[task.pk] = deadline.due_date
    return dues


def _estimate(today: dt.date, rule: str, length: int | None, expedited: bool = False) -> dt.date | None:
    """A preview's due date, by the same legal clock (None where the calendar is not known)."""
    try:
        if rule:
            found = clock.rule_in_force(rule, today)
            return clock.calculate(
                today,
                rule=found,
                expedited=expedited and bool(found.expedited_length),
                allow_provisional=True,
            ).due
        return clock.calculate(today, length=length, unit=UnitChoice.DAYS, allow_provisional=True).due
    except ServiceError:
        return None


def _estimate_dues(measure: Measure, today: dt.date) -> Dues:
    dues = Dues()
    code = measure.type.code
    if code == mt.ORDER:
        for item in measure.case_items.order_by("pk"):
            dues.items[item.pk] = _estimate(today, *_order_length(measure, item), measure.matter.expedited)
    elif code == mt.INSTRUCT:
        try:
            dues.window = (clock.rule_in_force("SUP_RECONSIDER", today).length, None)
        except ServiceError:  # no rule in force: the preview says 规定期间 rather than invent one
            dues.window = (0, None)
        dues.correct = _estimate(
            today, "" if measure.length else "SUP_CORRECT", measure.length, measure.matter.expedited
        )
    elif code in (mt.JOINT, mt.PLAN):
        for task in measure.tasks.order_by("pk"):
            dues.tasks[task.pk] = _estimate(today, "", task.length)
    return dues


def _deferral_period(measure: Measure, today: dt.date) -> tuple[dt.date, dt.date]:
    if measure.defer_start and measure.defer_end:
        return measure.defer_start, measure.defer_end
    months = measure.length or clock.rule_in_force("SUP_DEFER", today).length  # drafts always have one
    return today, add_months(today, months)  # an interval of calendar months: no holiday roll


def document_parts(measure: Measure, today: dt.date, dues: Dues) -> tuple[str, dict[str, Any], str]:
    """(title, template context, addressee) of the measure's document — what is issued, and what
    the draft's preview shows."""
    matter = measure.matter
    court = measure.court
    code = measure.type.code
    context: dict[str, Any] = {"contact": _contact_note(matter), "matter_number": matter.number}
    if code == mt.ORDER:
        rows = [
            {"number": item.case.number, "court": court.name, "note": RULE_NOTES.get(item.rule, ""),
             "due_cn": _cn_date(dues.items.get(item.pk))}
            for item in measure.case_items.select_related("case").order_by("pk")
        ]  # fmt: skip
        ground = GROUND_PHRASES.get(measure.ground, "第七条所列情形（各案情形见附件）")
        context.update({
            "paragraphs": [
                *_lines(measure.facts),
                f"经审查，附件所列案件存在{REGULATION}{ground}。依照{_cite(measure.type.basis)}之规定，现责令你院在附件"
                "《案件清单》所列期限内，执结所列案件或者作出相应的裁定、决定、通知，依法采取执行措施，"
                "并将办理情况书面报告本院。",
                *_lines(measure.requirements),
                "逾期仍未执行的，本院将依法提级执行或者指定其他法院执行，并依照有关规定追究责任。",
            ],
            "cases": rows,
            "deadline_cn": "",
        })  # fmt: skip
    elif code == mt.INSTRUCT:
        length = dues.window[0]
        context.update({
            "paragraphs": [
                *_lines(measure.facts),
                f"依照{_cite(measure.type.basis)}之规定，本院指令你院对{_case_phrase(measure)}予以纠正。",
                *_lines(measure.requirements),
                f"你院认为本指令有错误的，可以在收到本通知之日起{f'{length}日' if length else '规定期间'}内向本院申请复议；"
                "期间届满未申请复议又不纠正的，本院将直接裁定纠正。",
            ],
            "deadline_cn": _cn_date(dues.correct),
        })  # fmt: skip
    elif code == mt.DEFER:
        start, end = _deferral_period(measure, today)
        context.update({
            "paragraphs": [
                *_lines(measure.facts),
                f"依照{_cite(measure.type.basis)}之规定，本院通知你院对{_case_phrase(measure)}暂缓执行，"
                f"暂缓执行期间自{_cn_date(start)}起至{_cn_date(end)}止。暂缓执行期间不计入执行期限。",
                *_lines(measure.requirements),
                "暂缓执行期间届满或者本院通知解除暂缓执行后，你院应当立即恢复执行。",
            ],
        })  # fmt: skip
    elif code in (mt.JOINT, mt.PLAN):
        rows = [
            {"court": task.court.name, "task": task.task, "due_cn": _cn_date(dues.tasks.get(task.pk))}
            for task in measure.tasks.select_related("court").order_by("pk")
        ]
        intro = (
            f"依照{_cite(measure.type.basis)}之规定，本院决定与你院共同执行{_case_phrase(measure)}，分工如下："
            if code == mt.JOINT
            else f"为依法执行{_case_phrase(measure)}，经研究，制定本执行方案，各法院按下列事项和期限办理："
        )
        context.update(
            {"paragraphs": [*_lines(measure.facts), intro, *_lines(measure.requirements)], "tasks": rows}
        )
    elif measure.type.is_ruling:
        context = _ruling_context(measure, today)
    title = {
        mt.ORDER: "督促执行令",
        mt.INSTRUCT: "指令纠正通知",
        mt.DEFER: "暂缓执行通知",
        mt.JOINT: "共同执行决定",
        mt.PLAN: f"关于{matter.title}的共同执行方案",
    }.get(code, "执行裁定书")
    addressees = [court]
    if code in (mt.JOINT, mt.PLAN):  # every court with a task is addressed
        for task in measure.tasks.select_related("court").order_by("pk"):
            if task.court_id != matter.supervising_court_id and task.court not in addressees:
                addressees.append(task.court)
    return title, context, "" if measure.type.is_ruling else "、".join(f"{c.name}执行局" for c in addressees)


def preview_document(measure: Measure) -> tuple[bytes, str]:
    """The draft's document as .docx bytes (no number; due dates as the legal clock would give
    them if issued today) and a file name — for the 局长 to read before approving."""
    from zhijian.documents.services import render_preview

    today = _today()
    title, context, addressee = document_parts(measure, today, _estimate_dues(measure, today))
    data = render_preview(kind=measure.type.document_kind, issuing_court=measure.matter.supervising_court,
                          context=context, title=title, addressee=addressee,
                          number=measure.ruling_number if measure.type.is_ruling else "")  # fmt: skip
    return data, f"{measure.type.name}草稿-{measure.matter.number}.docx"


def _issue(measure: Measure, actor: User | None, comment: str, *, today: dt.date | None = None) -> None:
    """Number the documents, start the deadlines, write what the measure changes elsewhere.
    ``today`` (the demo only) back-dates the issue: its deadlines and documents."""
    from zhijian.documents.services import issue_document

    matter = measure.matter
    court = Court.objects.select_related("contact", "deputy_contact").get(pk=measure.court_id)
    today = today or _today()
    code = measure.type.code
    Measure.objects.filter(pk=measure.pk).update(issued_on=today)
    measure.issued_on = today
    # the Art. 5 limit "作出督办函 within 5 days" is met by any measure issued
    _complete(_links(matter, DeadlinePurpose.LETTER), today, actor=actor)
    dues = _start_deadlines(measure, court, today)
    number_note = ""
    if code == mt.DEFER:
        _start_deferral(measure, actor, today)
    elif measure.type.is_ruling:
        number_note = measure.ruling_number
        if code == mt.DESIGNATE and measure.case is not None and measure.new_court is not None:
            from zhijian.cases.flags import grant_case

            grant_case(measure.case, measure.new_court, reason=f"指定执行（{measure.ruling_number}）",
                       origin=f"指定执行 {measure.ruling_number}"[:60], actor=actor)  # fmt: skip
        if code in (mt.ELEVATE, mt.DESIGNATE) and measure.case is not None:
            _transfer_order_item(measure, actor, today)
        if code == mt.CORRECT and measure.follows is not None:
            _supersede_instruction(measure, actor, today)
    title, context, addressee = document_parts(measure, today, dues)
    kwargs: dict[str, Any] = {}
    if measure.type.is_ruling:
        kwargs["number"] = measure.ruling_number
    measure.document = issue_document(
        actor=actor, kind=measure.type.document_kind, issuing_court=matter.supervising_court, recipient_court=court,
        title=title, context=context, owner=measure, addressee=addressee, issued_on=today, **kwargs,
    )  # fmt: skip
    Measure.objects.filter(pk=measure.pk).update(document=measure.document)
    if code == mt.ORDER:
        _applicant_notices(measure, actor)
    # an instruction's accompanying 暂缓执行 notice goes out with it
    for companion in measure.followed_by.filter(type__code=mt.DEFER, state=MeasureState.DRAFT):
        updated = Measure.objects.filter(pk=companion.pk, state=MeasureState.DRAFT).update(
            state=MeasureState.ISSUED, updated_at=timezone.now()
        )
        if updated:
            companion.state = MeasureState.ISSUED
            _issue(companion, actor, "", today=today)
    note = f"签发{_label(measure)} {measure.document.number}" + (
        f"（{number_note}）" if number_note and number_note != measure.document.number else ""
    )
    if comment.strip():
        note += f"。意见：{comment.strip()}"
    _log(matter, actor, "issue_measure", note, court=court)
    _audit("measure.issue", actor, measure, matter, number=measure.document.number, type=code)
    _notify(actor, _contacts(court) or _court_directors(court), kind="measure.new",
            title=f"收到{'执行裁定书（' + measure.type.name + '）' if measure.type.is_ruling else measure.type.name} "
            f"{measure.document.number}，请签收（{matter.number}）",
            url="/matters/workspace/", key=f"measure:{measure.pk}:issued", court=court)  # fmt: skip
    if code in (mt.JOINT, mt.PLAN):
        for task_court in {t.court for t in measure.tasks.select_related("court")} - {court}:
            if task_court.pk != matter.supervising_court_id:
                _notify(actor, _contacts(task_court) or _court_directors(task_court), kind="measure.new",
                        title=f"{measure.type.name} {measure.document.number}：请办理分工事项（{matter.number}）",
                        url="/matters/workspace/", key=f"measure:{measure.pk}:issued:{task_court.pk}",
                        court=task_court)  # fmt: skip
    if code == mt.DESIGNATE and measure.new_court is not None:
        new = measure.new_court
        _notify(actor, _contacts(new) or _court_directors(new), kind="measure.designated",
                title=f"本院指定你院执行{measure.case.number if measure.case else ''}（{measure.ruling_number}）",
                url=f"/cases/{measure.case_id}/" if measure.case_id else "/matters/workspace/",
                key=f"measure:{measure.pk}:designated", court=new)  # fmt: skip


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _case_phrase(measure: Measure) -> str:
    return f"{measure.case.number}一案" if measure.case is not None else "本案"


CN_ITEMS = "一二三四五六七八九十"


def _ruling_context(measure: Measure, today: dt.date) -> dict[str, Any]:
    code = measure.type.code
    court = measure.court
    case = measure.case
    number = case.number if case else ""
    if code == mt.CORRECT:
        intro = f"本院在执行监督中发现，{court.name}在{number}一案中的执行行为存在错误。本院于"
        instruction = measure.follows
        doc = instruction.document if instruction is not None else None
        intro += (
            f"{_cn_date(instruction.issued_on)}以{doc.number}通知指令该院纠正，"
            if instruction and doc
            else "指令该院纠正，"
        )
        intro += "该院" + ("申请复议，本院审查后驳回其复议请求，" if instruction and instruction.reconsider_result == "rejected"
                          else "在规定期间内未申请复议，") + "至今未予纠正。"  # fmt: skip
        basis = "依照《最高人民法院关于人民法院执行工作若干问题的规定（试行）》第七十二条之规定"
    else:
        intro = f"{court.name}执行的{number}一案，"
        after_order = measure.follows is not None and measure.follows.type.code == mt.ORDER
        intro += "经本院督促执行，该院在指定期限内仍未执行完毕。" if after_order else "长期未能执结。"
        basis = (
            "依照《中华人民共和国民事诉讼法》第二百三十七条、《最高人民法院关于适用〈中华人民共和国民事诉讼法〉"
            "执行程序若干问题的解释》第十二条之规定"
            if after_order  # Art. 12: the lower court failed within the period an order set
            else "依照《中华人民共和国民事诉讼法》第二百三十七条、《最高人民法院关于人民法院执行工作若干问题的规定"
            "（试行）》第七十四条第二款之规定"
        )
    items = _lines(measure.ruling_items)
    numbered = [f"{CN_ITEMS[i] if i < len(CN_ITEMS) else i + 1}、{text}" for i, text in enumerate(items)]
    panel = [{"role": "审判长", "name": measure.panel_presiding}] + [
        {"role": "审判员", "name": name} for name in measure.judges
    ]
    return {
        "court_name": measure.matter.supervising_court.name,
        "parties": measure.parties,
        "paragraphs": [intro, *_lines(measure.facts)],
        "holding_intro": f"本院经合议庭评议认为，{measure.panel_opinion.rstrip('。')}。{basis}，裁定如下：",
        "items": numbered,
        "closing": "本裁定送达后立即生效。",
        "panel": panel,
        "clerk": measure.panel_clerk,
    }


def _applicant_notices(measure: Measure, actor: User | None) -> None:
    """执行程序解释第十一条: tell each listed case's applicant in writing that the order was made."""
    from zhijian.documents.services import issue_document

    matter = measure.matter
    dues = dict(
        MatterDeadline.objects.filter(measure=measure, purpose=DeadlinePurpose.ORDER).values_list(
            "measure_case_id", "deadline__due_date"
        )
    )
    names: dict[int, list[str]] = {}
    for case_id, name in (
        CaseParty.objects.filter(case__in=measure.case_items.values("case_id"), role=CaseParty.Role.APPLICANT)
        .order_by("position")
        .values_list("case_id", "name")
    ):
        names.setdefault(case_id, []).append(name)
    for item in measure.case_items.select_related("case").order_by("pk"):
        applicants = names.get(item.case_id, [])
        due_day = dues.get(item.pk)
        issue_document(
            actor=actor, kind="applicant_notice", issuing_court=matter.supervising_court, recipient_court=None,
            title="告知书", owner=item, addressee="、".join(applicants) or "申请执行人", issued_on=measure.issued_on,
            context={
                "paragraphs": [
                    f"你（单位）申请执行的{item.case.number}一案，由{measure.court.name}执行。",
                    f"本院已于{_cn_date(measure.issued_on)}向{measure.court.name}发出督促执行令"
                    f"（{measure.document.number if measure.document else ''}），责令其于{_cn_date(due_day)}前"
                    f"{RULE_NOTES.get(item.rule, '依法执行').split('，')[-1]}。",
                    "该院在指定期限内仍未执行的，本院将依法提级执行或者指定其他法院执行。",
                    "特此告知。",
                ],
            },
        )  # fmt: skip


def _start_deferral(measure: Measure, actor: User | None, today: dt.date) -> None:
    from zhijian.cases.flags import add_suspension
    from zhijian.cases.models import SuspensionKind

    _, end = _deferral_period(measure, today)
    if measure.case is None:
        raise ServiceError("暂缓执行须针对一件案件。")
    suspension = add_suspension(measure.case, kind=SuspensionKind.DEFERRED, start=today, end=end,
                                origin=f"暂缓执行（{measure.matter.number}）"[:60], actor=actor)  # fmt: skip
    Measure.objects.filter(pk=measure.pk).update(
        defer_start=today, defer_end=end, suspension_id_ref=suspension.pk
    )
    measure.defer_start, measure.defer_end, measure.suspension_id_ref = today, end, suspension.pk


def _transfer_order_item(measure: Measure, actor: User | None, today: dt.date) -> None:
    """A case taken up or designated leaves its order's list (its deadline ends, not counted)."""
    item = _open_order_item(measure.case) if measure.case is not None else None
    if item is None or item.measure_id == measure.pk:
        return
    MeasureCase.objects.filter(pk=item.pk).update(
        resolved_on=today, resolution=MeasureCase.Resolution.TRANSFER
    )
    _complete(list(item.deadline_links.filter(deadline__completed_on__isnull=True)), today,
              closed=f"已{measure.type.name}", actor=actor)  # fmt: skip
    _audit(
        "measure.transfer_case", actor, item.measure, item.measure.matter, case=item.case_id, by=measure.pk
    )
    _log(item.measure.matter, actor, "transfer_case",
         f"{item.case.number}已{measure.type.name}，移出{_label(item.measure)}的案件清单", court=item.measure.court)  # fmt: skip
    if not item.measure.case_items.filter(resolved_on__isnull=True).exists():
        # a 催办 that passed unmet is proposed before the order ends (the proposal reads it)
        from zhijian.accountability.services import sync_proposals

        sync_proposals(today)
    _maybe_order_done(item.measure, actor, today, closed=f"案件已{measure.type.name}")


def _undo_transfer(ruling: Measure, actor: User | None, reason: str) -> None:
    """A withdrawn 提级/指定 ruling puts its case back on the order it had left."""
    for item in MeasureCase.objects.filter(
        case=ruling.case, resolution=MeasureCase.Resolution.TRANSFER
    ).select_related("measure__matter", "measure__court", "case"):
        order = item.measure
        MeasureCase.objects.filter(pk=item.pk).update(resolved_on=None, resolution="")
        for link in item.deadline_links.filter(purpose=DeadlinePurpose.ORDER).select_related("deadline"):
            clock.reopen_owned(link.deadline, actor=actor, reason=reason)
        if order.state == MeasureState.DONE:
            Measure.objects.filter(pk=order.pk).update(
                state=MeasureState.SIGNED if order.signed_at else MeasureState.ISSUED, done_on=None
            )
            Matter.objects.filter(pk=order.matter_id, state=MatterState.CONCLUDING).update(
                state=MatterState.SUPERVISING
            )
        _log(order.matter, actor, "transfer_case", f"{ruling.type.name}撤销，{item.case.number}回到{_label(order)}的案件清单",
             court=order.court)  # fmt: skip
        _audit("measure.untransfer_case", actor, order, order.matter, case=item.case_id, reason=reason)


def _void_owned(measure: Measure, actor: User | None, reason: str) -> None:
    """Void every document the measure owns: its own, its cases' 告知书, its 催办通知."""
    from django.contrib.contenttypes.models import ContentType

    from zhijian.documents.models import OfficialDocument
    from zhijian.documents.services import void_document

    owners = [
        (Measure, [measure.pk]),
        (MeasureCase, list(measure.case_items.values_list("pk", flat=True))),
        (MatterDeadline, list(MatterDeadline.objects.filter(measure=measure).values_list("pk", flat=True))),
    ]
    for model, ids in owners:
        if not ids:
            continue
        for doc in OfficialDocument.objects.filter(
            owner_type=ContentType.objects.get_for_model(model), owner_id__in=ids
        ).exclude(status="void"):
            void_document(doc, actor=actor, reason=reason, via_owner=True)  # type: ignore[arg-type]


def _supersede_instruction(measure: Measure, actor: User | None, today: dt.date) -> None:
    instruction = measure.follows
    assert instruction is not None
    Measure.objects.filter(pk=instruction.pk, state__in=LIVE).update(
        state=MeasureState.DONE, done_on=today, result_note="已裁定纠正", updated_at=timezone.now()
    )
    links = list(MatterDeadline.objects.filter(measure=instruction, deadline__completed_on__isnull=True))
    _complete(links, today, closed="已裁定纠正", actor=actor)
    _end_companions(instruction, actor, "已裁定纠正", done=True)


# --- the court's side --------------------------------------------------------------------------


def sign_measure(measure: Measure, actor: User | None) -> Measure:
    _mcheck(actor, measure, "sign")
    with transaction.atomic():
        _cas(Measure, measure, "measure", "sign", signed_by=actor, signed_at=timezone.now())
        today = _today()
        _complete([link for link in _links(measure.matter, DeadlinePurpose.SIGN) if link.measure_id == measure.pk],
                  today, actor=actor)  # fmt: skip
        if measure.type.code == mt.CORRECT:
            Measure.objects.filter(pk=measure.pk).update(state=MeasureState.DONE, done_on=today)
            measure.state = MeasureState.DONE
        if measure.type.code == mt.INSTRUCT and _window(measure) is None:
            court = measure.court
            _open(measure.matter, DeadlinePurpose.WINDOW, title=f"{court.short_name}对指令纠正申请复议",
                  court=court, start=today, owner=court.contact, rule_code="SUP_RECONSIDER", measure=measure)  # fmt: skip
        who = actor.display_name if actor is not None else "系统"
        _log(measure.matter, actor, "sign_measure", f"{measure.court.short_name}{who}签收{measure.type.name}",
             court=measure.court)  # fmt: skip
        _audit("measure.sign", actor, measure, measure.matter)
        if measure.state == MeasureState.DONE:
            _maybe_conclude(measure.matter)
    return measure


def report_case(item: MeasureCase, actor: User | None, *, note: str) -> MeasureCase:
    """The court reports a listed case done (结案 or the act taken) — it counts as resolved;
    the officer may refuse the report (``reopen_case``)."""
    measure = item.measure
    note = _text(note, "办理情况", field="note")[:300]
    _mcheck(actor, measure, "report_case")
    today = _today()
    with transaction.atomic():
        _cas(Measure, measure, "measure", "report_case")
        if (
            MeasureCase.objects.filter(pk=item.pk, resolved_on__isnull=True).update(
                resolved_on=today,
                resolution=MeasureCase.Resolution.REPORT,
                report_note=note,
                reported_by=actor,
            )
            != 1
        ):
            raise Conflict()
        _complete(list(item.deadline_links.filter(deadline__completed_on__isnull=True, purpose=DeadlinePurpose.ORDER)),
                  today, actor=actor)  # fmt: skip
        _log(measure.matter, actor, "report_case", f"{measure.court.short_name}报告{item.case.number}已办理：{note}",
             court=measure.court)  # fmt: skip
        _audit("measure.report_case", actor, measure, measure.matter, case=item.case_id)
        _after_resolution(measure, actor, today)
        _notify(actor, [measure.matter.officer], kind="measure.report",
                title=f"{measure.court.short_name}报告{item.case.number}已办理（{measure.matter.number}）",
                url=measure_url(measure), key=f"measure-case:{item.pk}:reported")  # fmt: skip
    item.refresh_from_db()
    return item


def reopen_case(item: MeasureCase, actor: User | None, *, reason: str) -> MeasureCase:
    """The officer does not accept a court's report on a listed case: it is open again (its
    deadline reopens as it was — a late report stays late)."""
    measure = item.measure
    reason = _text(reason, "不予认可的理由", field="reason")
    _mcheck(actor, measure, "reopen_case")
    if item.resolution != MeasureCase.Resolution.REPORT:
        raise ServiceError("只能对法院报告的办理情况不予认可。")
    if not measure.matter.is_open:
        raise ServiceError("本事项已办结或已撤销，不能再对办理报告不予认可。")
    with transaction.atomic():
        _lock(measure.matter, "matter", "comment")
        _lock_measure(measure)
        if (
            MeasureCase.objects.filter(pk=item.pk, resolution=MeasureCase.Resolution.REPORT).update(
                resolved_on=None, resolution="", report_note=""
            )
            != 1
        ):
            raise Conflict()
        order_links = list(
            item.deadline_links.filter(purpose=DeadlinePurpose.ORDER).select_related("deadline")
        )
        for link in order_links:
            clock.reopen_owned(link.deadline, actor=actor, reason=reason)
        # a 催办 that this report met is running again if the case was overdue when it was sent
        due = min((link.deadline.due_date for link in order_links if link.deadline.due_date), default=None)
        for urge in MatterDeadline.objects.filter(
            measure=measure, purpose=DeadlinePurpose.URGE, deadline__completed_on__isnull=False,
            deadline__closed_reason="",
        ).select_related("deadline"):  # fmt: skip
            if due is not None and due < urge.deadline.start_date:
                clock.reopen_owned(urge.deadline, actor=actor, reason=reason)
        if measure.state == MeasureState.DONE:
            Measure.objects.filter(pk=measure.pk).update(state=MeasureState.SIGNED if measure.signed_at else
                                                         MeasureState.ISSUED, done_on=None)  # fmt: skip
            if measure.matter.state == MatterState.CONCLUDING:
                Matter.objects.filter(pk=measure.matter_id).update(state=MatterState.SUPERVISING)
        _log(measure.matter, actor, "reopen_case", f"对{item.case.number}的办理报告不予认可：{reason}",
             court=measure.court)  # fmt: skip
        _audit("measure.reopen_case", actor, measure, measure.matter, case=item.case_id, reason=reason)
        _notify(actor, _contacts(measure.court), kind="measure.reopen",
                title=f"{item.case.number}的办理报告未被认可，请继续办理（{measure.matter.number}）",
                url="/matters/workspace/", key=f"measure-case:{item.pk}:reopened:{timezone.now():%Y%m%d%H%M%S}",
                court=measure.court)  # fmt: skip
    item.refresh_from_db()
    return item


def _after_resolution(measure: Measure, actor: User | None, today: dt.date) -> None:
    _meet_urges(measure, actor, today)
    _maybe_order_done(measure, actor, today)


def _meet_urges(measure: Measure, actor: User | None, today: dt.date) -> None:
    """A 催办 of an order is met once every case overdue when it was sent is resolved."""
    for urge in MatterDeadline.objects.filter(
        measure=measure, purpose=DeadlinePurpose.URGE, deadline__completed_on__isnull=True
    ).select_related("deadline"):
        pending = MeasureCase.objects.filter(
            measure=measure,
            resolved_on__isnull=True,
            deadline_links__purpose=DeadlinePurpose.ORDER,
            deadline_links__deadline__due_date__lt=urge.deadline.start_date,
        )
        if not pending.exists():
            _complete([urge], today, actor=actor)


def _lock_measure(measure: Measure) -> None:
    """Serialise the changes of one order's list (an import and a report at once)."""
    current = Measure.objects.select_for_update().get(pk=measure.pk)
    measure.state = current.state


def _maybe_order_done(measure: Measure, actor: User | None, today: dt.date, *, closed: str = "") -> bool:
    """The order is done with its last case. ``closed``: it ended because its cases were taken
    up or designated — its remaining 签收/催办 limits end uncounted (a 催办 already overdue has
    been proposed for first)."""
    _lock_measure(measure)
    if measure.state not in LIVE or measure.case_items.filter(resolved_on__isnull=True).exists():
        return False
    moved = Measure.objects.filter(pk=measure.pk, state__in=LIVE).update(
        state=MeasureState.DONE, done_on=today, updated_at=timezone.now()
    )
    if not moved:
        return False
    measure.state = MeasureState.DONE
    _complete(list(MatterDeadline.objects.filter(measure=measure, deadline__completed_on__isnull=True)), today,
              actor=actor, closed=closed)  # fmt: skip
    text = f"{_label(measure)}所列案件均已办理，督促执行令执行完毕"
    if _maybe_conclude(measure.matter):
        text += "。本事项待办结。"
    _log(measure.matter, actor, "measure_done", text, court=measure.court)
    _audit("measure.done", actor, measure, measure.matter)
    return True


def resolve_from_cases(today: dt.date | None = None) -> int:
    """After a case import: a listed case now concluded, or with the lacking act recorded, is
    resolved (on the day the data give). Returns how many were resolved."""
    today = today or _today()
    resolved = 0
    items = MeasureCase.objects.filter(resolved_on__isnull=True, measure__state__in=LIVE).select_related(
        "case", "measure__matter", "measure__type", "measure__court"
    )
    for item in items:
        day = case_is_resolved(item.case, item.rule)
        if day is None:
            continue
        with transaction.atomic():
            if (
                MeasureCase.objects.filter(pk=item.pk, resolved_on__isnull=True).update(
                    resolved_on=day, resolution=MeasureCase.Resolution.IMPORT
                )
                != 1
            ):
                continue
            _complete(list(item.deadline_links.filter(deadline__completed_on__isnull=True,
                                                      purpose=DeadlinePurpose.ORDER)), day)  # fmt: skip
            _log(item.measure.matter, None, "resolve_case",
                 f"导入数据显示{item.case.number}已办理（{day}）", court=item.measure.court)  # fmt: skip
            _audit("measure.resolve_case", None, item.measure, item.measure.matter, case=item.case_id,
                   on=day.isoformat())  # fmt: skip
            _after_resolution(item.measure, None, today)
        resolved += 1
    return resolved


def request_reconsider(measure: Measure, actor: User | None, *, reason: str) -> Measure:
    """指令纠正: the court asks for reconsideration, inside the 5-day window only."""
    if measure.type.code != mt.INSTRUCT:
        raise ServiceError("只有指令纠正可以申请复议。")
    reason = _text(reason, "复议理由", field="reason")
    _mcheck(actor, measure, "request_reconsider")
    today = _today()
    window = _window(measure)
    end = window_end(measure)
    if measure.reconsider_at is not None:
        raise ServiceError("已申请过复议，不能重复申请。")
    if (window is not None and window.deadline.completed_on is not None) or (end is not None and end < today):
        raise ServiceError("申请复议的期间已届满。")
    receipt: dict[str, Any] = {}
    if measure.signed_at is None:  # asking for 复议 shows the notice was received
        receipt = {"signed_by": actor, "signed_at": timezone.now()}
    with transaction.atomic():
        _cas(
            Measure,
            measure,
            "measure",
            "request_reconsider",
            reconsider_reason=reason,
            reconsider_at=timezone.now(),
            **receipt,
        )
        _complete(
            [window] if window is not None else [],
            today,
            actor=actor,
        )
        _complete([link for link in _links(measure.matter, DeadlinePurpose.SIGN) if link.measure_id == measure.pk],
                  today, actor=actor)  # fmt: skip
        _log(measure.matter, actor, "request_reconsider", f"{measure.court.short_name}对指令纠正申请复议：{reason}",
             court=measure.court)  # fmt: skip
        _audit("measure.reconsider", actor, measure, measure.matter, reason=reason)
        _notify(actor, _city_directors(measure.matter.supervising_court) + [measure.matter.officer],
                kind="measure.reconsider", title=f"{measure.court.short_name}对指令纠正申请复议（{measure.matter.number}）",
                url=measure_url(measure), key=f"measure:{measure.pk}:reconsider")  # fmt: skip
    return measure


def decide_reconsider(measure: Measure, actor: User | None, *, grant: bool, note: str) -> Measure:
    """The 局长 decides the 复议: granted — the instruction is withdrawn; rejected — the
    correction limit runs on and 裁定纠正 becomes possible."""
    note = _text(note, "复议审查意见", field="note")
    _mcheck(actor, measure, "decide_reconsider")
    today = _today()
    with transaction.atomic():
        target = (
            MeasureState.WITHDRAWN
            if grant
            else (MeasureState.SIGNED if measure.signed_at else MeasureState.ISSUED)
        )
        _cas(Measure, measure, "measure", "decide_reconsider", state=target,
             reconsider_result="granted" if grant else "rejected", reconsider_note=note)  # fmt: skip
        if grant:
            _complete(list(MatterDeadline.objects.filter(measure=measure, deadline__completed_on__isnull=True)),
                      today, closed="复议成立，撤销指令", actor=actor)  # fmt: skip
            _end_companions(measure, actor, "复议成立，撤销指令")
            _void_owned(measure, actor, "复议成立，撤销指令")
        text = f"复议审查：{'复议成立，撤销指令纠正' if grant else '驳回复议请求，应按指令纠正'}。{note}"
        _log(measure.matter, actor, "decide_reconsider", text, court=measure.court)
        _audit("measure.reconsider_decided", actor, measure, measure.matter, granted=grant, reason=note)
        _notify(actor, _contacts(measure.court) + _court_directors(measure.court), kind="measure.reconsider_decided",
                title=f"复议审查结果：{'撤销指令' if grant else '驳回复议请求'}（{measure.matter.number}）",
                url="/matters/workspace/", key=f"measure:{measure.pk}:reconsider_decided",
                court=measure.court)  # fmt: skip
        if grant:
            _maybe_conclude(measure.matter)
    return measure


def report_corrected(measure: Measure, actor: User | None, *, note: str) -> Measure:
    if measure.type.code != mt.INSTRUCT:
        raise ServiceError("只有指令纠正需要报告纠正情况。")
    note = _text(note, "纠正情况", field="note")
    _mcheck(actor, measure, "report_corrected")
    today = _today()
    with transaction.atomic():
        _cas(Measure, measure, "measure", "report_corrected", result_note=note, done_on=today)
        _complete(list(MatterDeadline.objects.filter(measure=measure, deadline__completed_on__isnull=True,
                                                     purpose__in=[DeadlinePurpose.CORRECT, DeadlinePurpose.SIGN])),
                  today, actor=actor)  # fmt: skip
        _complete(list(MatterDeadline.objects.filter(measure=measure, deadline__completed_on__isnull=True)),
                  today, closed="已纠正", actor=actor)  # fmt: skip
        _log(measure.matter, actor, "report_corrected", f"{measure.court.short_name}报告已纠正：{note}",
             court=measure.court)  # fmt: skip
        _audit("measure.corrected", actor, measure, measure.matter)
        _notify(actor, [measure.matter.officer], kind="measure.corrected",
                title=f"{measure.court.short_name}报告已按指令纠正（{measure.matter.number}）", url=measure_url(measure),
                key=f"measure:{measure.pk}:corrected")  # fmt: skip
        _end_companions(measure, actor, "已按指令纠正", done=True)
        _maybe_conclude(measure.matter)
    return measure


def report_task(task: MeasureTask, actor: User | None, *, note: str) -> MeasureTask:
    measure = task.measure
    note = _text(note, "完成情况", field="note")[:300]
    _mcheck(actor, measure, "report_task", court=task.court)
    if actor is not None and not actor.is_superuser:
        city_side = actor.court_id == measure.matter.supervising_court_id
        if city_side != (task.court_id == measure.matter.supervising_court_id):
            raise PermissionDenied("只能报告本院承担的事项。")
    today = _today()
    with transaction.atomic():
        _cas(Measure, measure, "measure", "report_task")
        if MeasureTask.objects.filter(pk=task.pk, done_on__isnull=True).update(done_on=today, note=note,
                                                                                done_by=actor) != 1:  # fmt: skip
            raise Conflict()
        _complete(list(task.deadline_links.filter(deadline__completed_on__isnull=True)), today, actor=actor)
        _log(measure.matter, actor, "report_task", f"{task.court.short_name}完成“{task.task}”：{note}",
             court=measure.court)  # fmt: skip
        _audit("measure.task_done", actor, measure, measure.matter, task=task.pk)
        if not measure.tasks.filter(done_on__isnull=True).exists():
            Measure.objects.filter(pk=measure.pk, state__in=LIVE).update(
                state=MeasureState.DONE, done_on=today
            )
            measure.state = MeasureState.DONE
            _complete(list(MatterDeadline.objects.filter(measure=measure, deadline__completed_on__isnull=True)),
                      today, actor=actor)  # fmt: skip
            _log(
                measure.matter,
                actor,
                "measure_done",
                f"{_label(measure)}各项事项均已完成",
                court=measure.court,
            )
            _maybe_conclude(measure.matter)
    task.refresh_from_db()
    return task


def link_case(measure: Measure, actor: User | None, *, number: str) -> Measure:
    """提级/指定: the new case number, once registered by the new enforcing court, is linked."""
    from zhijian.cases.numbers import CaseNumberError, parse

    if measure.type.code not in (mt.ELEVATE, mt.DESIGNATE):
        raise ServiceError("只有提级执行或指定执行需要关联新案号。")
    _mcheck(actor, measure, "link_case")
    text = _text(number, "新案号", field="number")
    known = dict(Court.objects.values_list("code", "name"))
    try:
        parsed = parse(text, known_courts=known, current_year=_today().year)
    except CaseNumberError as exc:
        raise ServiceError(f"案号格式不正确：{exc}", field="number") from exc
    canonical = str(parsed)
    new_court = measure.new_court
    if new_court is not None and getattr(parsed, "court_code", new_court.code) != new_court.code:
        raise ServiceError(f"新案号应为{new_court.short_name}（{new_court.code}）的案号。", field="number")
    new_case = EnforcementCase.objects.filter(number=canonical).first()
    if new_case is not None and measure.new_court_id and new_case.court_id != measure.new_court_id:
        raise ServiceError(f"案件{canonical}不是{measure.new_court.short_name if measure.new_court else ''}的案件。",
                           field="number")  # fmt: skip
    today = _today()
    with transaction.atomic():
        _cas(Measure, measure, "measure", "link_case", new_case_number=canonical, new_case=new_case,
             state=MeasureState.DONE, done_on=measure.done_on or today)  # fmt: skip
        _complete(list(MatterDeadline.objects.filter(measure=measure, deadline__completed_on__isnull=True)), today,
                  actor=actor)  # fmt: skip
        _log(measure.matter, actor, "link_case", f"{measure.type.name}后的新案号：{canonical}"
             + ("" if new_case else "（尚未导入，导入后自动关联）"), court=measure.court)  # fmt: skip
        _audit("measure.link_case", actor, measure, measure.matter, number=canonical)
        _maybe_conclude(measure.matter)
    return measure


def relink_new_cases() -> int:
    """After a case import: link new case numbers recorded before the case arrived."""
    linked = 0
    for measure in Measure.objects.filter(new_case__isnull=True).exclude(new_case_number=""):
        case = EnforcementCase.objects.filter(number=measure.new_case_number).first()
        if case is not None:
            linked += Measure.objects.filter(pk=measure.pk, new_case__isnull=True).update(new_case=case)
    return linked


def deferral_extended(measure: Measure) -> bool:
    """A 暂缓执行 is extended once at most (by the 院长)."""
    return MeasureApproval.objects.filter(
        measure=measure, step=MeasureApproval.Step.LEADER, opinion__startswith="延长"
    ).exists()


def extend_deferral(measure: Measure, actor: User | None, *, months: int, reason: str) -> Measure:
    """The 院长 extends a 暂缓执行 beyond its period (up to the rule's extension cap)."""
    from zhijian.cases.flags import change_suspension
    from zhijian.cases.models import CaseSuspension

    if measure.type.code != mt.DEFER:
        raise ServiceError("只有暂缓执行可以延长。")
    reason = _text(reason, "延长理由", field="reason")
    rule = clock.rule_in_force("SUP_DEFER", measure.defer_start or _today())
    months_n = _length(months, "延长期间（月）", maximum=rule.max_extension_length or rule.length)
    assert months_n is not None
    _mcheck(actor, measure, "extend_deferral")
    if measure.defer_end is None or measure.suspension_id_ref is None:
        raise ServiceError("该暂缓执行没有记录期间。")
    if deferral_extended(measure):
        raise ServiceError("暂缓执行已延长过一次，不能再次延长。")
    with transaction.atomic():
        end = add_months(measure.defer_end, months_n)
        suspension = CaseSuspension.objects.get(pk=measure.suspension_id_ref)
        change_suspension(suspension, end=end, actor=actor, reason=f"院长批准延长暂缓执行：{reason}")
        _cas(Measure, measure, "measure", "extend_deferral", defer_end=end)
        _step(measure, actor, MeasureApproval.Step.LEADER, True, f"延长{months_n}个月：{reason}")
        _log(measure.matter, actor, "extend_deferral", f"院长批准延长暂缓执行{months_n}个月，至{end}：{reason}",
             court=measure.court)  # fmt: skip
        _audit(
            "measure.extend_deferral", actor, measure, measure.matter, months=months_n, end=end.isoformat()
        )
        _notify(actor, _contacts(measure.court), kind="measure.deferral", court=measure.court,
                title=f"暂缓执行延长至{end}（{measure.matter.number}）", url="/matters/workspace/",
                key=f"measure:{measure.pk}:extended")  # fmt: skip
    return measure


def end_deferral(
    measure: Measure, actor: User | None, *, reason: str, today: dt.date | None = None
) -> Measure:
    """Lift a 暂缓执行 early (the interval ends today) or record its natural end."""
    from zhijian.cases.flags import change_suspension
    from zhijian.cases.models import CaseSuspension

    if measure.type.code != mt.DEFER:
        raise ServiceError("只有暂缓执行可以解除。")
    reason = _text(reason, "解除理由", field="reason")
    if actor is not None:
        _mcheck(actor, measure, "end_deferral")
    today = today or _today()
    with transaction.atomic():
        end = min(today, measure.defer_end) if measure.defer_end else today
        _cas(Measure, measure, "measure", "end_deferral", defer_end=end, done_on=today)
        suspension = CaseSuspension.objects.filter(pk=measure.suspension_id_ref or 0).first()
        if suspension is not None and suspension.end != end:
            change_suspension(suspension, end=end, actor=actor, reason=reason)
        _complete(list(MatterDeadline.objects.filter(measure=measure, deadline__completed_on__isnull=True)), today,
                  actor=actor)  # fmt: skip
        _log(measure.matter, actor, "end_deferral", f"暂缓执行结束（至{end}）：{reason}", court=measure.court)
        _audit("measure.end_deferral", actor, measure, measure.matter, reason=reason)
        _notify(actor, _contacts(measure.court), kind="measure.deferral", court=measure.court,
                title=f"暂缓执行已结束，请恢复执行（{measure.matter.number}）", url="/matters/workspace/",
                key=f"measure:{measure.pk}:ended")  # fmt: skip
        _maybe_conclude(measure.matter)
    return measure


def finish_deferrals(today: dt.date | None = None) -> int:
    """Daily: a 暂缓执行 whose period has run out ends by itself."""
    today = today or _today()
    ended = 0
    for measure in Measure.objects.filter(
        type__code=mt.DEFER, state__in=LIVE, defer_end__lt=today
    ).select_related("matter", "type", "court"):
        end_deferral(measure, None, reason="暂缓执行期间届满", today=today)
        ended += 1
    return ended


# --- 催办 and withdrawal -----------------------------------------------------------------------


def overdue_items(measure: Measure, today: dt.date | None = None) -> list[MeasureCase]:
    today = today or _today()
    return list(
        MeasureCase.objects.filter(
            measure=measure,
            resolved_on__isnull=True,
            deadline_links__purpose=DeadlinePurpose.ORDER,
            deadline_links__deadline__due_date__lt=today,
        )
        .select_related("case")
        .distinct()
    )


def unurged_items(measure: Measure, today: dt.date | None = None) -> list[MeasureCase]:
    """Overdue unresolved cases no 催办 has chased yet: those that fell due after the last 催办
    was sent (a case is chased once; a case that falls due later gets its own 催办)."""
    items = overdue_items(measure, today)
    last = (
        MatterDeadline.objects.filter(measure=measure, purpose=DeadlinePurpose.URGE)
        .order_by("-deadline__start_date")
        .values_list("deadline__start_date", flat=True)
        .first()
    )
    if last is None:
        return items
    dues = dict(
        MatterDeadline.objects.filter(measure=measure, purpose=DeadlinePurpose.ORDER).values_list(
            "measure_case_id", "deadline__due_date"
        )
    )
    return [i for i in items if (dues.get(i.pk) or last) >= last]


def may_urge_order(measure: Measure, today: dt.date | None = None) -> bool:
    """An order with overdue unresolved cases no 催办 has chased, and no 催办 running."""
    return (
        measure.type.code == mt.ORDER
        and measure.state in LIVE
        and not MatterDeadline.objects.filter(
            measure=measure, purpose=DeadlinePurpose.URGE, deadline__completed_on__isnull=True
        ).exists()
        and bool(unurged_items(measure, today))
    )


def urge_order(measure: Measure, actor: User | None) -> MatterDeadline:
    """催办 of an order: one 催办通知 listing the overdue cases, with a SUP_URGE limit. When that
    passes too, the register proposes a criticism (Art. 19, violating Art. 7)."""
    from zhijian.documents.services import issue_document

    _mcheck(actor, measure, "urge")
    matter, court = measure.matter, measure.court
    today = _today()
    with transaction.atomic():
        _lock(matter, "matter", "comment")
        if not may_urge_order(measure, today):
            raise ServiceError("只有有超期未办理、尚未催办的案件，且没有正在进行的催办的督促执行令可以催办。")
        items = unurged_items(measure, today)
        first = (
            MatterDeadline.objects.filter(
                measure=measure, purpose=DeadlinePurpose.ORDER, measure_case__in=items
            )
            .order_by("deadline__due_date", "pk")
            .first()
        )
        deadline = _open(matter, DeadlinePurpose.URGE, title=f"{court.short_name}催办后执行督促执行令", court=court,
                         start=today, owner=court.contact, rule_code="SUP_URGE", measure=measure, follows=first)  # fmt: skip
        doc = issue_document(
            actor=actor, kind="reminder", issuing_court=matter.supervising_court, recipient_court=court,
            title="催办通知", owner=MatterDeadline.objects.get(deadline=deadline), addressee=f"{court.name}执行局",
            context={
                "paragraphs": [
                    f"本院于{_cn_date(measure.issued_on)}向你院发出督促执行令（{measure.document.number if measure.document else ''}），"
                    f"责令你院在指定期限内办理所列案件。下列{len(items)}件案件期限已届满，你院至今未办理完毕。",
                    "现予催办。逾期仍未办理的，本院将依法提级执行或者指定执行，并依照有关规定提出通报批评建议。",
                ],
                "cases": [{"number": i.case.number, "court": court.name, "note": RULE_NOTES.get(i.rule, "")}
                          for i in items],
                "deadline": deadline.due_date.isoformat() if deadline.due_date else "",
                "contact": _contact_note(matter),
            },
        )  # fmt: skip
        _log(matter, actor, "urge", f"督促执行令催办（{doc.number}）：{len(items)}件案件，期限至{deadline.due_date}",
             court=court)  # fmt: skip
        _audit("measure.urge", actor, measure, matter, number=doc.number, cases=len(items))
        _notify(actor, _contacts(court) + _court_directors(court), kind="matter.urge",
                title=f"收到催办通知 {doc.number}（{matter.number}）", url="/matters/workspace/",
                key=f"measure-urge:{measure.pk}", court=court)  # fmt: skip
    return MatterDeadline.objects.get(deadline=deadline)


def withdraw_measure(measure: Measure, actor: User | None, *, reason: str) -> Measure:
    """The 局长 withdraws a measure: its deadlines end (not counted), its document is voided
    (keeping its number), a deferral's interval ends today, a designation's grant is revoked."""
    reason = _text(reason, "撤销理由", field="reason")
    _mcheck(actor, measure, "withdraw")
    today = _today()
    with transaction.atomic():
        was_live = measure.state in (*LIVE, MeasureState.RECONSIDERING)
        _cas(Measure, measure, "measure", "withdraw", withdraw_reason=reason[:300])
        _complete(list(MatterDeadline.objects.filter(measure=measure, deadline__completed_on__isnull=True)),
                  today, closed="措施撤销", actor=actor)  # fmt: skip
        _void_owned(measure, actor, reason)
        if was_live and measure.type.code in RULING_MOVES and measure.case is not None:
            _undo_transfer(measure, actor, reason)
        if was_live and measure.type.code == mt.DEFER:
            _cut_suspension(measure, actor, today, reason)
        if measure.type.code == mt.DESIGNATE and measure.case is not None and measure.new_court is not None:
            from zhijian.cases.flags import revoke_case_grant
            from zhijian.cases.models import CaseGrant

            for grant in CaseGrant.objects.filter(
                case=measure.case, court=measure.new_court, revoked_at__isnull=True
            ):
                revoke_case_grant(grant, actor=actor, reason=reason)
        _end_companions(measure, actor, reason)
        _log(measure.matter, actor, "withdraw_measure", f"撤销{_label(measure)}：{reason}",
             court=measure.court if measure.issued_on else None)  # fmt: skip
        _audit("measure.withdraw", actor, measure, measure.matter, reason=reason)
        if was_live:
            _notify(actor, _contacts(measure.court) or _court_directors(measure.court), kind="measure.withdrawn",
                    title=f"{measure.type.name}已撤销，无需办理（{measure.matter.number}）", url="/matters/workspace/",
                    key=f"measure:{measure.pk}:withdrawn", court=measure.court)  # fmt: skip
        _maybe_conclude(measure.matter)
    return measure


def discard_measure(measure: Measure, actor: User | None) -> Measure:
    """The officer drops a draft of the bureau's own (a duplicate, a wrong start): it was never
    issued, so nothing else changes; the 局长's 撤销 is for measures already submitted or issued."""
    _mcheck(actor, measure, "discard")
    with transaction.atomic():
        _cas(Measure, measure, "measure", "discard", withdraw_reason="草稿放弃")
        _end_companions(measure, actor, "草稿放弃")
        _log(measure.matter, actor, "withdraw_measure", f"放弃{_label(measure)}草稿")
        _audit("measure.discard", actor, measure, measure.matter)
    return measure


def _cut_suspension(measure: Measure, actor: User | None, today: dt.date, reason: str) -> None:
    from zhijian.cases.flags import change_suspension, remove_suspension
    from zhijian.cases.models import CaseSuspension

    suspension = CaseSuspension.objects.filter(pk=measure.suspension_id_ref or 0).first()
    if suspension is None:
        return
    if suspension.start >= today:
        remove_suspension(suspension, actor=actor, reason=reason)
    else:
        change_suspension(suspension, end=today, actor=actor, reason=reason)


def _end_companions(measure: Measure, actor: User | None, reason: str, *, done: bool = False) -> None:
    """A 暂缓执行 that came with an instruction ends with it: withdrawn (its notice void) when the
    instruction is withdrawn; ended today (``done``) when the instruction is carried out."""
    today = _today()
    for companion in measure.followed_by.filter(type__code=mt.DEFER).exclude(
        state__in=[MeasureState.DONE, MeasureState.WITHDRAWN]
    ):
        live = companion.state in LIVE
        state = MeasureState.DONE if done and live else MeasureState.WITHDRAWN
        Measure.objects.filter(pk=companion.pk).update(
            state=state, done_on=today if state == MeasureState.DONE else None,
            withdraw_reason="" if state == MeasureState.DONE else reason[:300], updated_at=timezone.now(),
        )  # fmt: skip
        if live:
            _cut_suspension(companion, actor, today, reason)
            _complete(list(MatterDeadline.objects.filter(measure=companion, deadline__completed_on__isnull=True)),
                      today, closed="" if done else "措施撤销", actor=actor)  # fmt: skip
            if not done:
                _void_owned(companion, actor, reason)
        _log(measure.matter, actor, "withdraw_measure", f"随附的暂缓执行一并结束：{reason}",
             court=measure.court if live else None)  # fmt: skip
        _audit("measure.end_companion", actor, companion, measure.matter, reason=reason, state=state)


# --- from the scan page: one order per court ---------------------------------------------------


def _scan_facts(count: int) -> str:
    return f"经本院执行案件检测并审查确认，你院有{count}件执行案件存在{REGULATION}第七条所列情形（见附件《案件清单》）。"


def _scan_title(court: Court, count: int) -> str:
    return f"{court.short_name}执行案件督促执行（{count}件）"


def _refresh_scan_texts(order: Measure) -> None:
    """A draft order joined from the scan page: its count, its ground (mixed: named per case) and
    its matter's title follow the list — unless the officer rewrote them."""
    count = order.case_items.count()
    grounds = {RULE_GROUNDS.get(rule, "") for rule in order.case_items.values_list("rule", flat=True)}
    changes: dict[str, Any] = {"ground": grounds.pop() if len(grounds) == 1 else ""}
    if order.facts.startswith("经本院执行案件检测并审查确认") and order.facts.endswith(
        "（见附件《案件清单》）。"
    ):
        changes["facts"] = _scan_facts(count)
    Measure.objects.filter(pk=order.pk).update(**changes)
    matter = order.matter
    if matter.title.startswith(f"{order.court.short_name}执行案件督促执行（"):
        Matter.objects.filter(pk=matter.pk).update(title=_scan_title(order.court, count))


def order_from_candidates(candidate_ids: Iterable[int], actor: User, *, length: int | None = None) -> Measure:
    """Confirm scan candidates of one court and put their cases on one 督促执行令: a draft order
    of that court already in progress is joined; else a matter is registered for them (source:
    Art. 3 item 7, the system's scans) and put under supervision. Returns the draft order."""
    from zhijian.cases.models import CandidateState, ScanCandidate
    from zhijian.cases.scans import decide

    from . import services
    from .models import Finding, SourceCategory

    ids = sorted({int(i) for i in candidate_ids})
    if not ids:
        raise ServiceError("请先选择线索。")
    if not (actor.is_superuser or actor.has_role(Role.OFFICER, Role.DIRECTOR)):
        raise PermissionDenied("只有监督员或局长可以发出督促执行令。")
    candidates = list(
        ScanCandidate.objects.writable_by(actor).filter(pk__in=ids).select_related("case", "court")
    )
    if len(candidates) != len(ids):
        raise ServiceError("部分线索不存在或无权处理。")
    courts = {c.court_id for c in candidates}
    if len(courts) != 1:
        raise ServiceError("一份督促执行令只针对一个法院：请只选择同一法院的线索。")
    wrong = [c for c in candidates if c.rule not in RULE_GROUNDS]
    if wrong:
        raise ServiceError(
            f"{wrong[0].case.number}（{wrong[0].get_rule_display()}）不属于督促执行令的情形（第七条、第八条）。"
        )
    court = candidates[0].court
    city = actor.court
    if city is None:
        raise ServiceError("无法确定督办法院。")
    with transaction.atomic():
        new = [c.pk for c in candidates if c.state != CandidateState.CONFIRMED]
        if new:
            decide(new, actor=actor, state=CandidateState.CONFIRMED, reason="列入督促执行令")
        draft = (
            Measure.objects.select_for_update()
            .filter(
                type__code=mt.ORDER,
                court=court,
                state=MeasureState.DRAFT,
                matter__supervising_court=city,
                matter__state=MatterState.SUPERVISING,
            )  # fmt: skip
            .order_by("-pk")
            .first()
        )
        lines: dict[int, CaseLine] = {}
        for c in candidates:
            lines.setdefault(c.case_id, CaseLine(case=c.case, rule=c.rule))
        if draft is not None:
            _mcheck(actor, draft, "edit")
            have = set(draft.case_items.values_list("case_id", flat=True))
            added = []
            for line in lines.values():
                if line.case.pk in have:
                    continue
                if case_is_resolved(line.case, line.rule) or _open_order_item(line.case) is not None:
                    continue
                added.append(MeasureCase(measure=draft, case=line.case, rule=line.rule))
            MeasureCase.objects.bulk_create(added)
            services.link_case_numbers(draft.matter, actor, [m.case.number for m in added])
            _refresh_scan_texts(draft)
            _log(
                draft.matter,
                actor,
                "edit_measure",
                f"从检测线索向{_label(draft)}的案件清单追加{len(added)}件案件",
            )
            _audit("measure.add_cases", actor, draft, draft.matter, count=len(added))
            return draft
        category = SourceCategory.objects.get(item=7)
        today = _today()
        numbers = [line.case.number for line in lines.values()]
        matter = services.register_matter(
            actor,
            services.MatterInput(
                title=_scan_title(court, len(numbers)),
                received_on=today,
                sources=[services.SourceInput(category=category, body="执行案件扫描（第七条）", received_on=today)],
                court_ids=[court.pk],
                case_numbers=numbers,
                content="由执行案件扫描发现、经监督员确认的线索：\n" + "\n".join(
                    f"{c.case.number}：{c.get_rule_display()}" for c in candidates
                ),
                officer=actor if actor.has_role(Role.OFFICER, Role.DIRECTOR) else None,
            ),
            quiet=True,
        )  # fmt: skip
        if matter.officer_id is None or matter.state == MatterState.REGISTERED:
            services.assign(matter, actor, matter.officer or actor)
        services.decide_supervise(matter, actor, finding=Finding.INEFFECTIVE,
                                  opinion="扫描发现并经确认的案件存在第七条所列情形，拟发出督促执行令。")  # fmt: skip
        usable = [line for line in lines.values() if not case_is_resolved(line.case, line.rule)
                  and _open_order_item(line.case) is None]  # fmt: skip
        if not usable:
            raise ServiceError("所选案件均已办理或已列入其他督促执行令。")
        return draft_measure(
            matter, actor, type_code=mt.ORDER, court=court, cases=usable, length=length,
            facts=_scan_facts(len(usable)),
        )  # fmt: skip


# --- reading -----------------------------------------------------------------------------------


def visible_measures(matter: Matter, user: User) -> list[Measure]:
    """The supervising side sees every measure; a basic court — once issued, never a draft — its
    own, the joint measures it has a task in and the rulings designating it."""
    qs = matter.measures.select_related("type", "court", "document", "case", "new_court").order_by("pk")
    if user.is_superuser or matter.supervising_court_id in _visible(user):
        return list(qs)
    court_id = user.court_id or 0
    qs = qs.filter(issued_on__isnull=False)  # a draft (even a withdrawn one) is the bureau's own
    mine = Q(court_id=court_id) | Q(new_court_id=court_id) | Q(tasks__court_id=court_id)
    return list(qs.filter(mine).distinct())


def _visible(user: User) -> frozenset[int]:
    from zhijian.org.scoping import visible_court_ids

    return visible_court_ids(user)


def elevation_suggestions(matter: Matter, today: dt.date | None = None) -> list[MeasureCase]:
    """Listed cases whose order deadline has passed unresolved: 执行程序解释第十二条 says the court
    above shall then take up or designate — the matter page proposes both."""
    today = today or _today()
    return list(
        MeasureCase.objects.filter(
            measure__matter=matter,
            measure__state__in=LIVE,
            resolved_on__isnull=True,
            deadline_links__purpose=DeadlinePurpose.ORDER,
            deadline_links__deadline__due_date__lt=today,
        )
        .select_related("case", "measure")
        .distinct()
        .order_by("pk")
    )


def check_permission_to_take(actor: User | None, matter: Matter) -> bool:
    try:
        _check(actor, "matter", "take_measure", matter.state, matter=matter)
    except (PermissionDenied, ServiceError):
        return False
    return True
