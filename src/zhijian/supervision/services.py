"""Every state change of a supervision matter — one function per action.

Each function: checks the action against ``workflow.py`` (state and role), the actor's relation
to the court (the supervising bureau, or the addressed court's designated contact / 执行局长),
changes the state with a compare-and-swap UPDATE (a lost race raises ``Conflict``: 已由他人处理),
writes the timeline entry and the audit event in the same transaction, and opens or completes
the legal-clock deadlines that go with the step. Notifications go out with the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from zhijian.audit.services import record, snapshot
from zhijian.core.exceptions import Conflict, ServiceError
from zhijian.legaltime import services as clock
from zhijian.legaltime.choices import DeadlineKind, UnitChoice
from zhijian.legaltime.models import Deadline
from zhijian.legaltime.periods import days_between, window_start
from zhijian.org.choices import Role
from zhijian.org.models import Court, User
from zhijian.org.scoping import is_read_only, supervised_subtree_ids, writable_court_ids

from . import workflow
from .models import (
    Attachment,
    AttachmentKind,
    DeadlinePurpose,
    Decision,
    EntryKind,
    ExtensionRequest,
    ExtensionState,
    Finding,
    InfoRequest,
    Letter,
    LetterState,
    Matter,
    MatterCase,
    MatterCounter,
    MatterCourt,
    MatterDeadline,
    MatterSource,
    MatterState,
    Report,
    ReportMode,
    ReportState,
    RequestKind,
    RequestState,
    SavedFilter,
    SourceCategory,
    TimelineEntry,
)

logger = logging.getLogger(__name__)

REQUEST_RULES = {RequestKind.FILE: "SUP_FILE", RequestKind.EXPLAIN: "SUP_EXPLAIN"}
REQUEST_DOCS = {
    RequestKind.FILE: "file_request",
    RequestKind.EXPLAIN: "explain_request",
    RequestKind.BRIEFING: "report_request",
}
SOURCE_RULES = {
    "SOURCE_REPLY": "向来源报告结果（默认60日）",
    "SOURCE_REPLY_PROCURATORATE": "检察建议回复（3个月，经院长批准可延长1个月）",
    "SOURCE_REPLY_NPC": "人大交办件报告（3个月）",
}
PURPOSE_KINDS = {
    DeadlinePurpose.REVIEW: DeadlineKind.REVIEW,
    DeadlinePurpose.LETTER: DeadlineKind.LETTER,
    DeadlinePurpose.SIGN: DeadlineKind.SIGN,
    DeadlinePurpose.REPORT: DeadlineKind.REPORT,
    DeadlinePurpose.REQUEST: DeadlineKind.REQUEST,
    DeadlinePurpose.CONCLUDE: DeadlineKind.MATTER,
    DeadlinePurpose.SOURCE: DeadlineKind.SOURCE_REPLY,
    DeadlinePurpose.URGE: DeadlineKind.URGE,
    DeadlinePurpose.ORDER: DeadlineKind.ORDER,
    DeadlinePurpose.WINDOW: DeadlineKind.WINDOW,
    DeadlinePurpose.CORRECT: DeadlineKind.CORRECTION,
    DeadlinePurpose.TASK: DeadlineKind.TASK,
}
ALLOWED_UPLOADS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc",
}


# --- who may act -------------------------------------------------------------------------------


def _row(table: str, action: str) -> workflow.T:
    return workflow.TABLES[table][action]


def acts_for(actor: User, court_id: int) -> bool:
    """Whether ``actor`` acts as the bureau of ``court_id``: a member of that court, or holder of
    a write grant to it — never a court above it (a higher court's 局长 does not sign the city
    court's letters)."""
    if actor.court_id == court_id:
        return True
    if court_id not in writable_court_ids(actor):  # cached per request: no query for most users
        return False
    from zhijian.org.scoping import _grant_court_ids

    return court_id in _grant_court_ids(actor, write=True)


def _is_contact(actor: User, court: Court) -> bool:
    return actor.pk in (court.contact_id, court.deputy_contact_id)


def may(
    actor: User | None, table: str, action: str, state: str, *, matter: Matter, court: Court | None = None
) -> bool:
    """Whether ``actor`` may take ``action`` now — the same test the service makes, used by the
    pages to show only the actions a user can take."""
    try:
        _check(actor, table, action, state, matter=matter, court=court)
    except (PermissionDenied, ServiceError):
        return False
    return True


def _check(
    actor: User | None, table: str, action: str, state: str, *, matter: Matter, court: Court | None = None
) -> workflow.T:
    row = _row(table, action)
    if state not in row.sources:
        label = _state_label(table, state)
        raise ServiceError(f"当前状态（{label}）不能{row.label}。")
    if actor is None or actor.is_superuser:
        return row
    if not actor.is_active:
        raise PermissionDenied("您的账号已停用。")
    if is_read_only(actor):
        raise PermissionDenied("您的账号为只读账号，不能办理此项操作。")
    city_ok = bool(actor.role_codes & row.roles) and acts_for(actor, matter.supervising_court_id)
    court_ok = False
    if court is not None and actor.court_id == court.pk:
        if Role.CONTACT in row.roles and _is_contact(actor, court):
            court_ok = True
        if Role.BASIC_DIRECTOR in row.roles and actor.has_role(Role.BASIC_DIRECTOR):
            court_ok = True
    if row.side == "city" and city_ok:
        return row
    if row.side == "court" and court_ok:
        return row
    if row.side == "either" and (city_ok or court_ok):
        return row
    raise PermissionDenied(f"您无权{row.label}。")


def _state_label(table: str, state: str) -> str:
    from .models import LetterState, MatterState, MeasureState, ReportState

    enum = {
        "matter": MatterState, "letter": LetterState, "report": ReportState, "request": RequestState,
        "measure": MeasureState,
    }[table]  # fmt: skip
    try:
        return str(enum(state).label)
    except ValueError:
        return state


def _cas(model: type[models.Model], obj: Any, table: str, action: str, **changes: Any) -> None:
    """Move ``obj`` along the table row with one UPDATE … WHERE state IN (allowed); nothing
    updated means someone else moved it first."""
    row = _row(table, action)
    values = dict(changes)
    if row.target is not None:
        values["state"] = row.target
    if any(f.name == "updated_at" for f in model._meta.get_fields()):
        values["updated_at"] = timezone.now()
    if not values:
        values["state"] = obj.state
    updated = model._default_manager.filter(pk=obj.pk, state__in=row.sources).update(**values)
    if updated != 1:
        raise Conflict()
    for name, value in values.items():
        setattr(obj, name, value)


def _log(
    matter: Matter,
    actor: User | None,
    action: str,
    text: str,
    *,
    court: Court | None = None,
    letter: Letter | None = None,
    kind: str = EntryKind.EVENT,
) -> None:
    TimelineEntry.objects.create(
        matter=matter, actor=actor, action=action, text=text, court=court, letter=letter, kind=kind
    )


def _audit(action: str, actor: User | None, target: models.Model, matter: Matter, **extra: Any) -> None:
    record(
        f"supervision.{action}",
        actor=actor,
        target=target,
        court=matter.supervising_court,
        after={"matter": matter.number, **extra},
        reason=str(extra.get("reason", "")),
    )


def _notify(  # noqa: PLR0913
    actor: User | None,
    users: Iterable[User | None],
    *,
    kind: str,
    title: str,
    url: str,
    key: str,
    court: Court | None = None,
) -> None:
    from zhijian.notifications.services import notify

    actor_id = actor.pk if actor is not None else None  # nobody is told of their own action
    recipients = [u for u in users if u is not None and u.pk != actor_id]
    if recipients:
        notify(recipients, kind=kind, title=title, url=url, key=key, court=court)


def _court_directors(court: Court) -> list[User]:
    return list(User.objects.filter(court=court, is_active=True, role_assignments__role=Role.BASIC_DIRECTOR))


def _city_directors(court: Court) -> list[User]:
    return list(User.objects.filter(court=court, is_active=True, role_assignments__role=Role.DIRECTOR))


def _contacts(court: Court) -> list[User]:
    return [u for u in (court.contact, court.deputy_contact) if u is not None and u.is_active]


# --- deadlines ---------------------------------------------------------------------------------


def _open(
    matter: Matter,
    purpose: str,
    *,
    title: str,
    court: Court,
    start: dt.date,
    owner: User | None,
    rule_code: str = "",
    length: int | None = None,
    unit: str = "",
    letter: Letter | None = None,
    request: InfoRequest | None = None,
    source: MatterSource | None = None,
    follows: MatterDeadline | None = None,
    measure: Any = None,
    measure_case: Any = None,
    task: Any = None,
) -> Deadline:
    deadline = clock.create_deadline(
        actor=None,
        title=f"{matter.number} {title}",
        court=court,
        start_date=start,
        kind=PURPOSE_KINDS[DeadlinePurpose(purpose)],
        owner=owner,
        rule_code=rule_code,
        length=length,
        unit=unit,
        expedited=matter.expedited and bool(rule_code) and _rule_has_expedited(rule_code, start),
        note=f"监督事项 {matter.number}",
    )
    MatterDeadline.objects.create(
        matter=matter, deadline=deadline, purpose=purpose, letter=letter, request=request, source=source,
        follows=follows, measure=measure, measure_case=measure_case, task=task,
    )  # fmt: skip
    return deadline


def _rule_has_expedited(code: str, on: dt.date) -> bool:
    return bool(clock.rule_in_force(code, on).expedited_length)


def _complete(
    links: Iterable[MatterDeadline], on: dt.date, *, closed: str = "", actor: User | None = None
) -> None:
    """End the linked deadlines through the legal clock (audited there): met on ``on`` — or, with
    ``closed``, ended because their object was withdrawn, voided or cancelled (neither met nor
    late: 已撤销（不计）)."""
    clock.finish_owned([link.deadline_id for link in links], actor=actor, on=on, closed=closed)


def _links(matter: Matter, purpose: str, **filters: Any) -> list[MatterDeadline]:
    return list(
        MatterDeadline.objects.select_related("deadline").filter(
            matter=matter, purpose=purpose, deadline__completed_on__isnull=True, **filters
        )
    )


def deadline_due(matter: Matter, purpose: str, **filters: Any) -> dt.date | None:
    link = (
        MatterDeadline.objects.select_related("deadline")
        .filter(matter=matter, purpose=purpose, **filters)
        .order_by("-pk")
        .first()
    )
    return link.deadline.due_date if link is not None else None


# --- intake (Art. 3) ---------------------------------------------------------------------------


@dataclass
class SourceInput:
    category: SourceCategory
    body: str
    received_on: dt.date
    doc_number: str = ""
    doc_date: dt.date | None = None
    instructor: str = ""
    instruction: str = ""
    instruction_date: dt.date | None = None
    report_back: bool = False
    report_rule: str = ""
    report_by: dt.date | None = None


@dataclass
class MatterInput:
    title: str
    received_on: dt.date
    sources: list[SourceInput]
    court_ids: list[int] = field(default_factory=list)
    case_numbers: list[str] = field(default_factory=list)
    content: str = ""
    channel: str = "paper"
    external_ref: str = ""
    anonymous: bool = False
    complainant_name: str = ""
    complainant_id_number: str = ""
    complainant_phone: str = ""
    complainant_address: str = ""
    group_petition: bool = False
    expedited: bool = False
    expedited_reason: str = ""
    expedited_by: str = ""
    officer: User | None = None


def _known_courts() -> dict[str, str]:
    return dict(Court.objects.values_list("code", "name"))


def clean_case_numbers(texts: Iterable[str]) -> list[str]:
    """Normalise related case numbers (one per line or separated by ， ； spaces); an old-style
    …字第…号 number is kept as written; anything else is refused with the parser's reason."""
    from zhijian.cases.numbers import CaseNumberError, parse

    known = _known_courts()
    year = timezone.localdate().year
    result: list[str] = []
    for text in texts:
        text = text.strip()
        if not text:
            continue
        try:
            number = parse(text, known_courts=known, current_year=year, allow_legacy=True)
        except CaseNumberError as exc:
            raise ServiceError(f"关联案号“{text}”：{exc.reason}", field="case_numbers") from exc
        if number.normalized not in result:
            result.append(number.normalized)
    return result


def _validate_source(src: SourceInput, today: dt.date) -> None:
    if not src.body.strip():
        raise ServiceError(f"请填写来源“{src.category.name}”的来文单位或来源。", field="sources")
    if src.received_on > today:
        raise ServiceError("收到日期不能晚于今天。", field="received_on")
    if src.category.is_leader and not (src.instructor.strip() and src.instruction_date):
        raise ServiceError("领导批示类来源须填写批示人和批示日期。", field="sources")
    if src.doc_date is not None and src.doc_date > src.received_on:
        raise ServiceError("来文日期不能晚于收到日期。", field="sources")
    if src.instruction_date is not None and src.instruction_date > today:
        raise ServiceError("批示日期不能晚于今天。", field="sources")
    if src.report_back and not (src.report_rule or src.report_by):
        raise ServiceError("须报告结果的来源，请选择报告期限规则或填写报告期限。", field="sources")
    if src.report_rule and src.report_rule not in SOURCE_RULES:
        raise ServiceError("未知的报告期限规则。", field="sources")
    if src.report_by is not None and src.report_by < src.received_on:
        raise ServiceError("报告期限不能早于收到日期。", field="sources")


def _check_identity(id_number: str, phone: str) -> None:
    """A resident ID card number has 15 or 18 characters (17 digits and a digit or X); other
    documents (passport, 统一社会信用代码) carry letters and are kept as written. A phone number
    has at least 7 digits and only digits, spaces, + - ( ) and 转."""
    import re
    import unicodedata

    value = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", id_number or "")).upper()
    if value and re.fullmatch(r"[0-9X]+", value) and not re.fullmatch(r"\d{15}|\d{17}[0-9X]", value):
        raise ServiceError(
            f"证件号码“{id_number.strip()}”不是15位或18位的身份证号码。", field="complainant_id_number"
        )
    tel = unicodedata.normalize("NFKC", phone or "").strip()
    if tel and (not re.fullmatch(r"[\d\s+\-()转]+", tel) or len(re.sub(r"\D", "", tel)) < 7):
        raise ServiceError(f"联系电话“{phone.strip()}”不是有效的电话号码。", field="complainant_phone")


def _next_number(court: Court, year: int) -> str:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                counter, _ = MatterCounter.objects.select_for_update().get_or_create(court=court, year=year)
                break
        except IntegrityError:
            continue
    counter = MatterCounter.objects.select_for_update().get(court=court, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}督{counter.last:04d}"


def register_matter(
    actor: User | None,
    data: MatterInput,
    *,
    supervising_court: Court | None = None,
    counted_from: dt.date | None = None,
    quiet: bool = False,
) -> Matter:
    """Register a new matter (Art. 3) with its sources, courts and related cases; opens the
    review and conclusion limits from today — or from ``counted_from`` (the go-live import counts
    a ledger's matter from its original 收到日期, so an old matter is as late as it really is) —
    and each source's report-back limit; unless ``quiet``, notifies the officer (or, unassigned,
    the directors)."""
    court = supervising_court or (actor.court if actor is not None else None)
    if court is None:
        raise ServiceError("无法确定督办法院。")
    today = timezone.localdate()
    if actor is not None and not actor.is_superuser:
        if not (actor.has_role(Role.OFFICER, Role.DIRECTOR) and acts_for(actor, court.pk)):
            raise PermissionDenied("只有本院监督员或局长可以登记监督事项。")
        if is_read_only(actor):
            raise PermissionDenied("您的账号为只读账号，不能办理此项操作。")
    title = data.title.strip()
    if not title:
        raise ServiceError("请填写事由。", field="title")
    if data.received_on > today:
        raise ServiceError("收到日期不能晚于今天。", field="received_on")
    if counted_from is not None and counted_from > today:
        raise ServiceError("起算日期不能晚于今天。", field="received_on")
    if not data.sources:
        raise ServiceError("请至少填写一个监督来源（第三条）。", field="sources")
    for src in data.sources:
        _validate_source(src, today)
    if data.expedited and not (data.expedited_reason.strip() and data.expedited_by.strip()):
        raise ServiceError("特事特办须填写事由和提出要求的机关（第九条）。", field="expedited_reason")
    if data.anonymous and (data.complainant_name or data.complainant_id_number or data.complainant_phone):
        raise ServiceError("匿名来信不应填写来信人身份信息。", field="anonymous")
    _check_identity(data.complainant_id_number, data.complainant_phone)
    numbers = clean_case_numbers(data.case_numbers)
    subtree = supervised_subtree_ids(court.pk) - {court.pk}
    court_ids = list(dict.fromkeys(data.court_ids))
    by_code = dict(Court.objects.filter(pk__in=subtree).values_list("code", "pk"))
    for number in numbers:  # the courts of the related cases are concerned too
        code = number[number.find("）") + 1 :]
        for c, pk in by_code.items():
            if code.startswith(c) and code[len(c) :][:1] == "执" and pk not in court_ids:
                court_ids.append(pk)
    if not court_ids:
        raise ServiceError("请选择被监督法院，或填写能识别法院的关联案号。", field="court_ids")
    outside = [pk for pk in court_ids if pk not in subtree]
    if outside:
        raise ServiceError("被监督法院必须是本院监督的下级法院。", field="court_ids")
    if data.officer is not None and not (
        data.officer.has_role(Role.OFFICER, Role.DIRECTOR) and data.officer.court_id == court.pk
    ):
        raise ServiceError("承办人必须是本院的监督员或局长。", field="officer")
    with transaction.atomic():
        matter = Matter.objects.create(
            number=_next_number(court, today.year),
            title=title,
            content=data.content.strip(),
            supervising_court=court,
            state=MatterState.REVIEWING if data.officer else MatterState.REGISTERED,
            officer=data.officer,
            received_on=data.received_on,
            registered_by=actor or User.objects.filter(is_superuser=True).first(),
            channel=data.channel,
            external_ref=data.external_ref.strip(),
            anonymous=data.anonymous,
            complainant_name=data.complainant_name.strip(),
            complainant_id_number=data.complainant_id_number.strip(),
            complainant_phone=data.complainant_phone.strip(),
            complainant_address=data.complainant_address.strip(),
            group_petition=data.group_petition,
            expedited=data.expedited,
            expedited_reason=data.expedited_reason.strip(),
            expedited_by=data.expedited_by.strip(),
        )
        MatterCourt.objects.bulk_create([MatterCourt(matter=matter, court_id=pk) for pk in court_ids])
        _link_cases(matter, numbers)
        for src in data.sources:
            _add_source(matter, actor, src)
        petition = any(s.category.is_petition for s in data.sources)
        _open(
            matter,
            DeadlinePurpose.REVIEW,
            title="审查决定",
            court=court,
            start=counted_from or today,
            owner=data.officer,
            rule_code="SUP_REVIEW",
        )
        _open(
            matter,
            DeadlinePurpose.CONCLUDE,
            title="办结",
            court=court,
            start=counted_from or today,
            owner=data.officer,
            rule_code="SUP_CONCLUDE_PETITION" if petition else "SUP_CONCLUDE",
        )
        _log(matter, actor, "register", f"登记监督事项：{title}")
        if data.officer is not None:
            _log(matter, actor, "assign", f"承办人：{data.officer.display_name}")
        _audit(
            "matter.register",
            actor,
            matter,
            matter,
            title=title,
            courts=court_ids,
            sources=[s.category.item for s in data.sources],
            cases=numbers,
            officer=data.officer.username if data.officer else None,
        )
        if not quiet:
            _notify(
                actor,
                [data.officer] if data.officer else _city_directors(court),
                kind="matter.new",
                title=f"新监督事项 {matter.number}：{title}",
                url=matter.get_absolute_url(),
                key=f"matter:{matter.pk}:new",
                court=court,
            )
    return matter


def _link_cases(matter: Matter, numbers: Sequence[str]) -> None:
    from zhijian.cases.models import EnforcementCase

    known = dict(EnforcementCase.objects.filter(number__in=numbers).values_list("number", "pk"))
    existing = set(matter.case_links.values_list("number", flat=True))
    MatterCase.objects.bulk_create(
        [MatterCase(matter=matter, number=n, case_id=known.get(n)) for n in numbers if n not in existing]
    )


def _add_source(matter: Matter, actor: User | None, src: SourceInput) -> MatterSource:
    if src.category.report_back_default and not src.report_back:
        # Art. 3(1): the instruction or 人大 supervision requires the result to be reported back
        src.report_back = True
        src.report_rule = src.report_rule or ("" if src.report_by else "SOURCE_REPLY")
    source = MatterSource.objects.create(
        matter=matter,
        category=src.category,
        body=src.body.strip(),
        doc_number=src.doc_number.strip(),
        doc_date=src.doc_date,
        received_on=src.received_on,
        instructor=src.instructor.strip(),
        instruction=src.instruction.strip(),
        instruction_date=src.instruction_date,
        report_back=src.report_back,
        report_rule=src.report_rule if src.report_back else "",
        added_by=actor or matter.registered_by,
    )
    if src.report_back:
        if src.report_by is not None:
            _open(
                matter,
                DeadlinePurpose.SOURCE,
                title=f"向{source.body}报告结果",
                court=matter.supervising_court,
                start=src.received_on,
                owner=matter.officer,
                length=max(days_between(src.received_on, src.report_by), 1),
                unit=UnitChoice.DAYS,
                source=source,
            )
        else:
            _open(
                matter,
                DeadlinePurpose.SOURCE,
                title=f"向{source.body}报告结果",
                court=matter.supervising_court,
                start=src.received_on,
                owner=matter.officer,
                rule_code=src.report_rule,
                source=source,
            )
    _case_facts(matter, actor, source)
    return source


def _case_facts(matter: Matter, actor: User | None, source: MatterSource) -> None:
    """Sources (1) and (3) mark the linked cases 领导督办; sources (2) and (6) count as a
    petition about them — the Art. 13 scans read these."""
    from zhijian.cases import flags

    for link in matter.case_links.select_related("case").exclude(case=None):
        assert link.case is not None
        if source.category.marks_leadership:
            flags.set_attention(
                link.case,
                kind="leadership",
                since=source.received_on,
                actor=actor,
                source=f"监督事项 {matter.number}",
            )
        if source.category.is_petition:
            flags.add_matter_petition(
                link.case,
                on=source.received_on,
                group=matter.group_petition,
                origin=f"监督事项 {matter.number}",
                actor=actor,
            )


def add_source(matter: Matter, actor: User | None, src: SourceInput) -> MatterSource:
    """A later letter about the same case attaches to the open matter as another source."""
    _check(actor, "matter", "add_source", matter.state, matter=matter)
    _validate_source(src, timezone.localdate())
    with transaction.atomic():
        _lock(matter, "matter", "add_source")
        source = _add_source(matter, actor, src)
        _log(matter, actor, "add_source", f"追加来源：{source}")
        _audit("matter.add_source", actor, source, matter, category=src.category.item, body=source.body)
    return source


def link_case_numbers(matter: Matter, actor: User | None, texts: Iterable[str]) -> list[str]:
    _check(actor, "matter", "edit", matter.state, matter=matter)
    numbers = clean_case_numbers(texts)
    with transaction.atomic():
        _lock(matter, "matter", "edit")
        before = set(matter.case_links.values_list("number", flat=True))
        _link_cases(matter, numbers)
        added = [n for n in numbers if n not in before]
        # the courts of newly linked cases are concerned too (as at registration)
        subtree = supervised_subtree_ids(matter.supervising_court_id) - {matter.supervising_court_id}
        have = set(matter.court_links.values_list("court_id", flat=True))
        for court_id in (
            set(
                matter.case_links.filter(number__in=added, case__court_id__in=subtree).values_list(
                    "case__court_id", flat=True
                )
            )
            - have
        ):
            MatterCourt.objects.create(matter=matter, court_id=court_id)
        for source in matter.sources.select_related("category"):
            _case_facts(matter, actor, source)
        if added:
            _log(matter, actor, "link_cases", "关联案件：" + "、".join(added))
            _audit("matter.link_cases", actor, matter, matter, added=added)
    return added


def relink_cases() -> int:
    """After a case import: link the related case numbers kept as text whose case now exists,
    and set the facts their matters' sources carry (领导督办, petitions) on those cases."""
    from zhijian.cases.models import EnforcementCase

    wanted = list(MatterCase.objects.filter(case=None).values_list("number", flat=True).distinct())
    found: dict[str, int] = {}
    for offset in range(0, len(wanted), 5000):
        found.update(
            EnforcementCase.objects.filter(number__in=wanted[offset : offset + 5000]).values_list(
                "number", "pk"
            )
        )
    if not found:
        return 0
    with transaction.atomic():
        matter_ids = set(
            MatterCase.objects.filter(case=None, number__in=list(found)).values_list("matter_id", flat=True)
        )
        for number, pk in found.items():
            MatterCase.objects.filter(case=None, number=number).update(case_id=pk)
        for matter in Matter.objects.filter(pk__in=matter_ids):
            for source in matter.sources.select_related("category"):
                _case_facts(matter, None, source)
            _log(matter, None, "link_cases", "案件导入后关联：" + "、".join(
                n for n in matter.case_links.filter(number__in=list(found)).values_list("number", flat=True)
            ))  # fmt: skip
    return len(found)


def possible_duplicates(
    *,
    case_numbers: Iterable[str] = (),
    complainant_name: str = "",
    complainant_id_number: str = "",
    received_on: dt.date | None = None,
    supervising_court: Court | None = None,
    exclude: Matter | None = None,
) -> list[Matter]:
    """Matters about the same case or the same complainant registered within the configured
    window (``ZHIJIAN_DUPLICATE_WINDOW_DAYS``) — shown at registration."""
    days = int(getattr(settings, "ZHIJIAN_DUPLICATE_WINDOW_DAYS", 180))
    since = window_start(received_on or timezone.localdate(), days)
    cond = Q()
    numbers = [n for n in case_numbers if n]
    if numbers:
        cond |= Q(case_links__number__in=numbers)
    if complainant_id_number.strip():
        cond |= Q(complainant_id_number=complainant_id_number.strip())
    elif complainant_name.strip():
        cond |= Q(complainant_name=complainant_name.strip())
    if not cond:
        return []
    qs = Matter.objects.filter(cond, received_on__gte=since)
    if supervising_court is not None:
        qs = qs.filter(supervising_court=supervising_court)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.distinct().order_by("-received_on")[:20])


def update_matter(matter: Matter, actor: User | None, *, reason: str = "", **changes: Any) -> Matter:
    editable = {
        "title", "content", "channel", "external_ref", "complainant_name", "complainant_id_number",
        "complainant_phone", "complainant_address", "group_petition", "expedited_reason", "expedited_by",
    }  # fmt: skip
    unknown = set(changes) - editable
    if unknown:
        raise ServiceError("不能修改：" + "、".join(sorted(unknown)))
    _check_identity(str(changes.get("complainant_id_number", "")), str(changes.get("complainant_phone", "")))
    if "title" in changes and not str(changes["title"]).strip():
        raise ServiceError("请填写事由。", field="title")
    _check(actor, "matter", "edit", matter.state, matter=matter)
    with transaction.atomic():
        before = snapshot(matter, sorted(changes))
        _cas(Matter, matter, "matter", "edit", **changes)
        _log(
            matter,
            actor,
            "edit",
            "修改登记信息："
            + "、".join(str(getattr(Matter._meta.get_field(k), "verbose_name", k)) for k in changes),
        )
        record("supervision.matter.edit", actor=actor, target=matter, court=matter.supervising_court,
               before=before, after=snapshot(matter, sorted(changes)), reason=reason)  # fmt: skip
    return matter


def _lock(matter: Matter, table: str, action: str) -> None:
    """Serialise actions on one matter: the matter row is locked and its state re-checked."""
    current = Matter.objects.select_for_update().get(pk=matter.pk)
    if table == "matter" and current.state not in _row(table, action).sources:
        raise Conflict()
    matter.state = current.state


# --- attachments -------------------------------------------------------------------------------


def sniff(head: bytes, name: str) -> str | None:
    """The content type by magic bytes (never by the name alone)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if head.startswith(b"PK\x03\x04") and name.lower().endswith(".docx"):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return None


def attachment_dir() -> Path:
    return Path(settings.DATA_DIR) / "attachments"


def _store(matter: Matter, actor: User, upload: Any, kind: str, **links: Any) -> Attachment:
    max_bytes = int(getattr(settings, "ZHIJIAN_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
    name = Path(str(upload.name)).name[:200] or "附件"
    size = int(upload.size)
    if size == 0:
        raise ServiceError(f"附件“{name}”是空文件。", field="files")
    if size > max_bytes:
        raise ServiceError(f"附件“{name}”超过大小限制（{max_bytes // (1024 * 1024)} MB）。", field="files")
    data = b"".join(upload.chunks())
    content_type = sniff(data[:16], name)
    if content_type is None:
        raise ServiceError(f"附件“{name}”不是PDF、图片（PNG/JPEG）或Word文档。", field="files")
    if content_type.endswith("wordprocessingml.document"):
        import zipfile
        from io import BytesIO

        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                if "word/document.xml" not in archive.namelist():
                    raise ServiceError(f"附件“{name}”不是有效的Word文档。", field="files")
        except zipfile.BadZipFile as exc:
            raise ServiceError(f"附件“{name}”不是有效的Word文档。", field="files") from exc
    digest = hashlib.sha256(data).hexdigest()
    folder = attachment_dir() / str(matter.pk)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{ALLOWED_UPLOADS[content_type]}"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return Attachment.objects.create(
        matter=matter,
        kind=kind,
        name=name,
        content_type=content_type,
        size=size,
        sha256=digest,
        path=str(path.relative_to(attachment_dir())),
        uploaded_by=actor,
        **links,
    )


def add_attachments(
    matter: Matter, actor: User, files: Sequence[Any], *, kind: str = AttachmentKind.INTAKE
) -> list[Attachment]:
    _check(actor, "matter", "attach", matter.state, matter=matter)
    with transaction.atomic():
        stored = [_store(matter, actor, f, kind) for f in files]
        if stored:
            _log(matter, actor, "attach", "上传附件：" + "、".join(a.name for a in stored))
            _audit("matter.attach", actor, matter, matter, files=[(a.name, a.sha256) for a in stored])
    return stored


# --- review ------------------------------------------------------------------------------------


def assign(matter: Matter, actor: User | None, officer: User) -> Matter:
    _check(actor, "matter", "assign", matter.state, matter=matter)
    if not (
        officer.is_active
        and officer.has_role(Role.OFFICER, Role.DIRECTOR)
        and officer.court_id == matter.supervising_court_id
    ):
        raise ServiceError("承办人必须是本院在职的监督员或局长。", field="officer")
    if (
        actor is not None
        and not actor.is_superuser
        and not actor.has_role(Role.DIRECTOR)
        and officer.pk != actor.pk
    ):
        raise PermissionDenied("监督员只能领办给自己；分配给他人须由局长办理。")
    if (
        actor is not None
        and not actor.is_superuser
        and not actor.has_role(Role.DIRECTOR)
        and matter.officer_id not in (None, actor.pk)
    ):
        raise PermissionDenied("该事项已有承办人；改派须由局长办理。")
    with transaction.atomic():
        before = matter.officer_id
        _cas(Matter, matter, "matter", "assign", officer=officer)
        clock.reassign_owned(
            matter.deadline_links.filter(deadline__court=matter.supervising_court).values_list("deadline_id", flat=True),
            actor=actor, owner=officer, reason=f"监督事项 {matter.number} 承办人",
        )  # fmt: skip
        _log(matter, actor, "assign", f"承办人：{officer.display_name}")
        record("supervision.matter.assign", actor=actor, target=matter, court=matter.supervising_court,
               before={"officer": before}, after={"officer": officer.pk})  # fmt: skip
        _notify(actor, [officer], kind="matter.assigned", title=f"您承办监督事项 {matter.number}：{matter.title}",
                url=matter.get_absolute_url(), key=f"matter:{matter.pk}:assigned:{officer.pk}")  # fmt: skip
    return matter


def _review(
    matter: Matter, actor: User | None, action: str, finding: str, opinion: str, decision: str
) -> None:
    if finding not in Finding.values:
        raise ServiceError("请选择审查结论（第二条）。", field="finding")
    if not opinion.strip():
        raise ServiceError("请填写审查意见。", field="opinion")
    _check(actor, "matter", action, matter.state, matter=matter)
    today = timezone.localdate()
    _cas(Matter, matter, "matter", action, finding=finding, decision=decision, review_opinion=opinion.strip(),
         reviewed_at=timezone.now())  # fmt: skip
    _complete(_links(matter, DeadlinePurpose.REVIEW), today, actor=actor)


def propose_reply(matter: Matter, actor: User | None, *, finding: str, opinion: str) -> Matter:
    """Art. 5: the enforcing court's acts are right — propose a direct reply for the director."""
    with transaction.atomic():
        _review(matter, actor, "propose_reply", finding, opinion, Decision.REPLY)
        _log(
            matter,
            actor,
            "propose_reply",
            f"审查结论：{Finding(finding).label}；拟径行答复。{opinion.strip()}",
        )
        _audit("matter.propose_reply", actor, matter, matter, finding=finding)
        _notify(actor, _city_directors(matter.supervising_court), kind="matter.approval",
                title=f"待审批：{matter.number} 径行答复", url=matter.get_absolute_url(),
                key=f"matter:{matter.pk}:reply_approval:{timezone.now():%Y%m%d%H%M%S}")  # fmt: skip
    return matter


def decide_supervise(matter: Matter, actor: User | None, *, finding: str, opinion: str) -> Matter:
    """Art. 5: supervision is needed — the 督办函 is due within 5 days (SUP_LETTER)."""
    with transaction.atomic():
        _review(matter, actor, "decide_supervise", finding, opinion, Decision.SUPERVISE)
        _open(matter, DeadlinePurpose.LETTER, title="作出督办函", court=matter.supervising_court,
              start=timezone.localdate(), owner=matter.officer, rule_code="SUP_LETTER")  # fmt: skip
        _log(
            matter,
            actor,
            "decide_supervise",
            f"审查结论：{Finding(finding).label}；决定督办。{opinion.strip()}",
        )
        _audit("matter.decide_supervise", actor, matter, matter, finding=finding)
    return matter


def approve_reply(matter: Matter, actor: User | None, *, comment: str = "") -> Matter:
    _check(actor, "matter", "approve_reply", matter.state, matter=matter)
    with transaction.atomic():
        _cas(Matter, matter, "matter", "approve_reply")
        _log(
            matter,
            actor,
            "approve_reply",
            "局长批准径行答复。" + comment.strip(),
            kind=EntryKind.COMMENT if comment else EntryKind.EVENT,
        )
        _audit("matter.approve_reply", actor, matter, matter, reason=comment)
        _notify(actor, [matter.officer], kind="matter.approved", title=f"{matter.number} 径行答复已获批准",
                url=matter.get_absolute_url(), key=f"matter:{matter.pk}:reply_approved")  # fmt: skip
    return matter


def return_reply(matter: Matter, actor: User | None, *, comment: str) -> Matter:
    if not comment.strip():
        raise ServiceError("退回须填写意见。", field="comment")
    _check(actor, "matter", "return_reply", matter.state, matter=matter)
    with transaction.atomic():
        _cas(Matter, matter, "matter", "return_reply")
        _log(matter, actor, "return_reply", f"局长退回径行答复意见：{comment.strip()}", kind=EntryKind.RETURN)
        _audit("matter.return_reply", actor, matter, matter, reason=comment)
        _notify(actor, [matter.officer], kind="matter.returned", title=f"{matter.number} 径行答复意见被退回",
                url=matter.get_absolute_url(), key=f"matter:{matter.pk}:reply_returned:{timezone.now():%Y%m%d%H%M%S}")  # fmt: skip
    return matter


REPLY_MODES = {
    "written": "书面答复（答复函）",
    "in_person": "当面答复",
    "phone": "电话答复",
    "archive": "匿名来信存查",
}


def record_reply(
    matter: Matter, actor: User | None, *, mode: str, note: str, transcript: Any = None, addressee: str = ""
) -> Matter:
    """The reply after approval: a written 答复函 (numbered), or oral (当面/电话) with its 笔录
    uploaded; an anonymous letter is concluded 存查 without a reply."""
    if mode not in REPLY_MODES:
        raise ServiceError("请选择答复方式。", field="mode")
    if mode == "archive" and not matter.anonymous:
        raise ServiceError("只有匿名来信可以存查不答复。", field="mode")
    if mode != "archive" and matter.anonymous:
        raise ServiceError("匿名来信无法答复，请选择“匿名来信存查”。", field="mode")
    if mode in ("in_person", "phone") and transcript is None:
        raise ServiceError("口头答复须上传答复笔录。", field="transcript")
    if not note.strip():
        raise ServiceError("请填写答复内容或存查说明。", field="note")
    _check(actor, "matter", "record_reply", matter.state, matter=matter)
    with transaction.atomic():
        _cas(
            Matter,
            matter,
            "matter",
            "record_reply",
            reply_mode=mode,
            reply_note=note.strip(),
            replied_on=timezone.localdate(),
        )
        text = f"{REPLY_MODES[mode]}：{note.strip()}"
        if transcript is not None:
            assert actor is not None
            stored = _store(matter, actor, transcript, AttachmentKind.TRANSCRIPT)
            text += f"（笔录：{stored.name}）"
        if mode == "written":
            from zhijian.documents.services import issue_document

            doc = issue_document(
                actor=actor,
                kind="reply_letter",
                issuing_court=matter.supervising_court,
                recipient_court=None,
                title=f"关于{matter.title}的答复函",
                context=_reply_context(matter, note),
                owner=matter,
                addressee=addressee.strip() or matter.complainant_name or "来信人",
            )
            text += f"（{doc.number}）"
        _log(matter, actor, "record_reply", text)
        _audit("matter.record_reply", actor, matter, matter, mode=mode)
    return matter


def _reply_context(matter: Matter, note: str) -> dict[str, Any]:
    return {
        "paragraphs": [p for p in note.strip().splitlines() if p.strip()],
        "matter_number": matter.number,
        "cases": _case_rows(matter, None),
        "contact": _contact_note(matter),
    }


# --- information requests ----------------------------------------------------------------------


def request_info(
    matter: Matter,
    actor: User | None,
    *,
    court: Court,
    kind: str,
    details: str,
    meeting_at: dt.datetime | None = None,
    place: str = "",
    attendees: str = "",
) -> InfoRequest:
    """调卷 (file within 5 days, at most 10), 情况说明 or 汇报 (date, place, who attends), each
    a numbered notice with a deadline, answered in the court's workspace."""
    if kind not in RequestKind.values:
        raise ServiceError("请选择通知类别。", field="kind")
    if not details.strip():
        raise ServiceError("请填写通知要求。", field="details")
    if not matter.court_links.filter(court=court).exists():
        raise ServiceError("只能向本事项的被监督法院发出通知。", field="court")
    today = timezone.localdate()
    if kind == RequestKind.BRIEFING:
        if meeting_at is None or not place.strip() or not attendees.strip():
            raise ServiceError("汇报通知须填写汇报时间、地点和参加人员。", field="meeting_at")
        if timezone.localtime(meeting_at).date() <= today:
            raise ServiceError("汇报时间应晚于今天。", field="meeting_at")
    _check(actor, "matter", "request_info", matter.state, matter=matter)
    with transaction.atomic():
        _lock(matter, "matter", "request_info")
        req = InfoRequest.objects.create(
            matter=matter, court=court, kind=kind, details=details.strip(), meeting_at=meeting_at,
            place=place.strip(), attendees=attendees.strip(), sent_by=actor or matter.registered_by,
            contact_at_arrival=court.contact,
        )  # fmt: skip
        if kind == RequestKind.BRIEFING:
            assert meeting_at is not None
            deadline = _open(matter, DeadlinePurpose.REQUEST, title=f"{court.short_name}到我局汇报", court=court,
                             start=today, owner=court.contact, request=req, unit=UnitChoice.DAYS,
                             length=days_between(today, timezone.localtime(meeting_at).date()))  # fmt: skip
        else:
            deadline = _open(matter, DeadlinePurpose.REQUEST, title=f"{court.short_name}答复{RequestKind(kind).label}",
                             court=court, start=today, owner=court.contact, request=req,
                             rule_code=REQUEST_RULES[RequestKind(kind)])  # fmt: skip
        from zhijian.documents.services import issue_document

        req.document = issue_document(
            actor=actor,
            kind=REQUEST_DOCS[RequestKind(kind)],
            issuing_court=matter.supervising_court,
            recipient_court=court,
            title=RequestKind(kind).label,
            context=_request_context(matter, req, deadline),
            owner=req,
            addressee=f"{court.name}执行局",
        )
        req.save(update_fields=["document"])
        _log(matter, actor, "request_info", f"向{court.short_name}发出{RequestKind(kind).label}（{req.document.number}），"
             f"期限至{deadline.due_date}", court=court)  # fmt: skip
        _audit("request.send", actor, req, matter, court=court.pk, kind=kind, number=req.document.number)
        _notify(actor, _contacts(court), kind="request.new", title=f"收到{RequestKind(kind).label}：{matter.number}",
                url="/matters/workspace/", key=f"request:{req.pk}:new", court=court)  # fmt: skip
    return req


def _request_context(matter: Matter, req: InfoRequest, deadline: Deadline) -> dict[str, Any]:
    due = deadline.due_date
    lines = [f"本院在办理“{matter.title}”监督事项（{matter.number}）中，需要你院配合：", req.details]
    context: dict[str, Any] = {"matter_number": matter.number, "cases": _case_rows(matter, req.court),
                               "contact": _contact_note(matter)}  # fmt: skip
    if req.kind == RequestKind.BRIEFING:
        # a meeting, not a written answer: the template's 书面汇报 sentence does not apply
        assert req.meeting_at is not None
        lines.append(f"请{req.attendees}于{_cn_datetime(req.meeting_at)}到{req.place}汇报有关情况。")
    else:
        context["deadline"] = due.isoformat() if due else ""
    context["paragraphs"] = lines
    return context


def _cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "（期限待定）"


def _cn_datetime(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{_cn_date(local.date())}{local.hour}时{local.minute:02d}分"


def answer_request(
    req: InfoRequest, actor: User | None, *, answer: str, files: Sequence[Any] = ()
) -> InfoRequest:
    if not answer.strip():
        raise ServiceError("请填写答复内容。", field="answer")
    matter = req.matter
    _check(actor, "request", "answer", req.state, matter=matter, court=req.court)
    if not matter.is_open:
        raise ServiceError("该监督事项已办结或已撤销，无需再答复。")
    with transaction.atomic():
        _cas(
            InfoRequest,
            req,
            "request",
            "answer",
            answer=answer.strip(),
            answered_by=actor,
            answered_at=timezone.now(),
        )
        for f in files:
            assert actor is not None
            _store(matter, actor, f, AttachmentKind.ANSWER, court=req.court, request=req)
        _complete(
            _links(matter, DeadlinePurpose.REQUEST, request=req)
            + _links(matter, DeadlinePurpose.URGE, request=req),
            timezone.localdate(),
            actor=actor,
        )
        _log(
            matter,
            actor,
            "answer_request",
            f"{req.court.short_name}答复{RequestKind(req.kind).label}：{answer.strip()}",
            court=req.court,
        )
        _audit("request.answer", actor, req, matter, court=req.court_id)
        _notify(actor, [matter.officer], kind="request.answered", title=f"{req.court.short_name}已答复{RequestKind(req.kind).label}（{matter.number}）",
                url=matter.get_absolute_url(), key=f"request:{req.pk}:answered")  # fmt: skip
    return req


def withdraw_request(req: InfoRequest, actor: User | None, *, reason: str) -> InfoRequest:
    if not reason.strip():
        raise ServiceError("请填写撤回理由。", field="reason")
    matter = req.matter
    _check(actor, "request", "withdraw", req.state, matter=matter, court=req.court)
    with transaction.atomic():
        _cas(InfoRequest, req, "request", "withdraw")
        _complete(
            _links(matter, DeadlinePurpose.REQUEST, request=req)
            + _links(matter, DeadlinePurpose.URGE, request=req),
            timezone.localdate(),
            closed="通知撤回",
            actor=actor,
        )
        _void_request_document(req, actor, f"通知撤回：{reason.strip()}")
        _notify(actor, _contacts(req.court), kind="request.withdrawn",
                title=f"{RequestKind(req.kind).label}已撤回（{matter.number}），无需答复",
                url="/matters/workspace/", key=f"request:{req.pk}:withdrawn", court=req.court)  # fmt: skip
        _log(
            matter,
            actor,
            "withdraw_request",
            f"撤回{RequestKind(req.kind).label}：{reason.strip()}",
            court=req.court,
        )
        _audit("request.withdraw", actor, req, matter, reason=reason)
    return req


# --- supervision letters (Art. 5) --------------------------------------------------------------


def _letter_text(facts: str, requirements: str) -> tuple[str, str]:
    facts, requirements = facts.strip(), requirements.strip()
    if not facts:
        raise ServiceError("请填写反映的问题。", field="facts")
    if not requirements:
        raise ServiceError("请填写督办要求。", field="requirements")
    return facts, requirements


def _report_length(value: int | None) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= 90:
        raise ServiceError("报告期限应为1至90日。", field="report_length")
    return value


def draft_letter(
    matter: Matter,
    actor: User | None,
    *,
    court: Court,
    facts: str,
    requirements: str,
    report_length: int | None = None,
) -> Letter:
    facts, requirements = _letter_text(facts, requirements)
    report_length = _report_length(report_length)
    if not matter.court_links.filter(court=court).exists():
        raise ServiceError("督办函只能发给本事项的被监督法院。", field="court")
    _check(actor, "matter", "draft_letter", matter.state, matter=matter)
    if matter.letters.filter(
        court=court,
        state__in=[
            LetterState.DRAFT,
            LetterState.PENDING,
            LetterState.ISSUED,
            LetterState.SIGNED,
            LetterState.REPORTED,
        ],
    ).exists():
        raise ServiceError(f"给{court.short_name}的督办函尚在办理中，不能重复起草。", field="court")
    with transaction.atomic():
        _lock(matter, "matter", "draft_letter")
        letter = Letter.objects.create(matter=matter, court=court, facts=facts, requirements=requirements,
                                       report_length=report_length, drafted_by=actor or matter.registered_by)  # fmt: skip
        _log(matter, actor, "draft_letter", f"起草给{court.short_name}的督办函", letter=letter)
        _audit("letter.draft", actor, letter, matter, court=court.pk)
    return letter


def edit_letter(
    letter: Letter, actor: User | None, *, facts: str, requirements: str, report_length: int | None
) -> Letter:
    facts, requirements = _letter_text(facts, requirements)
    report_length = _report_length(report_length)
    _check(actor, "letter", "edit", letter.state, matter=letter.matter, court=letter.court)
    with transaction.atomic():
        _cas(
            Letter,
            letter,
            "letter",
            "edit",
            facts=facts,
            requirements=requirements,
            report_length=report_length,
        )
        _audit("letter.edit", actor, letter, letter.matter)
    return letter


def submit_letter(letter: Letter, actor: User | None) -> Letter:
    matter = letter.matter
    _check(actor, "letter", "submit", letter.state, matter=matter, court=letter.court)
    with transaction.atomic():
        _cas(Letter, letter, "letter", "submit", submitted_at=timezone.now())
        _log(
            matter,
            actor,
            "submit_letter",
            f"给{letter.court.short_name}的督办函提交局长审批",
            letter=letter,
        )
        _audit("letter.submit", actor, letter, matter)
        _notify(actor, _city_directors(matter.supervising_court), kind="letter.approval",
                title=f"待审批：{matter.number} 给{letter.court.short_name}的督办函", url=matter.get_absolute_url(),
                key=f"letter:{letter.pk}:submitted:{letter.submitted_at:%Y%m%d%H%M%S}")  # fmt: skip
    return letter


def return_letter(letter: Letter, actor: User | None, *, comment: str) -> Letter:
    if not comment.strip():
        raise ServiceError("退回须填写意见。", field="comment")
    matter = letter.matter
    _check(actor, "letter", "return", letter.state, matter=matter, court=letter.court)
    with transaction.atomic():
        _cas(Letter, letter, "letter", "return")
        _log(
            matter,
            actor,
            "return_letter",
            f"局长退回督办函：{comment.strip()}",
            letter=letter,
            kind=EntryKind.RETURN,
        )
        _audit("letter.return", actor, letter, matter, reason=comment)
        _notify(actor, [letter.drafted_by, matter.officer], kind="letter.returned", title=f"{matter.number} 督办函被退回修改",
                url=matter.get_absolute_url(), key=f"letter:{letter.pk}:returned:{timezone.now():%Y%m%d%H%M%S}")  # fmt: skip
    return letter


def approve_letter(letter: Letter, actor: User | None, *, comment: str = "") -> Letter:
    """The director approves: the letter is issued (numbered in this transaction), delivered to
    the court's designated contact, and the sign-for and report-back limits start."""
    matter = letter.matter
    court = Court.objects.select_related("contact", "deputy_contact").get(pk=letter.court_id)
    _check(actor, "letter", "approve", letter.state, matter=matter, court=court)
    today = timezone.localdate()
    with transaction.atomic():
        _cas(
            Letter,
            letter,
            "letter",
            "approve",
            approved_by=actor,
            issued_on=today,
            contact_at_arrival=court.contact,
        )
        _complete(_links(matter, DeadlinePurpose.LETTER), today, actor=actor)
        _open(matter, DeadlinePurpose.SIGN, title=f"{court.short_name}签收督办函", court=court, start=today,
              owner=court.contact, rule_code="SUP_SIGN", letter=letter)  # fmt: skip
        if letter.report_length:
            report = _open(matter, DeadlinePurpose.REPORT, title=f"{court.short_name}报告督办函办理情况", court=court,
                           start=today, owner=court.contact, length=letter.report_length, unit=UnitChoice.DAYS,
                           letter=letter)  # fmt: skip
        else:
            report = _open(matter, DeadlinePurpose.REPORT, title=f"{court.short_name}报告督办函办理情况", court=court,
                           start=today, owner=court.contact, rule_code="SUP_REPORT", letter=letter)  # fmt: skip
        from zhijian.documents.services import issue_document

        letter.document = issue_document(
            actor=actor,
            kind="sup_letter",
            issuing_court=matter.supervising_court,
            recipient_court=court,
            title=f"关于{matter.title}的督办函",
            context=letter_context(matter, letter, report.due_date),
            owner=letter,
            addressee=f"{court.name}执行局",
        )
        letter.save(update_fields=["document"])
        note = f"局长批准并签发督办函 {letter.document.number}，送达{court.short_name}联络专人" + (
            f"{court.contact.display_name}" if court.contact else "（该院未指定联络专人，已通知该院执行局长）"
        )
        _log(
            matter,
            actor,
            "approve_letter",
            note + (f"。意见：{comment.strip()}" if comment.strip() else ""),
            court=court,
            letter=letter,
        )
        _audit(
            "letter.approve", actor, letter, matter, number=letter.document.number, contact=court.contact_id
        )
        _notify(actor, _contacts(court) or _court_directors(court), kind="letter.new",
                title=f"收到督办函 {letter.document.number}，请签收", url="/matters/workspace/",
                key=f"letter:{letter.pk}:issued", court=court)  # fmt: skip
    return letter


def letter_context(matter: Matter, letter: Letter, due: dt.date | None) -> dict[str, Any]:
    """What the 督办函 template is filled with — for the issued letter and for the draft's
    preview (``due`` None: the limit starts only when the letter is issued)."""
    paragraphs = [p for p in letter.facts.splitlines() if p.strip()]
    paragraphs += [p for p in letter.requirements.splitlines() if p.strip()]
    paragraphs.append("请你院接函后指定专人办理。")
    return {
        "paragraphs": paragraphs,
        "matter_number": matter.number,
        "cases": _case_rows(matter, letter.court),
        # the template's closing sentence: 请于{deadline}前将办理情况书面报告本院。
        "deadline": due.isoformat() if due else "",
        "deadline_cn": "" if due else "（自签发之日起按期限计算）",
        "contact": _contact_note(matter),
    }


def _case_rows(matter: Matter, court: Court | None) -> list[dict[str, str]]:
    """The 案件清单 of a document: each related case with its court (the registry's, else the
    addressed court's)."""
    rows = []
    for link in matter.case_links.select_related("case__court"):
        owner = link.case.court.name if link.case is not None else (court.name if court is not None else "")
        rows.append({"number": link.number, "court": owner, "note": ""})
    return rows


def _contact_note(matter: Matter) -> str:
    officer = matter.officer
    if officer is None:
        return ""
    phone = getattr(officer, "phone", "") or ""
    return f"{officer.display_name}" + (f"，电话 {phone}" if phone else "")


def _maybe_conclude(matter: Matter) -> bool:
    """督办中 → 待办结 once, for every court written to, its latest letter (void ones aside) has
    its report accepted and no measure is in progress (at least one letter accepted or measure
    done). A rejected report leaves that court open: another letter, a measure, or the
    director's 结束督办. Call under the matter's lock."""
    from .models import OPEN_MEASURE_STATES, MeasureState

    latest: dict[int, str] = {}
    for court_id, state in (
        matter.letters.exclude(state=LetterState.VOID).order_by("pk").values_list("court_id", "state")
    ):
        latest[court_id] = state
    if any(state != LetterState.ACCEPTED for state in latest.values()):
        return False
    if matter.measures.filter(state__in=OPEN_MEASURE_STATES).exists():
        return False  # a measure in progress: an order's cases, a 复议, a deferral running
    if not latest and not matter.measures.filter(state=MeasureState.DONE).exists():
        return False
    moved = Matter.objects.filter(pk=matter.pk, state=MatterState.SUPERVISING).update(
        state=MatterState.CONCLUDING, updated_at=timezone.now()
    )
    if moved:
        matter.state = MatterState.CONCLUDING
    return bool(moved)


def void_letter(letter: Letter, actor: User | None, *, reason: str) -> Letter:
    if not reason.strip():
        raise ServiceError("请填写作废理由。", field="reason")
    matter = letter.matter
    _check(actor, "letter", "void", letter.state, matter=matter, court=letter.court)
    with transaction.atomic():
        _lock(matter, "letter", "void")
        _cas(Letter, letter, "letter", "void", void_reason=reason.strip())
        _complete(
            _links(matter, DeadlinePurpose.SIGN, letter=letter)
            + _links(matter, DeadlinePurpose.REPORT, letter=letter)
            + _links(matter, DeadlinePurpose.URGE, letter=letter),
            timezone.localdate(),
            closed="督办函作废",
            actor=actor,
        )
        if letter.document is not None and letter.document.status != "void":
            from zhijian.documents.services import void_document

            void_document(letter.document, actor=actor, reason=reason, via_owner=True)  # type: ignore[arg-type]
        if letter.issued_on is not None:
            _notify(actor, _contacts(letter.court) or _court_directors(letter.court), kind="letter.void",
                    title=f"督办函{' ' + letter.document.number if letter.document else ''}已作废，无需办理（{matter.number}）",
                    url="/matters/workspace/", key=f"letter:{letter.pk}:void", court=letter.court)  # fmt: skip
        text = f"作废督办函：{reason.strip()}"
        if _maybe_conclude(matter):
            text += "。其余督办函的报告均已采纳，待办结。"
        _log(matter, actor, "void_letter", text, court=letter.court, letter=letter)
        _audit("letter.void", actor, letter, matter, reason=reason)
    return letter


def sign_letter(letter: Letter, actor: User | None) -> Letter:
    """The designated contact (or deputy) signs for the letter (签收)."""
    matter = letter.matter
    _check(actor, "letter", "sign", letter.state, matter=matter, court=letter.court)
    with transaction.atomic():
        _cas(Letter, letter, "letter", "sign", signed_by=actor, signed_at=timezone.now())
        _complete(_links(matter, DeadlinePurpose.SIGN, letter=letter), timezone.localdate(), actor=actor)
        who = actor.display_name if actor is not None else "系统"
        _log(
            matter,
            actor,
            "sign_letter",
            f"{letter.court.short_name}{who}签收督办函",
            court=letter.court,
            letter=letter,
        )
        _audit("letter.sign", actor, letter, matter)
    return letter


# --- report back (Art. 6) ----------------------------------------------------------------------


def _report_fields(mode: str, text: str, reporter: str, reported_on: dt.date | None) -> dict[str, Any]:
    if mode not in ReportMode.values:
        raise ServiceError("请选择报告方式。", field="mode")
    if not text.strip():
        raise ServiceError("请填写报告内容。", field="text")
    if mode == ReportMode.IN_PERSON and not (reporter.strip() and reported_on):
        raise ServiceError("派员汇报须填写汇报人和汇报日期。", field="reporter")
    if reported_on is not None and reported_on > timezone.localdate():
        raise ServiceError("汇报日期不能晚于今天。", field="reported_on")
    return {"mode": mode, "text": text.strip(), "reporter": reporter.strip(), "reported_on": reported_on}


def draft_report(
    letter: Letter, actor: User | None, *, mode: str, text: str, reporter: str = "",
    reported_on: dt.date | None = None, files: Sequence[Any] = (),
) -> Report:  # fmt: skip
    fields = _report_fields(mode, text, reporter, reported_on)
    matter = letter.matter
    _check(actor, "letter", "draft_report", letter.state, matter=matter, court=letter.court)
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.reports.filter(state__in=[ReportState.DRAFT, ReportState.PENDING]).exists():
            raise ServiceError("该督办函已有待提交的报告，请修改原报告。")
        report = Report.objects.create(
            letter=letter, court=letter.court, drafted_by=actor or matter.registered_by, **fields
        )
        for f in files:
            assert actor is not None
            _store(matter, actor, f, AttachmentKind.REPORT, court=letter.court, report=report)
        _log(
            matter,
            actor,
            "draft_report",
            f"{letter.court.short_name}起草报告",
            court=letter.court,
            letter=letter,
        )
        _audit("report.draft", actor, report, matter)
    return report


def edit_report(
    report: Report, actor: User | None, *, mode: str, text: str, reporter: str = "",
    reported_on: dt.date | None = None, files: Sequence[Any] = (),
) -> Report:  # fmt: skip
    fields = _report_fields(mode, text, reporter, reported_on)
    matter = report.letter.matter
    _check(actor, "report", "edit", report.state, matter=matter, court=report.court)
    with transaction.atomic():
        _cas(Report, report, "report", "edit", **fields)
        for f in files:
            assert actor is not None
            _store(matter, actor, f, AttachmentKind.REPORT, court=report.court, report=report)
        _audit("report.edit", actor, report, matter)
    return report


def submit_report(report: Report, actor: User | None) -> Report:
    matter = report.letter.matter
    _check(actor, "report", "submit", report.state, matter=matter, court=report.court)
    with transaction.atomic():
        _cas(Report, report, "report", "submit")
        _log(
            matter,
            actor,
            "submit_report",
            f"{report.court.short_name}报告提交本院执行局长审批",
            court=report.court,
            letter=report.letter,
        )
        _audit("report.submit", actor, report, matter)
        _notify(actor, _court_directors(report.court), kind="report.approval", title=f"待审批：{matter.number} 督办报告",
                url="/matters/workspace/", key=f"report:{report.pk}:submitted:{timezone.now():%Y%m%d%H%M%S}", court=report.court)  # fmt: skip
    return report


def return_report(report: Report, actor: User | None, *, comment: str) -> Report:
    if not comment.strip():
        raise ServiceError("退回须填写意见。", field="comment")
    matter = report.letter.matter
    _check(actor, "report", "return", report.state, matter=matter, court=report.court)
    with transaction.atomic():
        _cas(Report, report, "report", "return")
        _log(matter, actor, "return_report", f"{report.court.short_name}执行局长退回报告：{comment.strip()}",
             court=report.court, letter=report.letter, kind=EntryKind.RETURN)  # fmt: skip
        _audit("report.return", actor, report, matter, reason=comment)
        _notify(actor, _contacts(report.court), kind="report.returned", title=f"{matter.number} 报告被退回修改",
                url="/matters/workspace/", key=f"report:{report.pk}:returned:{timezone.now():%Y%m%d%H%M%S}", court=report.court)  # fmt: skip
    return report


def approve_report(report: Report, actor: User | None) -> Report:
    """The basic court's 执行局长 approves: the report is submitted to the city bureau."""
    letter = report.letter
    matter = letter.matter
    _check(actor, "report", "approve", report.state, matter=matter, court=report.court)
    with transaction.atomic():
        _cas(Report, report, "report", "approve", approved_by=actor, submitted_at=timezone.now())
        Letter.objects.filter(pk=letter.pk, state=LetterState.SIGNED).update(
            state=LetterState.REPORTED, updated_at=timezone.now()
        )
        _complete(
            _links(matter, DeadlinePurpose.REPORT, letter=letter)
            + _links(matter, DeadlinePurpose.URGE, letter=letter),
            timezone.localdate(),
            actor=actor,
        )
        _log(matter, actor, "approve_report", f"{report.court.short_name}报送督办报告（{ReportMode(report.mode).label}）",
             court=report.court, letter=letter)  # fmt: skip
        _audit("report.approve", actor, report, matter)
        _notify(actor, [matter.officer], kind="report.submitted", title=f"{report.court.short_name}已报送 {matter.number} 的督办报告",
                url=matter.get_absolute_url(), key=f"report:{report.pk}:submitted_city")  # fmt: skip
    return report


def accept_report(report: Report, actor: User | None, *, assessment: str) -> Report:
    if not assessment.strip():
        raise ServiceError("请填写审核意见。", field="assessment")
    letter = report.letter
    matter = letter.matter
    _check(actor, "report", "accept", report.state, matter=matter, court=report.court)
    with transaction.atomic():
        _lock(matter, "matter", "draft_letter")
        _cas(
            Report,
            report,
            "report",
            "accept",
            assessed_by=actor,
            assessed_at=timezone.now(),
            assessment=assessment.strip(),
        )
        Letter.objects.filter(pk=letter.pk).update(state=LetterState.ACCEPTED, updated_at=timezone.now())
        text = f"采纳{report.court.short_name}的报告：{assessment.strip().rstrip('。')}"
        if _maybe_conclude(matter):
            text += "。督办完毕，待办结。"
        _log(matter, actor, "accept_report", text, court=report.court, letter=letter)
        _audit("report.accept", actor, report, matter, reason=assessment)
        _notify(actor, _contacts(report.court), kind="report.accepted", title=f"{matter.number} 的督办报告已采纳",
                url="/matters/workspace/", key=f"report:{report.pk}:accepted", court=report.court)  # fmt: skip
    return report


def reject_report(report: Report, actor: User | None, *, assessment: str) -> Report:
    """Not accepted: the officer may draft another letter, or (next issue) take a measure."""
    if not assessment.strip():
        raise ServiceError("请填写不予采纳的理由。", field="assessment")
    letter = report.letter
    matter = letter.matter
    _check(actor, "report", "reject", report.state, matter=matter, court=report.court)
    with transaction.atomic():
        _cas(
            Report,
            report,
            "report",
            "reject",
            assessed_by=actor,
            assessed_at=timezone.now(),
            assessment=assessment.strip(),
        )
        Letter.objects.filter(pk=letter.pk).update(state=LetterState.REJECTED, updated_at=timezone.now())
        _log(matter, actor, "reject_report", f"不予采纳{report.court.short_name}的报告：{assessment.strip()}",
             court=report.court, letter=letter, kind=EntryKind.RETURN)  # fmt: skip
        _audit("report.reject", actor, report, matter, reason=assessment)
        _notify(actor, _contacts(report.court) + _court_directors(report.court), kind="report.rejected",
                title=f"{matter.number} 的督办报告未被采纳", url="/matters/workspace/",
                key=f"report:{report.pk}:rejected", court=report.court)  # fmt: skip
    return report


def finish_supervision(matter: Matter, actor: User | None, *, reason: str) -> Matter:
    """The director ends the supervision stage (e.g. after a measure), for the conclusion."""
    if not reason.strip():
        raise ServiceError("请填写理由。", field="reason")
    _check(actor, "matter", "finish_supervision", matter.state, matter=matter)
    with transaction.atomic():
        if matter.letters.filter(
            state__in=[
                LetterState.DRAFT,
                LetterState.PENDING,
                LetterState.ISSUED,
                LetterState.SIGNED,
                LetterState.REPORTED,
            ]
        ).exists():
            raise ServiceError("尚有办理中的督办函，请先审核报告或作废督办函。")
        from .models import OPEN_MEASURE_STATES

        if matter.measures.filter(state__in=OPEN_MEASURE_STATES).exists():
            raise ServiceError("尚有办理中的监督措施，请待其完成或撤销后再结束督办。")
        _cas(Matter, matter, "matter", "finish_supervision")
        _log(matter, actor, "finish_supervision", f"结束督办：{reason.strip()}")
        _audit("matter.finish_supervision", actor, matter, matter, reason=reason)
    return matter


# --- 催办 (before any criticism) ---------------------------------------------------------------

URGEABLE = {DeadlinePurpose.REPORT, DeadlinePurpose.REQUEST}


def may_urge(link: MatterDeadline, today: dt.date | None = None) -> bool:
    """An overdue report-back or request answer that has not been chased yet."""
    today = today or timezone.localdate()
    d = link.deadline
    return (
        link.purpose in URGEABLE
        and d.completed_on is None
        and d.due_date is not None
        and d.due_date < today
        and not link.urges.exists()
    )


def urge(link: MatterDeadline, actor: User | None) -> MatterDeadline:
    """催办: an overdue report or answer first gets a numbered 催办通知 with a short new deadline
    (SUP_URGE, 5 days). Only when that passes too is a criticism proposed (the next issue's
    accountability register reads these deadlines)."""
    matter = link.matter
    _check(actor, "matter", "urge", matter.state, matter=matter)
    court = link.deadline.court
    today = timezone.localdate()
    with transaction.atomic():
        _lock(matter, "matter", "urge")
        locked = MatterDeadline.objects.select_for_update().select_related("deadline").get(pk=link.pk)
        if not may_urge(locked, today):
            raise ServiceError("只有已超期、尚未催办的报告或通知答复可以催办。")
        what = "答复通知" if link.request_id is not None else "报告督办函办理情况"
        deadline = _open(
            matter, DeadlinePurpose.URGE, title=f"{court.short_name}催办后{what}", court=court, start=today,
            owner=court.contact, rule_code="SUP_URGE", letter=link.letter, request=link.request, follows=locked,
        )  # fmt: skip
        from zhijian.documents.services import issue_document

        original = (
            link.letter.document
            if link.letter is not None
            else (link.request.document if link.request else None)
        )
        doc = issue_document(
            actor=actor,
            kind="reminder",
            issuing_court=matter.supervising_court,
            recipient_court=court,
            title="催办通知",
            context={
                "paragraphs": [
                    f"本院{('于' + _cn_date(original.issued_on) + '以' + original.number + '向你院发出') if original else '向你院发出'}"
                    f"的{'通知' if link.request_id else '督办函'}（{matter.title}），要求于{_cn_date(link.deadline.due_date)}前{what}，"
                    "你院至今未按期办理。",
                    "现予催办。",
                ],
                "cases": _case_rows(matter, court),
                "deadline": deadline.due_date.isoformat() if deadline.due_date else "",
                "contact": _contact_note(matter),
            },
            owner=locked,
            addressee=f"{court.name}执行局",
        )
        _log(
            matter,
            actor,
            "urge",
            f"向{court.short_name}发出催办通知（{doc.number}），期限至{deadline.due_date}",
            court=court,
        )
        _audit("matter.urge", actor, locked, matter, number=doc.number, court=court.pk)
        _notify(actor, _contacts(court) + _court_directors(court), kind="matter.urge",
                title=f"收到催办通知 {doc.number}（{matter.number}）", url="/matters/workspace/",
                key=f"urge:{locked.pk}", court=court)  # fmt: skip
    return MatterDeadline.objects.get(deadline=deadline)


# --- conclusion --------------------------------------------------------------------------------


def conclude(matter: Matter, actor: User | None, *, summary: str) -> Matter:
    if not summary.strip():
        raise ServiceError("请填写办理结果。", field="summary")
    _check(actor, "matter", "conclude", matter.state, matter=matter)
    today = timezone.localdate()
    with transaction.atomic():
        _cas(
            Matter,
            matter,
            "matter",
            "conclude",
            result_summary=summary.strip(),
            concluded_on=today,
            concluded_by=actor,
        )
        closing = [
            link for p in (DeadlinePurpose.CONCLUDE, DeadlinePurpose.REVIEW, DeadlinePurpose.LETTER)
            for link in _links(matter, p)
        ]  # fmt: skip
        _complete(closing, today, actor=actor)
        _close_requests(matter, actor, "事项办结")
        pending = [s for s in matter.sources.all() if s.report_back and s.reported_on is None]
        text = f"办结：{summary.strip().rstrip('。')}"
        if pending:
            text += "。待向来源报告结果：" + "、".join(s.body for s in pending)
        _log(matter, actor, "conclude", text)
        _audit("matter.conclude", actor, matter, matter, summary=summary.strip())
    return matter


def report_to_source(
    source: MatterSource, actor: User | None, *, note: str, issue_letter: bool = True
) -> MatterSource:
    """The report back to a source that requires it (Art. 3(1)): a document and its deadline."""
    matter = source.matter
    if not source.report_back:
        raise ServiceError("该来源不要求报告结果。")
    if source.reported_on is not None:
        raise Conflict("已向该来源报告过结果。")
    if not note.strip():
        raise ServiceError("请填写报告内容。", field="note")
    _check(actor, "matter", "report_to_source", matter.state, matter=matter)
    today = timezone.localdate()
    with transaction.atomic():
        updated = MatterSource.objects.filter(pk=source.pk, reported_on__isnull=True).update(
            reported_on=today, report_note=note.strip()
        )
        if updated != 1:
            raise Conflict()
        source.reported_on, source.report_note = today, note.strip()
        _complete(_links(matter, DeadlinePurpose.SOURCE, source=source), today, actor=actor)
        text = f"向{source.body}报告办理结果"
        if issue_letter:
            from zhijian.documents.services import issue_document

            doc = issue_document(
                actor=actor,
                kind="source_report",
                issuing_court=matter.supervising_court,
                recipient_court=None,
                title=f"关于{matter.title}办理情况的报告",
                context={
                    "paragraphs": [p for p in note.strip().splitlines() if p.strip()],
                    "matter_number": matter.number,
                    "source": str(source),
                },  # fmt: skip
                owner=source,
                addressee=source.body,
            )
            text += f"（{doc.number}）"
        _log(matter, actor, "report_to_source", text)
        _audit("matter.report_to_source", actor, source, matter, body=source.body)
    return source


def _void_request_document(req: InfoRequest, actor: User | None, why: str) -> None:
    """A withdrawn notice's document is voided too (its number kept), so that the 公文 list does
    not show it as in force."""
    doc = req.document
    if doc is not None and doc.status != "void":
        from zhijian.documents.services import void_document

        void_document(doc, actor=actor, reason=why, via_owner=True)  # type: ignore[arg-type]


def _close_requests(matter: Matter, actor: User | None, why: str) -> None:
    """Requests still unanswered when a matter ends are withdrawn, with their deadlines, so that
    no court is left owing an answer (or counted overdue) on a closed matter."""
    for req in matter.requests.filter(state=RequestState.SENT).select_related("court"):
        if InfoRequest.objects.filter(pk=req.pk, state=RequestState.SENT).update(
            state=RequestState.CANCELLED
        ):
            _complete(
                _links(matter, DeadlinePurpose.REQUEST, request=req)
                + _links(matter, DeadlinePurpose.URGE, request=req),
                timezone.localdate(),
                closed=why,
                actor=actor,
            )
            _void_request_document(req, actor, why)
            _log(
                matter,
                actor,
                "withdraw_request",
                f"{why}，撤回未答复的{RequestKind(req.kind).label}",
                court=req.court,
            )


def cancel(matter: Matter, actor: User | None, *, reason: str) -> Matter:
    if not reason.strip():
        raise ServiceError("请填写撤销理由。", field="reason")
    _check(actor, "matter", "cancel", matter.state, matter=matter)
    with transaction.atomic():
        _cas(Matter, matter, "matter", "cancel", cancel_reason=reason.strip())
        _complete(
            MatterDeadline.objects.select_related("deadline").filter(
                matter=matter, deadline__completed_on__isnull=True
            ),
            timezone.localdate(),
            closed="事项撤销",
            actor=actor,
        )
        _close_requests(matter, actor, "事项撤销")
        _log(matter, actor, "cancel", f"撤销登记：{reason.strip()}")
        _audit("matter.cancel", actor, matter, matter, reason=reason)
    return matter


def comment(matter: Matter, actor: User | None, *, text: str) -> TimelineEntry:
    if not text.strip():
        raise ServiceError("请填写意见。", field="text")
    _check(actor, "matter", "comment", matter.state, matter=matter)
    with transaction.atomic():
        entry = TimelineEntry.objects.create(
            matter=matter, actor=actor, action="comment", text=text.strip(), kind=EntryKind.COMMENT
        )
        _audit("matter.comment", actor, matter, matter)
    return entry


# --- extensions (Art. 9) -----------------------------------------------------------------------


def request_extension(
    link: MatterDeadline, actor: User | None, *, length: int, reason: str
) -> ExtensionRequest:
    matter = link.matter
    deadline = link.deadline
    if length <= 0 or length > 365:
        raise ServiceError("请填写1至365日的延长天数。", field="length")
    if not reason.strip():
        raise ServiceError("请填写延期理由。", field="reason")
    if deadline.completed_on is not None:
        raise ServiceError("该期限已完成，不能申请延期。")
    rule = deadline.rule
    if rule is not None and not rule.extendable:
        raise ServiceError(f"依{rule.basis}，该期限不能延长。")
    unit = UnitChoice.DAYS
    if rule is not None and rule.max_extension_length:
        from zhijian.legaltime.periods import Unit

        unit = UnitChoice(rule.max_extension_unit or rule.unit)
        done = sum(e.length for e in deadline.extensions.all() if e.unit == unit)
        if done + length > rule.max_extension_length:
            raise ServiceError(
                f"依{rule.basis}，该期限延长合计不得超过{rule.max_extension_length}{Unit(unit).label}"
                f"（已延长{done}{Unit(unit).label}）。",
                field="length",
            )
    court = deadline.court
    _check(actor, "matter", "request_extension", matter.state, matter=matter, court=court)
    if (
        actor is not None
        and not actor.is_superuser
        and actor.court_id != matter.supervising_court_id
        and actor.court_id != court.pk
    ):
        raise PermissionDenied("只能为本院的期限申请延期。")
    with transaction.atomic():
        if link.extension_requests.filter(state=ExtensionState.PENDING).exists():
            raise ServiceError("该期限已有待审批的延期申请。")
        ext = ExtensionRequest.objects.create(
            matter=matter, link=link, court=actor.court if actor is not None and actor.court else court,
            length=length, unit=unit, reason=reason.strip(), requested_by=actor or matter.registered_by,
        )  # fmt: skip
        _log(matter, actor, "request_extension", f"申请延长“{DeadlinePurpose(link.purpose).label}”期限{ext.period_label}：{reason.strip()}",
             court=court if court.pk != matter.supervising_court_id else None)  # fmt: skip
        _audit("extension.request", actor, ext, matter, length=length, reason=reason)
        _notify(actor, _city_directors(matter.supervising_court), kind="extension.request",
                title=f"延期申请待审批：{matter.number}", url=matter.get_absolute_url(), key=f"extension:{ext.pk}:new")  # fmt: skip
    return ext


def decide_extension(
    ext: ExtensionRequest, actor: User | None, *, approve: bool, note: str = ""
) -> ExtensionRequest:
    matter = ext.matter
    _check(actor, "matter", "decide_extension", matter.state, matter=matter)
    if not approve and not note.strip():
        raise ServiceError("不批准须填写理由。", field="note")
    rule = ext.link.deadline.rule
    approver = rule.extension_approver if rule is not None else "局长"
    with transaction.atomic():
        state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
        updated = ExtensionRequest.objects.filter(pk=ext.pk, state=ExtensionState.PENDING).update(
            state=state, decided_by=actor, decided_at=timezone.now(), decision_note=note.strip()
        )
        if updated != 1:
            raise Conflict()
        ext.state = state
        if approve:
            reason = ext.reason + (f"（{approver}审批：{note.strip()}）" if note.strip() else "")
            clock.extend_deadline(
                ext.link.deadline,
                actor=actor,
                length=ext.length,
                unit=ext.unit,
                reason=reason,
                via_owner=True,
            )
        verdict = "批准" if approve else "不批准"
        _log(matter, actor, "decide_extension", f"{verdict}“{ext.link.label}”延期{ext.period_label}" + (f"：{note.strip()}" if note.strip() else ""),
             court=ext.court if ext.court_id != matter.supervising_court_id else None)  # fmt: skip
        _audit("extension.decide", actor, ext, matter, approved=approve, reason=note)
        _notify(actor, [ext.requested_by], kind="extension.decided", title=f"{matter.number} 延期申请：{verdict}",
                url=matter.get_absolute_url(), key=f"extension:{ext.pk}:decided")  # fmt: skip
    return ext


# --- designated contacts (Art. 4) --------------------------------------------------------------


def contact_changed(court: Court) -> int:
    """When a court's contact changes, its open items move to the new contact (each item keeps
    who was the contact when it arrived)."""
    purposes = [DeadlinePurpose.SIGN, DeadlinePurpose.REPORT, DeadlinePurpose.REQUEST, DeadlinePurpose.URGE]
    ids = MatterDeadline.objects.filter(deadline__court=court, purpose__in=purposes).values_list(
        "deadline_id", flat=True
    )
    return clock.reassign_owned(
        ids, actor=None, owner=court.contact, reason=f"{court.short_name}更换联络专人"
    )


# --- saved filters -----------------------------------------------------------------------------


def save_filter(actor: User, *, name: str, query: str) -> SavedFilter:
    name = name.strip()
    if not name:
        raise ServiceError("请填写筛选名称。", field="name")
    if len(name) > 40:
        raise ServiceError("筛选名称不超过40个字。", field="name")
    with transaction.atomic():
        saved, _ = SavedFilter.objects.update_or_create(
            user=actor, name=name, defaults={"query": query[:1000]}
        )
        record(
            "supervision.filter.save", actor=actor, target=saved, after={"name": name, "query": query[:1000]}
        )
    return saved


def delete_filter(actor: User, saved: SavedFilter) -> None:
    if saved.user_id != actor.pk:
        raise PermissionDenied("只能删除自己的常用筛选。")
    with transaction.atomic():
        pk = saved.pk
        saved.delete()
        record("supervision.filter.delete", actor=actor, deleted=(saved, pk), target_repr=saved.name)
