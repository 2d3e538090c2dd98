"""Pages of the supervision measures: drafting a measure from a matter, the measure's page with
its approval chain, case list, tasks and documents, one POST endpoint for every action (the
service decides who may), and the scan page's "列入督促执行令" button."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date

from zhijian.cases.models import EnforcementCase, ScanRule
from zhijian.core.access import NOT_FOUND, acting_user, scoped_or_404, view_access
from zhijian.core.exceptions import ServiceError
from zhijian.org.choices import Role
from zhijian.org.models import Court, User
from zhijian.org.scoping import supervised_subtree_ids, visible_court_ids

from . import measure_types as mt
from . import measures, services
from .models import (
    DeadlinePurpose,
    Matter,
    MatterDeadline,
    Measure,
    MeasureCase,
    MeasureState,
    MeasureTask,
    MeasureType,
    OrderGround,
)
from .registry import COURT_SIDE, REGISTRARS

MEASURE_ROLES = REGISTRARS | COURT_SIDE | {Role.PRESIDENT}
ACTIONS = frozenset(
    {"edit", "remove_case", "record_panel", "submit", "approve", "leader_approve", "return", "sign", "report_case",
     "reopen_case", "request_reconsider", "decide_reconsider", "report_corrected", "report_task", "link_case",
     "extend_deferral", "end_deferral", "urge", "withdraw", "discard", "comment"}
)  # fmt: skip


def _visible_measure(request: HttpRequest, pk: int) -> Measure:
    """404 unless the user sees the matter and, on a basic court, the measure is its own."""
    user = acting_user(request)
    try:
        measure = Measure.objects.select_related(
            "matter", "type", "court", "document", "case", "new_court"
        ).get(pk=pk)
    except (Measure.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc
    if measure not in measures.visible_measures(measure.matter, user):
        raise Http404(NOT_FOUND)
    if not (user.court_id is not None and user.court_id == measure.new_court_id):
        # the designated court is served the ruling without seeing the rest of the matter
        scoped_or_404(Matter.objects.all(), user, measure.matter_id)
    return measure


def _actions(user: User, measure: Measure) -> set[str]:
    from .workflow import MEASURE

    found = set()
    for action in MEASURE:
        for court in {measure.court, *[t.court for t in measure.tasks.all()]}:
            if services.may(user, "measure", action, measure.state, matter=measure.matter, court=court):
                found.add(action)
    code = measure.type.code
    applies = {
        "record_panel": measure.type.is_ruling,
        "report_case": code == mt.ORDER,
        "reopen_case": code == mt.ORDER,
        "urge": code == mt.ORDER and measures.may_urge_order(measure),
        "request_reconsider": code == mt.INSTRUCT and measure.reconsider_at is None and _window_open(measure),
        "report_corrected": code == mt.INSTRUCT,
        "report_task": code in (mt.JOINT, mt.PLAN),
        "link_case": code in (mt.ELEVATE, mt.DESIGNATE) and not measure.new_case_number,
        "extend_deferral": code == mt.DEFER and not measures.deferral_extended(measure),
        "end_deferral": code == mt.DEFER,
        "sign": True,
    }
    return {a for a in found if applies.get(a, True)}


def _window_open(measure: Measure) -> bool:
    """复议 may still be asked: from issue (asking shows receipt) to the window's last day."""
    window = measures._window(measure)
    if window is not None and window.deadline.completed_on is not None:
        return False
    end = measures.window_end(measure)
    return end is None or end >= timezone.localdate()


def measure_context(request: HttpRequest, measure: Measure, **extra: Any) -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType

    from zhijian.documents.models import OfficialDocument

    user = acting_user(request)
    today = timezone.localdate()
    own = (
        None
        if (user.is_superuser or measure.matter.supervising_court_id in visible_court_ids(user))
        else user.court_id
    )
    items: list[Any] = list(measure.case_items.select_related("case", "reported_by").order_by("pk"))
    links = {
        link.measure_case_id: link
        for link in MatterDeadline.objects.filter(measure=measure, purpose=DeadlinePurpose.ORDER).select_related("deadline")
    }  # fmt: skip
    for item in items:
        link = links.get(item.pk)
        item.deadline = link.deadline if link else None
        item.overdue = bool(item.resolved_on is None and item.deadline and item.deadline.due_date
                            and item.deadline.due_date < today)  # fmt: skip
        item.rule_label = dict(ScanRule.choices).get(item.rule, item.rule)
    tasks: list[Any] = list(measure.tasks.select_related("court", "done_by").order_by("pk"))
    for task in tasks:
        link = task.deadline_links.select_related("deadline").first()
        task.deadline = link.deadline if link else None
        task.mine = services.may(
            user, "measure", "report_task", measure.state, matter=measure.matter, court=task.court
        ) and (  # fmt: skip
            user.is_superuser
            or (user.court_id == measure.matter.supervising_court_id)
            == (task.court_id == measure.matter.supervising_court_id)
        )
    deadlines = list(
        MatterDeadline.objects.filter(measure=measure)
        .select_related("deadline", "deadline__court", "measure__type", "measure_case__case", "task__court")
        .order_by("deadline__due_date", "pk")
    )
    if own is not None:
        deadlines = [d for d in deadlines if d.deadline.court_id == own]
    owners = Q(owner_type=ContentType.objects.get_for_model(Measure), owner_id__in=[measure.pk, *[
        m.pk for m in measure.followed_by.all()]])  # fmt: skip
    owners |= Q(owner_type=ContentType.objects.get_for_model(MeasureCase), owner_id__in=[i.pk for i in items])
    owners |= Q(owner_type=ContentType.objects.get_for_model(MatterDeadline),
                owner_id__in=[d.pk for d in deadlines if d.purpose == DeadlinePurpose.URGE])  # fmt: skip
    documents = list(OfficialDocument.objects.visible_to(user).filter(owners).order_by("issued_at", "pk"))
    return {
        "measure": measure,
        "matter": measure.matter,
        "own_court": own,
        "items": items,
        "open_items": [i for i in items if i.resolved_on is None],
        "tasks": tasks,
        "deadlines": deadlines,
        "documents": documents,
        "approvals": list(measure.approvals.select_related("actor")),
        "actions": _actions(user, measure),
        "can_take": own is None and measures.check_permission_to_take(user, measure.matter),
        "companions": list(measure.followed_by.select_related("type", "document", "case")),
        "window": measures._window(measure) if measure.type.code == mt.INSTRUCT else None,
        "may_correct": measures.may_correct(measure)[0]
        if measure.type.code == mt.INSTRUCT and own is None
        else False,
        "overdue": _with_rulings(
            measure, measures.overdue_items(measure) if measure.type.code == mt.ORDER else []
        ),
        "my_open_tasks": [t for t in tasks if t.mine and t.done_on is None],
        "rule_period": rule_period(measure.type.rule_code),
        "today": today,
        "posted": request.POST if request.method == "POST" else QueryDict(),
        **extra,
    }


def _with_rulings(measure: Measure, items: list[MeasureCase]) -> list[MeasureCase]:
    """Mark the overdue cases already taken up by a 提级/指定执行 ruling (not withdrawn), so the
    offer links to it instead of offering a second one."""
    if not items:
        return items
    rulings = {
        m.case_id: m
        for m in measure.matter.measures.filter(type__code__in=[mt.ELEVATE, mt.DESIGNATE])
        .exclude(state=MeasureState.WITHDRAWN)
        .select_related("type")
        .order_by("pk")
    }
    for item in items:
        item.ruling = rulings.get(item.case_id)  # type: ignore[attr-defined]
    return items


@view_access(obj="measure")
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _visible_measure(request, pk)
    return render(request, "supervision/measure_detail.html", measure_context(request, measure))


def _int(value: str, label: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ServiceError(f"{label}应为整数。") from exc


def _id(value: str | None) -> int | None:
    """A primary key from a query string or form; anything else is no choice (never a 500)."""
    value = (value or "").strip()
    return int(value) if value.isdecimal() and len(value) < 12 else None


def _parties(post: QueryDict) -> list[dict[str, str]]:
    """One party per line: 申请执行人：某某 — or just a name (当事人)."""
    rows = []
    for line in (post.get("parties") or "").splitlines():
        line = line.strip()
        if not line:
            continue
        role, sep, name = line.replace(":", "：").partition("：")
        rows.append({"role": role.strip() if sep else "当事人", "name": (name if sep else role).strip()})
    return rows


def _run(action: str, measure: Measure, request: HttpRequest) -> str:  # noqa: PLR0911, PLR0912
    user = acting_user(request)
    p = request.POST
    if action == "comment":
        text = (p.get("text") or "").strip()
        if not text:
            raise ServiceError("请填写意见。", field="text")
        services.comment(measure.matter, user, text=f"（{measure.type.name}）{text}")
        return "已添加意见。"
    if action == "edit":
        measures.edit_measure(measure, user, facts=p.get("facts", ""), requirements=p.get("requirements", ""),
                              length=_int(p.get("length", ""), "期限"), ruling_number=p.get("ruling_number", ""),
                              ruling_items=p.get("ruling_items", ""), parties=_parties(p))  # fmt: skip
        return "已保存。"
    if action == "remove_case":
        item = _item(measure, p)
        measures.remove_case(item, user)
        return f"已从案件清单移除{item.case.number}。"
    if action == "record_panel":
        on = parse_date(p.get("on", "") or "") if p.get("on") else None
        if p.get("on") and on is None:
            raise ServiceError("评议日期格式不正确。", field="on")
        measures.record_panel(measure, user, presiding=p.get("presiding", ""), judges=p.get("judges", ""),
                              clerk=p.get("clerk", ""), opinion=p.get("opinion", ""), on=on)  # fmt: skip
        return "已记录合议庭评议。"
    if action == "submit":
        measures.submit_measure(measure, user)
        return "已提交局长审批。"
    if action == "approve":
        measures.approve_measure(measure, user, comment=p.get("comment", ""))
        return (
            "已报院领导审批。"
            if measure.state == "pending_leader"
            else f"已批准并签发 {measure.document.number if measure.document else ''}。"
        )
    if action == "leader_approve":
        measures.leader_approve(measure, user, comment=p.get("comment", ""))
        return f"已批准并签发 {measure.document.number if measure.document else ''}。"
    if action == "return":
        measures.return_measure(measure, user, comment=p.get("comment", ""))
        return "已退回修改。"
    if action == "sign":
        measures.sign_measure(measure, user)
        return "已签收。"
    if action == "report_case":
        item = _item(measure, p)
        measures.report_case(item, user, note=p.get("note", ""))
        return f"已报告{item.case.number}的办理情况。"
    if action == "reopen_case":
        item = _item(measure, p)
        measures.reopen_case(item, user, reason=p.get("reason", ""))
        return f"已对{item.case.number}的办理报告不予认可。"
    if action == "request_reconsider":
        measures.request_reconsider(measure, user, reason=p.get("reason", ""))
        return "已申请复议。"
    if action == "decide_reconsider":
        if p.get("grant") not in ("0", "1"):
            raise ServiceError("请选择复议审查结果。", field="grant")
        measures.decide_reconsider(measure, user, grant=p.get("grant") == "1", note=p.get("note", ""))
        return "已作出复议审查。"
    if action == "report_corrected":
        measures.report_corrected(measure, user, note=p.get("note", ""))
        return "已报告纠正情况。"
    if action == "report_task":
        task = _task(measure, p)
        measures.report_task(task, user, note=p.get("note", ""))
        return "已报告事项完成。"
    if action == "link_case":
        measures.link_case(measure, user, number=p.get("number", ""))
        return "已关联新案号。"
    if action == "extend_deferral":
        months = _int(p.get("months", ""), "延长期间（月）")
        if months is None:
            raise ServiceError("请填写延长期间（月）。", field="months")
        measures.extend_deferral(measure, user, months=months, reason=p.get("reason", ""))
        return "已批准延长暂缓执行。"
    if action == "end_deferral":
        measures.end_deferral(measure, user, reason=p.get("reason", ""))
        return "已解除暂缓执行。"
    if action == "urge":
        link = measures.urge_order(measure, user)
        return f"已发出催办通知，期限至{link.deadline.due_date}。"
    if action == "discard":
        measures.discard_measure(measure, user)
        return "已放弃该草稿。"
    if action == "withdraw":
        measures.withdraw_measure(measure, user, reason=p.get("reason", ""))
        return "已撤销该措施。"
    raise Http404(NOT_FOUND)


def _item(measure: Measure, post: QueryDict) -> MeasureCase:
    item = (
        measure.case_items.select_related("case").filter(pk=_int(post.get("item", ""), "案件") or 0).first()
    )
    if item is None:
        raise ServiceError("请选择清单中的案件。", field="item")
    return item


def _task(measure: Measure, post: QueryDict) -> MeasureTask:
    task = measure.tasks.select_related("court").filter(pk=_int(post.get("task", ""), "事项") or 0).first()
    if task is None:
        raise ServiceError("请选择事项。", field="task")
    return task


@view_access(obj="measure")
def measure_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft's document (.docx, no number) for the 局长 and 院领导 to read before approving."""
    from urllib.parse import quote

    measure = _visible_measure(request, pk)  # a basic court never sees a draft (404)
    data, name = measures.preview_document(measure)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(name)
    return response


@view_access(obj="measure", roles=MEASURE_ROLES, write=True, post_only=True)
def measure_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404(NOT_FOUND)
    measure = _visible_measure(request, pk)
    back = measures.measure_url(measure)
    try:
        message = _run(action, measure, request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        measure.refresh_from_db()
        return render(request, "supervision/measure_detail.html",
                      measure_context(request, measure, failed=action), status=400)  # fmt: skip
    messages.success(request, message)
    if request.POST.get("next") == "workspace":
        return redirect("supervision:workspace")
    return redirect(back)


# --- drafting ------------------------------------------------------------------------------------


def _new_context(request: HttpRequest, matter: Matter, kind: MeasureType, **extra: Any) -> dict[str, Any]:
    courts = list(matter.courts.order_by("sort_order", "code"))
    court_ids = [c.pk for c in courts]
    case_id = _id(request.POST.get("case") or request.GET.get("case"))  # the form's choice wins
    cases = EnforcementCase.objects.filter(court_id__in=court_ids, status="open").order_by(
        "court_id", "number"
    )
    linked = EnforcementCase.objects.filter(pk__in=matter.case_links.exclude(case=None).values("case_id"))
    follows_id = _id(request.POST.get("follows") or request.GET.get("follows"))
    follows = matter.measures.filter(pk=follows_id).first() if follows_id else None
    case = EnforcementCase.objects.filter(pk=case_id, court_id__in=court_ids).first() if case_id else None
    subtree = supervised_subtree_ids(matter.supervising_court_id)
    return {
        "matter": matter,
        "kind": kind,
        "kinds": MeasureType.objects.all(),
        "courts": courts,
        "linked_cases": list(linked),
        "case": case,
        "case_choices": list(linked) if linked.exists() else list(cases[:200]),
        "follows": follows,
        "grounds": OrderGround.choices,
        "rules": [(v, label) for v, label in ScanRule.choices if v in measures.RULE_GROUNDS],
        # 指定执行: a court below this one, other than the case's own
        "other_courts": Court.objects.filter(pk__in=subtree - {matter.supervising_court_id})
        .exclude(pk__in=[case.court_id] if case else court_ids[:1] if len(court_ids) == 1 else [])
        .order_by("sort_order", "code"),
        "task_courts": Court.objects.filter(pk__in={matter.supervising_court_id, *subtree}).order_by(
            "sort_order", "code"
        ),
        "default_parties": "\n".join(f"{p['role']}：{p['name']}" for p in measures.default_parties(case)),
        "defer_cap": _defer_cap(),
        "task_rows": _task_rows(request.POST if request.method == "POST" else QueryDict()),
        "rule_period": rule_period(kind.rule_code),
        "posted": request.POST if request.method == "POST" else QueryDict(),
        **extra,
    }


def rule_period(code: str) -> str:
    """The period a rule gives by default, in words (“30日”), for the forms' “空为按规则”."""
    from zhijian.legaltime import services as clock
    from zhijian.legaltime.choices import UnitChoice

    if not code:
        return ""
    try:
        rule = clock.rule_in_force(code, timezone.localdate())
    except ServiceError:
        return ""
    units: dict[str, str] = {
        UnitChoice.DAYS: "日",
        UnitChoice.WORKDAYS: "个工作日",
        UnitChoice.MONTHS: "个月",
    }
    unit = units.get(rule.unit, "")
    return f"{rule.length}{unit}" if unit else ""


def _task_rows(post: QueryDict, rows: int = 5) -> list[dict[str, str]]:
    """The task lines as typed (kept when the form comes back with an error), padded to ``rows``."""
    typed = [
        {"court": c, "task": t, "days": d}
        for c, t, d in zip(
            post.getlist("task_court"), post.getlist("task_text"), post.getlist("task_days"), strict=False
        )  # fmt: skip
    ]
    return typed + [{"court": "", "task": "", "days": ""}] * max(0, rows - len(typed))


def _defer_cap() -> int | None:
    from zhijian.legaltime import services as clock

    try:
        return clock.rule_in_force("SUP_DEFER", timezone.localdate()).length
    except ServiceError:  # the rule not seeded (yet): no cap shown; the service will refuse
        return None


def _case_lines(matter: Matter, post: QueryDict) -> list[measures.CaseLine]:
    """Order lines: one case number per line, optionally ``案号 规则代码 期限``."""
    known = dict(Court.objects.values_list("code", "name"))
    lines: list[measures.CaseLine] = []
    rule_default = post.get("rule") or ScanRule.ART7A
    for n, raw in enumerate((post.get("cases") or "").splitlines(), start=1):
        raw = raw.strip()
        if not raw:
            continue
        parts = raw.split()
        from zhijian.cases.numbers import CaseNumberError, parse

        try:
            number = str(parse(parts[0], known_courts=known, current_year=timezone.localdate().year))
        except CaseNumberError as exc:
            raise ServiceError(f"案件清单第{n}行：案号格式不正确（{exc}）。", field="cases") from exc
        case = EnforcementCase.objects.filter(number=number).first()
        if case is None:
            raise ServiceError(f"案件清单第{n}行：系统中没有案件{number}（请先导入案件）。", field="cases")
        length = _int(parts[1], f"案件清单第{n}行的期限") if len(parts) > 1 else None
        lines.append(measures.CaseLine(case=case, rule=rule_default, length=length))
    return lines


def _task_lines(post: QueryDict) -> list[measures.TaskLine]:
    tasks = []
    courts = {str(c.pk): c for c in Court.objects.all()}
    for court_id, task, length in zip(post.getlist("task_court"), post.getlist("task_text"), post.getlist("task_days"),
                                      strict=False):  # fmt: skip
        if not (task or "").strip():
            continue
        court = courts.get(court_id)
        if court is None:
            raise ServiceError("请选择承办法院。", field="tasks")
        days = _int(length, "完成期限（日）")
        if days is None:
            raise ServiceError(f"请填写“{task.strip()}”的完成期限（日）。", field="tasks")
        tasks.append(measures.TaskLine(court=court, task=task, length=days))
    return tasks


@view_access(obj="matter", roles=REGISTRARS, write=True)
def measure_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    matter = scoped_or_404(Matter.objects.select_related("supervising_court"), user, pk)
    code = request.POST.get("type") or request.GET.get("type") or mt.ORDER
    kind = MeasureType.objects.filter(code=code).first()
    if kind is None:
        raise Http404(NOT_FOUND)
    if not measures.check_permission_to_take(user, matter):
        # the page explains instead of refusing: measures are taken while a matter is 督办中
        return render(request, "supervision/measure_new.html", _new_context(
            request, matter, kind, blocked=f"本事项当前为“{matter.get_state_display()}”：监督措施须在“督办中”"
            "由督办法院的监督员或局长采取（先在事项页“决定督办”）。"))  # fmt: skip
    if request.method != "POST":
        return render(request, "supervision/measure_new.html", _new_context(request, matter, kind))
    p = request.POST
    try:
        court = matter.courts.filter(pk=_int(p.get("court", ""), "法院") or 0).first()
        if court is None:
            raise ServiceError("请选择被监督法院。", field="court")
        ctx = _new_context(request, matter, kind)
        new_court = Court.objects.filter(pk=_int(p.get("new_court", ""), "法院") or 0).first()
        measure = measures.draft_measure(
            matter, user, type_code=kind.code, court=court, facts=p.get("facts", ""),
            requirements=p.get("requirements", ""), case=ctx["case"],
            cases=_case_lines(matter, p) if kind.code == mt.ORDER else (),
            tasks=_task_lines(p) if kind.code in (mt.JOINT, mt.PLAN) else (),
            length=_int(p.get("length", ""), "期限"), ground=p.get("ground", ""), new_court=new_court,
            follows=ctx["follows"] if kind.code in (mt.CORRECT, mt.ELEVATE, mt.DESIGNATE) else None, parties=_parties(p) or None, ruling_items=p.get("ruling_items", ""),
            ruling_number=p.get("ruling_number", ""),
            defer_months=_int(p.get("defer_months", ""), "暂缓执行期间（月）"),
        )  # fmt: skip
    except ServiceError as exc:
        # the form again with what was typed (200: a form shown with its error)
        messages.error(request, exc.message)
        return render(
            request,
            "supervision/measure_new.html",
            _new_context(request, matter, kind, failed=True, error_field=exc.field or ""),
        )
    messages.success(request, f"已起草{measure.type.name}。")
    return redirect(measures.measure_url(measure))


@view_access(roles=REGISTRARS, write=True, post_only=True)
def order_from_scan(request: HttpRequest) -> HttpResponse:
    """The scan page's second button: confirm the ticked candidates (one court) and list their
    cases on that court's draft 督促执行令."""
    user = acting_user(request)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    try:
        length = _int(request.POST.get("order_days", ""), "期限（日）")
        measure = measures.order_from_candidates(ids, user, length=length)
    except ServiceError as exc:
        messages.error(request, exc.message)
        # back to the scan page with the ticks kept (as its own 确认/排除 does)
        from django.urls import reverse

        kept = QueryDict(mutable=True)
        kept.update(QueryDict(request.POST.get("back", "")))
        kept.setlist("sel", [str(i) for i in ids[:500]])
        kept["order_days"] = request.POST.get("order_days", "")[:6]
        return redirect(f"{reverse('cases:scan')}?{kept.urlencode()}")
    messages.success(
        request,
        f"已列入{measure.matter.number}的督促执行令草稿（{measure.case_items.count()}件），请核对后提交局长审批。",
    )
    return redirect(measures.measure_url(measure))


def parse_day(text: str) -> dt.date | None:
    return parse_date(text) if text else None
