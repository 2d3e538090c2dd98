"""The actions of ``POST /api/v1/matters/{id}/transition/``: the same names as the pages'
action URLs (``supervision.views.CITY_ACTIONS`` / ``COURT_ACTIONS``), each calling its service
function directly. Which actions a user may take now comes from ``services.may`` — the test the
services themselves make — through the page's ``detail_context``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Model
from django.http import Http404

from zhijian.core.access import NOT_FOUND
from zhijian.core.exceptions import ServiceError
from zhijian.org.models import Court, User
from zhijian.supervision import services
from zhijian.supervision.models import (
    ExtensionRequest,
    InfoRequest,
    Letter,
    LetterState,
    Matter,
    MatterDeadline,
    MatterSource,
    Report,
    SourceCategory,
)
from zhijian.supervision.registry import COURT_SIDE, REGISTRARS
from zhijian.supervision.views import CITY_ACTIONS, COURT_ACTIONS, _own_court_only
from zhijian.supervision.workflow import TABLES

# workflow table action → API action, per item table
ITEM_ACTIONS: dict[str, dict[str, str]] = {
    "letter": {
        "edit": "edit_letter", "submit": "submit_letter", "approve": "approve_letter",
        "return": "return_letter", "sign": "sign_letter", "draft_report": "draft_report", "void": "void_letter",
    },
    "report": {
        "edit": "edit_report", "submit": "submit_report", "approve": "approve_report",
        "return": "return_report", "accept": "accept_report", "reject": "reject_report",
    },
    "request": {"answer": "answer_request", "withdraw": "withdraw_request"},
}  # fmt: skip

ACTION_LABELS: dict[str, str] = {
    **{name: row.label for name, row in TABLES["matter"].items() if name in CITY_ACTIONS | COURT_ACTIONS},
    **{api: TABLES[table][row].label for table, names in ITEM_ACTIONS.items() for row, api in names.items()},
    "take": "领办",
    "link_cases": "关联案件",
}
assert set(ACTION_LABELS) == CITY_ACTIONS | COURT_ACTIONS, set(ACTION_LABELS) ^ (CITY_ACTIONS | COURT_ACTIONS)


def role_allows(user: User, action: str) -> bool:
    """The pages' gate: the supervising bureau's actions need 监督员/局长, the basic court's need
    联络专人/基层执行局长 (the services then check the court relation and the state)."""
    if user.is_superuser:
        return True
    return (action in CITY_ACTIONS and user.has_role(*REGISTRARS)) or (
        action in COURT_ACTIONS and user.has_role(*COURT_SIDE)
    )


def item_actions(user: User, table: str, allowed: set[str]) -> list[str]:
    names = ITEM_ACTIONS[table]
    return sorted(names[a] for a in allowed if a in names and role_allows(user, names[a]))


def allowed_actions(user: User, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action the user may take now, with the object it applies to."""
    result: list[dict[str, Any]] = []

    def add(action: str, **ids: int) -> None:
        if role_allows(user, action):
            result.append({"action": action, "label": ACTION_LABELS[action], **ids})

    matter_actions: set[str] = set(ctx["actions"])
    for name in sorted(matter_actions):
        if name in ("request_extension", "decide_extension", "report_to_source", "urge"):
            continue
        if name in ACTION_LABELS:
            add(name)
    if "assign" in matter_actions:
        add("take")
    if "edit" in matter_actions:
        add("link_cases")
    if "report_to_source" in matter_actions:
        for src in ctx["sources_to_report"]:
            add("report_to_source", source=src.pk)
    if "decide_extension" in matter_actions:
        for ext in ctx["pending_extensions"]:
            add("decide_extension", extension=ext.pk)
    for link in ctx.get("urgeable", []):
        add("urge", link=link.pk)
    if ctx["can_request_extension"]:
        for link in ctx["extendable_links"]:
            add("request_extension", link=link.pk)
    for letter in ctx["letters"]:
        for name in item_actions(user, "letter", getattr(letter, "actions", set())):
            add(name, letter=letter.pk)
        for report in getattr(letter, "report_list", []):
            for name in item_actions(user, "report", getattr(report, "actions", set())):
                add(name, report=report.pk)
    for req in ctx["requests"]:
        for name in item_actions(user, "request", getattr(req, "actions", set())):
            add(name, request=req.pk)
    return result


# --- looking up the object of an action --------------------------------------------------------


def _child[M: Model](
    model: type[M], matter: Matter, field: str, value: int | None, name: str, **lookup: Any
) -> M:
    if value is None:
        raise ServiceError("请求缺少办理对象。", field=name)
    obj = model._default_manager.filter(pk=value, **{field: matter}, **lookup).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def _letter(matter: Matter, data: dict[str, Any], user: User) -> Letter:
    own = _own_court_only(user, matter)
    if own is None:
        return _child(Letter, matter, "matter", data.get("letter"), "letter")
    # a basic court sees (and acts on) only its own letters once issued, as on the page
    letter = _child(Letter, matter, "matter", data.get("letter"), "letter", court_id=own)
    if letter.state in (LetterState.DRAFT, LetterState.PENDING):
        raise Http404(NOT_FOUND)
    return letter


def _report(matter: Matter, data: dict[str, Any], user: User) -> Report:
    own = _own_court_only(user, matter)
    extra = {"court_id": own} if own is not None else {}
    return _child(Report, matter, "letter__matter", data.get("report"), "report", **extra)


def _request(matter: Matter, data: dict[str, Any], user: User) -> InfoRequest:
    own = _own_court_only(user, matter)
    extra = {"court_id": own} if own is not None else {}
    return _child(InfoRequest, matter, "matter", data.get("request"), "request", **extra)


def _court(matter: Matter, data: dict[str, Any]) -> Court:
    value = data.get("court")
    court = matter.courts.filter(pk=value).first() if value is not None else None
    if court is None:
        raise ServiceError("请选择本事项的被监督法院。", field="court")
    return court


def source_input(data: dict[str, Any], default_received: Any = None) -> services.SourceInput:
    category = SourceCategory.objects.filter(item=data["category"]).first()
    if category is None:
        raise ServiceError("请选择监督来源类别（第三条）。", field="sources")
    received = data.get("received_on") or default_received
    if received is None:
        raise ServiceError("请填写收到日期。", field="received_on")
    report_back = bool(data.get("report_back"))
    return services.SourceInput(
        category=category,
        body=data.get("body", ""),
        received_on=received,
        doc_number=data.get("doc_number", ""),
        doc_date=data.get("doc_date"),
        instructor=data.get("instructor", ""),
        instruction=data.get("instruction", ""),
        instruction_date=data.get("instruction_date"),
        report_back=report_back,
        report_rule=data.get("report_rule", "") if report_back else "",
        report_by=data.get("report_by"),
    )


# --- the dispatcher ----------------------------------------------------------------------------

Handler = Callable[[Matter, User, dict[str, Any], Any], Any]


def _assign(m: Matter, u: User, d: dict[str, Any], f: Any) -> None:
    officer = User.objects.filter(pk=d.get("officer") or 0).first()
    if officer is None:
        raise ServiceError("请选择承办人。", field="officer")
    services.assign(m, u, officer)


def _edit(m: Matter, u: User, d: dict[str, Any], f: Any) -> None:
    changes = {k: d[k] for k in ("title", "content", "external_ref") if k in d}
    if not changes:
        raise ServiceError("请填写要修改的内容（title、content 或 external_ref）。")
    services.update_matter(m, u, reason=d.get("reason", ""), **changes)


def _add_source(m: Matter, u: User, d: dict[str, Any], f: Any) -> None:
    if not d.get("new_source"):
        raise ServiceError("请填写追加的来源（new_source）。", field="new_source")
    services.add_source(m, u, source_input(d["new_source"]))


def _attach(m: Matter, u: User, d: dict[str, Any], f: Any) -> None:
    files = f.getlist("files")
    if not files:
        raise ServiceError("请选择要上传的文件。", field="files")
    services.add_attachments(m, u, files)


def _request_info(m: Matter, u: User, d: dict[str, Any], f: Any) -> None:
    services.request_info(m, u, court=_court(m, d), kind=d.get("kind") or "", details=d["details"],
                          meeting_at=d.get("meeting_at"), place=d["place"], attendees=d["attendees"])  # fmt: skip


def _report_length(d: dict[str, Any]) -> int | None:
    value = d.get("report_length")
    return int(value) if value is not None else None


def _extension_length(d: dict[str, Any]) -> int:
    if d.get("length") is None:
        raise ServiceError("请填写延长天数。", field="length")
    return int(d["length"])


def _request_extension(m: Matter, u: User, d: dict[str, Any], f: Any) -> None:
    link = _child(MatterDeadline, m, "matter", d.get("link"), "link")
    own = _own_court_only(u, m)
    if own is not None and link.deadline.court_id != own:
        raise Http404(NOT_FOUND)
    services.request_extension(link, u, length=_extension_length(d), reason=d["reason"])


def _files(f: Any, name: str = "files") -> Sequence[Any]:
    return list(f.getlist(name)) if f is not None else []


HANDLERS: dict[str, Handler] = {
    "assign": _assign,
    "take": lambda m, u, d, f: services.assign(m, u, u),
    "edit": _edit,
    "add_source": _add_source,
    "link_cases": lambda m, u, d, f: services.link_case_numbers(m, u, d.get("case_numbers") or []),
    "attach": _attach,
    "request_info": _request_info,
    "propose_reply": lambda m, u, d, f: services.propose_reply(
        m, u, finding=d.get("finding") or "", opinion=d["opinion"]),
    "decide_supervise": lambda m, u, d, f: services.decide_supervise(
        m, u, finding=d.get("finding") or "", opinion=d["opinion"]),
    "approve_reply": lambda m, u, d, f: services.approve_reply(m, u, comment=d["comment"]),
    "return_reply": lambda m, u, d, f: services.return_reply(m, u, comment=d["comment"]),
    "record_reply": lambda m, u, d, f: services.record_reply(
        m, u, mode=d["mode"], note=d["note"], transcript=f.get("transcript") if f is not None else None,
        addressee=d["addressee"]),
    "draft_letter": lambda m, u, d, f: services.draft_letter(
        m, u, court=_court(m, d), facts=d["facts"], requirements=d["requirements"],
        report_length=_report_length(d)),
    "edit_letter": lambda m, u, d, f: services.edit_letter(
        _letter(m, d, u), u, facts=d["facts"], requirements=d["requirements"],
        report_length=_report_length(d)),
    "submit_letter": lambda m, u, d, f: services.submit_letter(_letter(m, d, u), u),
    "approve_letter": lambda m, u, d, f: services.approve_letter(_letter(m, d, u), u, comment=d["comment"]),
    "return_letter": lambda m, u, d, f: services.return_letter(_letter(m, d, u), u, comment=d["comment"]),
    "void_letter": lambda m, u, d, f: services.void_letter(_letter(m, d, u), u, reason=d["reason"]),
    "sign_letter": lambda m, u, d, f: services.sign_letter(_letter(m, d, u), u),
    "draft_report": lambda m, u, d, f: services.draft_report(
        _letter(m, d, u), u, mode=d["mode"], text=d["text"], reporter=d["reporter"],
        reported_on=d.get("reported_on"), files=_files(f)),
    "edit_report": lambda m, u, d, f: services.edit_report(
        _report(m, d, u), u, mode=d["mode"], text=d["text"], reporter=d["reporter"],
        reported_on=d.get("reported_on"), files=_files(f)),
    "submit_report": lambda m, u, d, f: services.submit_report(_report(m, d, u), u),
    "approve_report": lambda m, u, d, f: services.approve_report(_report(m, d, u), u),
    "return_report": lambda m, u, d, f: services.return_report(_report(m, d, u), u, comment=d["comment"]),
    "accept_report": lambda m, u, d, f: services.accept_report(
        _report(m, d, u), u, assessment=d["assessment"]),
    "reject_report": lambda m, u, d, f: services.reject_report(
        _report(m, d, u), u, assessment=d["assessment"]),
    "answer_request": lambda m, u, d, f: services.answer_request(
        _request(m, d, u), u, answer=d["answer"], files=_files(f)),
    "withdraw_request": lambda m, u, d, f: services.withdraw_request(_request(m, d, u), u, reason=d["reason"]),
    "finish_supervision": lambda m, u, d, f: services.finish_supervision(m, u, reason=d["reason"]),
    "conclude": lambda m, u, d, f: services.conclude(m, u, summary=d["summary"]),
    "report_to_source": lambda m, u, d, f: services.report_to_source(
        _child(MatterSource, m, "matter", d.get("source"), "source"), u, note=d["note"],
        issue_letter=bool(d.get("issue_letter", True))),
    "cancel": lambda m, u, d, f: services.cancel(m, u, reason=d["reason"]),
    "comment": lambda m, u, d, f: services.comment(m, u, text=d["text"]),
    "request_extension": _request_extension,
    "decide_extension": lambda m, u, d, f: services.decide_extension(
        _child(ExtensionRequest, m, "matter", d.get("extension"), "extension"), u,
        approve=bool(d.get("approve")), note=d["note"]),
    "urge": lambda m, u, d, f: services.urge(_child(MatterDeadline, m, "matter", d.get("link"), "link"), u),
}  # fmt: skip
assert set(HANDLERS) == set(ACTION_LABELS)


def perform(action: str, matter: Matter, user: User, data: dict[str, Any], files: Any) -> None:
    """Run ``action``; raises ``ServiceError``/``Conflict``/``PermissionDenied``/``Http404``."""
    from django.core.exceptions import PermissionDenied

    if action not in HANDLERS:
        raise ServiceError(f"未知的操作：{action}", field="action")
    if not role_allows(user, action):
        raise PermissionDenied(f"您的角色无权{ACTION_LABELS[action]}。")
    HANDLERS[action](matter, user, data, files)
