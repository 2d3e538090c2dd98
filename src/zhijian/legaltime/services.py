"""The legal clock as the rest of the system uses it: the calendar in force (package data
overlaid by administrator-entered arrangements and a court's local holidays), time-limit rules
by the date of their start event, and every change to deadlines, rules and the calendar —
each checked, written and audited in one transaction.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from zhijian.audit.services import record, snapshot
from zhijian.core.exceptions import ServiceError
from zhijian.org.choices import Role
from zhijian.org.models import Court, User
from zhijian.org.scoping import is_read_only, is_system_admin, writable_court_ids

from .arrangement import Entry
from .calendar import BusinessCalendar, CalendarUnknown, DayFact, package_facts, package_years
from .choices import DeadlineKind, DeadlineStatus, UnitChoice
from .models import (
    CalendarStamp,
    Deadline,
    DeadlineExtension,
    DeadlineInterval,
    HolidayDay,
    HolidayYear,
    TimeLimitRule,
)
from .periods import DueResult, Extension, Interval, PeriodSpec, Unit, compute_due
from .signals import announce

# --- the calendar in force --------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[tuple[str, int | None], BusinessCalendar] = {}
_local_courts: dict[str, frozenset[int]] = {}
_package: tuple[dict[dt.date, DayFact], set[int]] | None = None


def _stamp() -> tuple[int, str]:
    row = CalendarStamp.objects.filter(pk=1).values_list("version", "token").first()
    return (row[0], row[1]) if row else (0, "")


def calendar_version() -> int:
    return _stamp()[0]


def _package_data() -> tuple[dict[dt.date, DayFact], set[int]]:
    global _package
    if _package is None:
        _package = package_facts(package_years())
    return _package


@dataclass(frozen=True)
class Override:
    """A proposed arrangement, for previews: ``entries`` replace the national arrangement of
    ``year`` (``court_id`` None) or that court's local holidays of ``year``."""

    year: int
    entries: list[Entry]
    court_id: int | None = None


def build_calendar(court_id: int | None = None, *, override: Override | None = None) -> BusinessCalendar:
    """Package facts, overlaid by the national arrangements, then by ``court_id``'s local ones."""
    facts_pkg, years_pkg = _package_data()
    facts = dict(facts_pkg)
    known = set(years_pkg)
    national_override = override is not None and override.court_id is None
    national = HolidayYear.objects.filter(court__isnull=True)
    if override is not None and national_override:
        national = national.exclude(year=override.year)
    # An entered national year replaces what the package says about that year (the entry form
    # is pre-filled with the whole year, so removing a line removes the day).
    replaced = set(national.values_list("year", flat=True))
    if override is not None and national_override:
        replaced.add(override.year)
    for date in [d for d in facts if d.year in replaced]:
        del facts[date]
    for day in HolidayDay.objects.filter(arrangement__in=national):
        facts[day.date] = DayFact(day.is_working, day.name)
    known |= set(national.values_list("year", flat=True))
    if override is not None and national_override:
        for entry in override.entries:
            facts[entry.date] = DayFact(entry.is_working, entry.name)
        known.add(override.year)
    if court_id is not None:
        local = HolidayDay.objects.filter(arrangement__court_id=court_id)
        local_override = override is not None and override.court_id == court_id
        if override is not None and local_override:
            local = local.exclude(arrangement__year=override.year)
        for day in local:
            facts[day.date] = DayFact(day.is_working, day.name)
        if override is not None and local_override:
            for entry in override.entries:
                facts[entry.date] = DayFact(entry.is_working, entry.name)
    return BusinessCalendar(facts, known)


def get_calendar(court_id: int | None = None) -> BusinessCalendar:
    """The calendar in force for ``court_id`` (its local holidays included), rebuilt in this
    process when the stamp's token in the database changed — so every web worker and task
    worker follows an administrator's edit. Inside a transaction that changed the calendar,
    the calendar is built from the uncommitted data and not cached (it may be rolled back)."""
    version, token = _stamp()
    dirty = transaction.get_connection().in_atomic_block and token in _uncommitted_tokens
    if court_id is not None and court_id not in _local_court_ids(token, dirty):
        court_id = None
    key = (token, court_id)
    cal = None if dirty else _cache.get(key)
    if cal is None:
        cal = build_calendar(court_id)
        cal.stamp = token
        if not dirty:
            with _lock:
                for stale in [k for k in _cache if k[0] != token]:
                    del _cache[stale]
                _cache[key] = cal
    return cal


_uncommitted_tokens: set[str] = set()


def _local_court_ids(token: str, dirty: bool) -> frozenset[int]:
    ids = None if dirty else _local_courts.get(token)
    if ids is None:
        ids = frozenset(HolidayYear.objects.filter(court__isnull=False).values_list("court_id", flat=True))
        if not dirty:
            _local_courts.clear()
            _local_courts[token] = ids
    return ids


def courts_with_local_holidays() -> set[int]:
    return set(HolidayYear.objects.filter(court__isnull=False).values_list("court_id", flat=True))


def _bump_stamp() -> int:
    """Take the calendar lock (the stamp row) and move the stamp to a new version and token.
    Runs inside the caller's transaction; the new token is marked uncommitted until commit."""
    stamp, _ = CalendarStamp.objects.select_for_update().get_or_create(pk=1, defaults={"version": 0})
    token = uuid.uuid4().hex
    CalendarStamp.objects.filter(pk=1).update(
        version=F("version") + 1, token=token, changed_at=timezone.now()
    )
    _uncommitted_tokens.add(token)
    transaction.on_commit(lambda: _uncommitted_tokens.discard(token))
    return stamp.version + 1


# --- rules ------------------------------------------------------------------------------------


def rule_in_force(code: str, on: dt.date) -> TimeLimitRule:
    """The version of rule ``code`` in force on ``on`` (the start event's date)."""
    rule = (
        TimeLimitRule.objects.filter(code=code, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
        .order_by("-effective_from")
        .first()
    )
    if rule is None:
        raise ServiceError(f"规则 {code} 在 {on.isoformat()} 没有有效版本。")
    return rule


def period_for(rule: TimeLimitRule, *, expedited: bool = False) -> PeriodSpec:
    """The rule's period; the shortened one when the matter is expedited (Art. 9) and the rule
    configures one."""
    if expedited and rule.expedited_length:
        return PeriodSpec(
            rule.expedited_length,
            Unit(rule.expedited_unit or rule.unit),
            f"{rule.basis}（紧急/特事特办）",
            rule.name,
        )
    return PeriodSpec(rule.length, Unit(rule.unit), rule.basis, rule.name)


MAX_LENGTH = {"days": 3650, "workdays": 2500, "months": 120, "years": 10}
FIRST_YEAR, LAST_YEAR = 2000, 2099


def check_date(day: dt.date, label: str = "日期") -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ServiceError(f"{label}须在{FIRST_YEAR}年至{LAST_YEAR}年之间。")


def check_period(start: dt.date, length: int, unit: str) -> None:
    """Dates and lengths the legal clock accepts (anything else is a typing error)."""
    check_date(start, "起算日")
    if unit not in UnitChoice.values:
        raise ServiceError("请选择期限单位。")
    if length <= 0 or length > MAX_LENGTH[unit]:
        raise ServiceError(f"期限长度须在 1 至 {MAX_LENGTH[unit]}{Unit(unit).label}之间。")


def calculate(
    start: dt.date,
    *,
    rule: TimeLimitRule | None = None,
    length: int | None = None,
    unit: str | None = None,
    expedited: bool = False,
    court_id: int | None = None,
    allow_provisional: bool = False,
) -> DueResult:
    """The calculator's and the CLI's entry point: a rule (the version in force on ``start``),
    or a free length and unit."""
    from .events import event_label

    if rule is not None:
        rule = rule_in_force(rule.code, start)
        spec = period_for(rule, expedited=expedited)
    elif length and unit:
        spec = PeriodSpec(length, Unit(unit), "")
    else:
        raise ServiceError("请选择期限规则，或填写期限长度和单位。")
    check_period(start, spec.length, spec.unit.value)
    label = event_label(rule.start_event) if rule is not None else ""
    result = compute_due(
        start, spec, get_calendar(court_id), allow_provisional=allow_provisional, start_label=label
    )
    if rule is not None:
        until = f"至{rule.effective_to.isoformat()}前" if rule.effective_to else "起施行"
        result.steps.insert(
            1,
            f"适用规则：{rule.name}（第{rule.version}版，{rule.effective_from.isoformat()}{until}，按起算日确定版本）。",
        )
        if expedited and not rule.expedited_length:
            result.steps.insert(2, "该规则未规定特事特办的缩短期限，按一般期限计算。")
    return result


def due_soon_workdays() -> int:
    return int(getattr(settings, "ZHIJIAN_DUE_SOON_WORKDAYS", 2))


def deadline_status(
    deadline: Deadline, today: dt.date | None = None, calendar: BusinessCalendar | None = None
) -> str:
    """未到期 / 即将到期 / 已超期 / 按期完成 / 超期完成 / 中止中 / 暂定, derived from today and the
    calendar of the deadline's court. A 暂定 deadline that is due soon shows 即将到期 (the board
    marks it 暂定 as well)."""
    today = today or timezone.localdate()
    if deadline.closed_reason:
        return DeadlineStatus.CLOSED
    if deadline.completed_on is not None:
        if deadline.due_date is None or deadline.completed_on <= deadline.due_date:
            return DeadlineStatus.MET
        return DeadlineStatus.MET_LATE
    if deadline.suspended_since is not None or deadline.due_date is None:
        return DeadlineStatus.SUSPENDED
    if deadline.due_date < today:
        return DeadlineStatus.OVERDUE
    if deadline.due_date <= due_soon_limit(today, calendar or get_calendar(deadline.court_id)):
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.PROVISIONAL if deadline.provisional else DeadlineStatus.PENDING


def due_soon_limit(today: dt.date | None = None, calendar: BusinessCalendar | None = None) -> dt.date:
    """The last due date that counts as 即将到期 today."""
    today = today or timezone.localdate()
    n = due_soon_workdays()
    if n <= 0:
        return today
    try:
        return (calendar or get_calendar()).add_working_days(today, n)
    except CalendarUnknown:
        return (calendar or get_calendar()).provisional().add_working_days(today, n)


def _spec_of(deadline: Deadline) -> PeriodSpec:
    return PeriodSpec(deadline.length, Unit(deadline.unit), deadline.basis)


def evaluate(deadline: Deadline, calendar: BusinessCalendar | None = None) -> DueResult:
    calendar = calendar or get_calendar(deadline.court_id)
    intervals = [Interval(i.start, i.end, i.reason) for i in deadline.intervals.all()] if deadline.pk else []
    extensions = (
        [Extension(e.length, Unit(e.unit), e.reason) for e in deadline.extensions.all()]
        if deadline.pk
        else []
    )
    from .events import event_label

    return compute_due(
        deadline.start_date,
        _spec_of(deadline),
        calendar,
        exclusions=intervals,
        extensions=extensions,
        allow_provisional=True,
        start_label=event_label(deadline.start_event),
    )


def _apply(deadline: Deadline, result: DueResult, version: int) -> bool:
    """Copy a computation onto the deadline; True when the due date (or its state) changed."""
    before = (deadline.due_date, deadline.provisional, deadline.suspended_since)
    deadline.due_date = result.due
    deadline.raw_end = result.raw_end
    deadline.provisional = result.provisional
    deadline.suspended_since = result.suspended_since
    deadline.explanation = result.steps
    deadline.calendar_version = version
    return before != (deadline.due_date, deadline.provisional, deadline.suspended_since)


DEADLINE_FIELDS = (
    "kind",
    "title",
    "court",
    "owner",
    "rule",
    "length",
    "unit",
    "start_date",
    "expedited",
    "due_date",
    "provisional",
    "suspended_since",
    "completed_on",
)


# Deadlines that belong to a workflow (a supervision matter's 督办函, report, request …) are
# moved only through that workflow: an Art. 9 extension is requested and approved there, and a
# report deadline is met by the report, not by a click on the deadline page. Each manager returns
# where the deadline is managed (e.g. "监督事项 2026督0001"), or None.
_managers: list[Callable[[Deadline], str | None]] = []


def register_deadline_manager(fn: Callable[[Deadline], str | None]) -> Callable[[Deadline], str | None]:
    if fn not in _managers:
        _managers.append(fn)
    return fn


def managed_by(deadline: Deadline) -> str | None:
    for fn in _managers:
        where = fn(deadline)
        if where:
            return where
    return None


def _refuse_managed(deadline: Deadline, via_owner: bool) -> None:
    if via_owner:
        return
    where = managed_by(deadline)
    if where:
        raise ServiceError(f"该期限属于{where}，请在该处办理（完成由相应办理步骤记录，延期须申请并经审批）。")


def _require_write(actor: User | None, court: Court) -> None:
    if actor is None or actor.is_superuser:
        return
    if is_read_only(actor) or court.pk not in writable_court_ids(actor):
        raise PermissionDenied("您无权办理该法院的期限事项。")


def create_deadline(
    *,
    actor: User | None,
    title: str,
    court: Court,
    start_date: dt.date,
    kind: str = DeadlineKind.MANUAL,
    owner: User | None = None,
    rule_code: str = "",
    length: int | None = None,
    unit: str = "",
    expedited: bool = False,
    start_event: str = "manual",
    note: str = "",
) -> Deadline:
    """A deadline from a rule (the version in force on ``start_date``) or a free length."""
    _require_write(actor, court)
    title = title.strip()
    if not title:
        raise ServiceError("请填写期限事项。", field="title")
    if not rule_code and (not length or length <= 0 or unit not in UnitChoice.values):
        raise ServiceError("请填写正整数的期限长度并选择单位。", field="length")
    if expedited and not rule_code:
        raise ServiceError(
            "特事特办只对按规则计算的期限有效（规则规定了缩短的期限时适用）。", field="expedited"
        )
    check_date(start_date, "起算日")
    if not rule_code:
        assert length is not None
        check_period(start_date, length, unit)
    with transaction.atomic():
        rule = None
        basis = "自定期限"
        if rule_code:
            # locked, so that a revision of the rule running now cannot leave this deadline
            # on the version it is closing
            found = rule_in_force(rule_code, start_date)
            rule = TimeLimitRule.objects.select_for_update().get(pk=found.pk)
            if not rule.in_force_on(start_date):
                rule = rule_in_force(rule_code, start_date)
            spec = period_for(rule, expedited=expedited)
            length, unit, basis, start_event = spec.length, spec.unit.value, spec.basis, rule.start_event
        assert length is not None
        deadline = Deadline(
            kind=kind,
            title=title,
            court=court,
            owner=owner,
            rule=rule,
            rule_code=rule.code if rule else "",
            length=length,
            unit=unit,
            basis=basis,
            start_event=start_event,
            start_date=start_date,
            expedited=expedited,
            note=note,
            created_by=actor,
        )
        _apply(deadline, evaluate(deadline), calendar_version())
        deadline.save()
        record(
            "legaltime.deadline.create",
            actor=actor,
            target=deadline,
            after=snapshot(deadline, DEADLINE_FIELDS),
        )
    return deadline


def _can_extend(actor: User | None, deadline: Deadline) -> bool:
    if actor is None or actor.is_superuser:
        return True
    if deadline.kind == DeadlineKind.MANUAL and deadline.rule_id is None and deadline.owner_id == actor.pk:
        return True  # a free, hand-set deadline (not a legal time limit) is its owner's to move
    return _is_director_for(actor, deadline)


def _is_director_for(actor: User | None, deadline: Deadline) -> bool:
    if actor is None or actor.is_superuser:
        return True
    if actor.has_role(Role.DIRECTOR) and deadline.court_id in writable_court_ids(actor):
        return True
    return actor.has_role(Role.BASIC_DIRECTOR) and deadline.court_id == actor.court_id


def _extension_total(deadline: Deadline, unit: str) -> int:
    return sum(e.length for e in deadline.extensions.all() if e.unit == unit)


def extend_deadline(
    deadline: Deadline, *, actor: User | None, length: int, unit: str, reason: str, via_owner: bool = False
) -> Deadline:
    """Approve an extension (Art. 9: 需要延长期限的，由执行局长批准). A rule that is not
    extendable refuses; a rule's cap (e.g. 执复: at most 30 days) is enforced; the approver the
    rule names (e.g. 院长) is recorded with the extension."""
    _require_write(actor, deadline.court)
    _refuse_managed(deadline, via_owner)
    if not _can_extend(actor, deadline):
        raise PermissionDenied("延长期限须由局长批准。")
    if length <= 0 or unit not in UnitChoice.values or length > MAX_LENGTH[unit]:
        raise ServiceError("请填写合理的延长长度并选择单位。")
    if not reason.strip():
        raise ServiceError("请填写延长理由。")
    with transaction.atomic():
        deadline = Deadline.objects.select_for_update(of=("self",)).select_related("rule").get(pk=deadline.pk)
        if deadline.completed_on is not None:
            raise ServiceError("该期限已完成，不能延长。")
        rule = deadline.rule
        if rule is not None and not rule.extendable:
            raise ServiceError(f"依{rule.basis}，该期限不能延长。")
        if rule is not None and rule.max_extension_length:
            cap_unit = rule.max_extension_unit or rule.unit
            if unit != cap_unit:
                raise ServiceError(
                    f"该期限最多延长{rule.max_extension_length}{Unit(cap_unit).label}，请按此单位填写。"
                )
            if _extension_total(deadline, unit) + length > rule.max_extension_length:
                raise ServiceError(
                    f"依{rule.basis}，延长合计不得超过{rule.max_extension_length}{Unit(cap_unit).label}。"
                )
        before = snapshot(deadline, ("due_date", "provisional"))
        approver_title = rule.extension_approver if rule is not None else ""
        DeadlineExtension.objects.create(
            deadline=deadline,
            length=length,
            unit=unit,
            reason=reason.strip(),
            approved_by=actor,
            approver_title=approver_title,
            previous_due=deadline.due_date,
        )
        _apply(deadline, evaluate(deadline), calendar_version())
        deadline.save()
        record(
            "legaltime.deadline.extend",
            actor=actor,
            target=deadline,
            before=before,
            after={
                **snapshot(deadline, ("due_date", "provisional")),
                "extension": f"{length}{Unit(unit).label}",
                "approver_title": approver_title,
            },
            reason=reason,
        )
    return deadline


def suspend_deadline(
    deadline: Deadline, *, actor: User | None, start: dt.date, reason: str, via_owner: bool = False
) -> Deadline:
    """Record a period not counted (中止 …) from ``start``; the deadline stops running. A period
    that has already expired cannot be suspended (it stays 已超期)."""
    _require_write(actor, deadline.court)
    _refuse_managed(deadline, via_owner)
    if not reason.strip():
        raise ServiceError("请填写中止事由。")
    if start <= deadline.start_date:
        raise ServiceError("中止日期必须晚于起算日（起算日本身不计入期限）。")
    if start > timezone.localdate():
        raise ServiceError("中止日期不能晚于今天：请在中止实际发生后登记。")
    with transaction.atomic():
        deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
        if deadline.completed_on is not None or deadline.intervals.filter(end__isnull=True).exists():
            raise ServiceError("该期限已完成或已处于中止中。")
        if deadline.due_date is not None and start > deadline.due_date:
            raise ServiceError(f"期限已于{deadline.due_date.isoformat()}届满，不能再中止。")
        if (
            deadline.due_date is not None
            and deadline.due_date < timezone.localdate()
            and not _is_director_for(actor, deadline)
        ):
            raise PermissionDenied("该期限已超期：补登超期前发生的中止，须由局长办理。")
        before = snapshot(deadline, ("due_date", "suspended_since"))
        DeadlineInterval.objects.create(
            deadline=deadline, start=start, reason=reason.strip(), recorded_by=actor
        )
        _apply(deadline, evaluate(deadline), calendar_version())
        deadline.save()
        record(
            "legaltime.deadline.suspend",
            actor=actor,
            target=deadline,
            before=before,
            after=snapshot(deadline, ("due_date", "suspended_since")),
            reason=reason,
        )
    return deadline


def resume_deadline(
    deadline: Deadline, *, actor: User | None, end: dt.date, via_owner: bool = False
) -> Deadline:
    """Close the open interval on ``end`` (its last day not counted either); the deadline runs
    again with the interval's whole length added."""
    _require_write(actor, deadline.court)
    _refuse_managed(deadline, via_owner)
    with transaction.atomic():
        deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
        interval = deadline.intervals.filter(end__isnull=True).first()
        if interval is None:
            raise ServiceError("该期限没有处于中止中。")
        if end < interval.start:
            raise ServiceError("中止的最后一日不能早于中止日期。")
        if end > timezone.localdate():
            raise ServiceError("中止的最后一日不能晚于今天。")
        before = snapshot(deadline, ("due_date", "suspended_since"))
        interval.end = end
        interval.save(update_fields=["end"])
        _apply(deadline, evaluate(deadline), calendar_version())
        deadline.save()
        record(
            "legaltime.deadline.resume",
            actor=actor,
            target=deadline,
            before=before,
            after=snapshot(deadline, ("due_date", "suspended_since")),
        )
    return deadline


def complete_deadline(
    deadline: Deadline, *, actor: User | None, on: dt.date | None = None, via_owner: bool = False
) -> Deadline:
    _require_write(actor, deadline.court)
    _refuse_managed(deadline, via_owner)
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ServiceError("完成日期不能晚于今天。")
    if on < deadline.start_date:
        raise ServiceError("完成日期不能早于起算日。")
    with transaction.atomic():
        updated = Deadline.objects.filter(pk=deadline.pk, completed_on__isnull=True).update(completed_on=on)
        if updated != 1:
            raise ServiceError("该期限已由他人办结，请刷新后查看。")
        deadline.refresh_from_db()
        record(
            "legaltime.deadline.complete",
            actor=actor,
            target=deadline,
            after={"completed_on": on, "status": DeadlineStatus(deadline_status(deadline, on)).label},
        )
    return deadline


# --- deadlines a workflow owns (see register_deadline_manager) ----------------------------------


def finish_owned(deadline_ids: Iterable[int], *, actor: User | None, on: dt.date, closed: str = "") -> int:
    """The owning workflow ends its deadlines: met on ``on`` (never before a deadline's start), or
    — with ``closed`` — ended because their object went away (已撤销（不计）). Each deadline still
    open is updated once (compare-and-swap on ``completed_on``) and audited; the owner has checked
    the permission. Returns how many changed."""
    changed = 0
    for deadline in Deadline.objects.filter(pk__in=list(deadline_ids), completed_on__isnull=True):
        day = max(on, deadline.start_date)
        if not Deadline.objects.filter(pk=deadline.pk, completed_on__isnull=True).update(
            completed_on=day, closed_reason=closed[:200]
        ):
            continue
        deadline.completed_on, deadline.closed_reason = day, closed[:200]
        status = DeadlineStatus(deadline_status(deadline, day))
        record(
            "legaltime.deadline.close" if closed else "legaltime.deadline.complete",
            actor=actor,
            target=deadline,
            after={"completed_on": day, "status": status.label},
            reason=closed,
        )
        changed += 1
    return changed


def reopen_owned(deadline: Deadline, *, actor: User | None, reason: str) -> bool:
    """The owning workflow reopens a deadline it had ended (e.g. a report not accepted): running
    again on its original due date, so a late completion stays late. Audited."""
    if deadline.completed_on is None:
        return False
    before = {"completed_on": deadline.completed_on, "closed_reason": deadline.closed_reason}
    if not Deadline.objects.filter(pk=deadline.pk, completed_on=deadline.completed_on).update(
        completed_on=None, closed_reason=""
    ):
        return False
    deadline.completed_on, deadline.closed_reason = None, ""
    record("legaltime.deadline.reopen", actor=actor, target=deadline, before=before,
           after={"completed_on": None}, reason=reason)  # fmt: skip
    return True


def reassign_owned(
    deadline_ids: Iterable[int], *, actor: User | None, owner: User | None, reason: str
) -> int:
    """The owning workflow hands its open deadlines to another person (a new officer, a new
    designated contact); audited once with the count."""
    ids = list(Deadline.objects.filter(pk__in=list(deadline_ids), completed_on__isnull=True).exclude(
        owner=owner).values_list("pk", flat=True))  # fmt: skip
    if not ids:
        return 0
    Deadline.objects.filter(pk__in=ids).update(owner=owner)
    record(
        "legaltime.deadline.reassign",
        actor=actor,
        court=owner.court if owner is not None else None,
        after={"deadlines": ids, "owner": owner.pk if owner is not None else None},
        reason=reason,
    )
    return len(ids)


# --- bulk recompute ---------------------------------------------------------------------------


@dataclass
class Move:
    deadline: Deadline
    old_due: dt.date | None
    new_due: dt.date | None
    old_provisional: bool
    new_provisional: bool


def _calendar_for(
    court_id: int, local: set[int], cache: dict[int | None, BusinessCalendar], override: Override | None
) -> BusinessCalendar:
    key = court_id if court_id in local or (override is not None and override.court_id == court_id) else None
    if key not in cache:
        cache[key] = build_calendar(key, override=override) if override is not None else build_calendar(key)
    return cache[key]


def plan_recompute(deadlines: Iterable[Deadline], *, override: Override | None = None) -> list[Move]:
    """What recomputing would change, without writing (the holiday-admin preview)."""
    local = courts_with_local_holidays()
    cache: dict[int | None, BusinessCalendar] = {}
    moves = []
    for deadline in deadlines:
        if override is not None and override.court_id is not None and deadline.court_id != override.court_id:
            continue
        cal = _calendar_for(deadline.court_id, local, cache, override)
        result = evaluate(deadline, cal)
        if (result.due, result.provisional) != (deadline.due_date, deadline.provisional):
            moves.append(
                Move(deadline, deadline.due_date, result.due, deadline.provisional, result.provisional)
            )
    return moves


def open_deadlines(*, lock: bool = False) -> Any:
    """Open deadlines with what evaluation needs. With ``lock`` (inside a transaction), the rows
    are locked (PostgreSQL ``FOR UPDATE``), so a recompute cannot overwrite an extension or
    suspension committed meanwhile; SQLite's IMMEDIATE transactions serialise writers anyway."""
    qs = Deadline.objects.open()
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.select_related("court").prefetch_related("intervals", "extensions").order_by("pk")


def recompute_deadlines(deadlines: Iterable[Deadline]) -> int:
    """Recompute and save; the number of deadlines whose due date (or 暂定/中止 state) moved."""
    version = calendar_version()
    local = courts_with_local_holidays()
    cache: dict[int | None, BusinessCalendar] = {}
    changed: list[Deadline] = []
    touched: list[Deadline] = []
    for deadline in deadlines:
        cal = _calendar_for(deadline.court_id, local, cache, None)
        if _apply(deadline, evaluate(deadline, cal), version):
            changed.append(deadline)
        touched.append(deadline)
    fields = ["due_date", "raw_end", "provisional", "suspended_since", "explanation", "calendar_version"]
    Deadline.objects.bulk_update(touched, fields, batch_size=500)
    return len(changed)


# --- the holiday arrangement ------------------------------------------------------------------


def _require_admin(actor: User | None, court: Court | None) -> None:
    """The national calendar and the rules are system-wide: superusers and the administrators
    of the home court(s). A court's local holidays: an administrator who administers it."""
    if actor is None or actor.is_superuser:
        return
    if court is None:
        if not is_system_admin(actor):
            raise PermissionDenied("只有本系统所属法院的系统管理员可以维护全国节假日安排和期限规则。")
        return
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("只有系统管理员可以维护节假日安排。")
    _require_write(actor, court)


def save_holiday_year(
    *, actor: User | None, year: int, entries: Sequence[Entry], court: Court | None = None, source: str = ""
) -> tuple[HolidayYear, int]:
    """Replace the arrangement of ``year`` (national, or ``court``'s local holidays), bump the
    calendar stamp and recompute every open deadline. Returns (arrangement, deadlines moved)."""
    _require_admin(actor, court)
    if not entries:
        raise ServiceError(f"{year}年没有录入任何节假日。")
    if any(e.date.year != year for e in entries):
        raise ServiceError(f"所有日期必须在{year}年内。")
    with transaction.atomic():
        _bump_stamp()  # the calendar lock, taken first
        arrangement, created = HolidayYear.objects.get_or_create(
            year=year, court=court, defaults={"source": source, "entered_by": actor}
        )
        before = [
            f"{d.date.isoformat()} {'班' if d.is_working else '休'} {d.name}" for d in arrangement.days.all()
        ]
        arrangement.source = source
        arrangement.entered_by = actor
        arrangement.entered_at = timezone.now()
        arrangement.save()
        arrangement.days.all().delete()
        HolidayDay.objects.bulk_create(
            HolidayDay(arrangement=arrangement, date=e.date, is_working=e.is_working, name=e.name)
            for e in entries
        )
        moved = recompute_deadlines(open_deadlines(lock=True))
        if court is None:  # a court's local holidays do not enter the cases' columns
            announce("calendar")
        record(
            "legaltime.calendar.save",
            actor=actor,
            target=arrangement,
            court=court,
            before={"days": before} if not created else None,
            after={
                "year": year,
                "days": [f"{e.date.isoformat()} {'班' if e.is_working else '休'} {e.name}" for e in entries],
                "deadlines_moved": moved,
            },
            reason=source,
        )
    return arrangement, moved


def recompute_all(*, actor: User | None, reason: str = "") -> int:
    """Recompute every open deadline under the calendar in force (e.g. after upgrading the
    holiday package); bumps the stamp so every process rebuilds its index. Audited."""
    with transaction.atomic():
        version = _bump_stamp()
        moved = recompute_deadlines(open_deadlines(lock=True))
        announce("recompute")
        record(
            "legaltime.calendar.recompute",
            actor=actor,
            after={"calendar_version": version, "deadlines_moved": moved},
            reason=reason,
        )
    return moved


def revise_rule(
    rule: TimeLimitRule, *, actor: User | None, effective_from: dt.date, reason: str, **changes: Any
) -> tuple[TimeLimitRule, int]:
    """A new version of ``rule`` from ``effective_from``; deadlines whose start event falls on
    or after that date move to it and are recomputed. Returns (new version, deadlines moved)."""
    _require_admin(actor, None)
    allowed = {
        "name",
        "governs",
        "length",
        "unit",
        "expedited_length",
        "expedited_unit",
        "basis_document",
        "basis_article",
        "extendable",
        "extension_approver",
        "max_extension_length",
        "max_extension_unit",
        "is_default",
        "conflict_note",
        "confidence",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ServiceError(f"字段 {', '.join(sorted(unknown))} 不能修改。")
    if not reason.strip():
        raise ServiceError("请填写修改理由（例如新规定的文号）。")
    with transaction.atomic():
        current = TimeLimitRule.objects.select_for_update().get(pk=rule.pk)
        if current.effective_to is not None:
            latest_version = TimeLimitRule.objects.filter(code=current.code).order_by("-version").first()
            assert latest_version is not None
            raise ServiceError(f"请在最新的第{latest_version.version}版上修订（修订会生成其后的新版本）。")
        if effective_from <= current.effective_from:
            raise ServiceError(
                f"生效日期必须晚于现行版本的生效日期（{current.effective_from.isoformat()}）。"
            )
        latest = TimeLimitRule.objects.filter(code=current.code).order_by("-version").first()
        assert latest is not None
        new = TimeLimitRule.objects.get(pk=current.pk)
        new.pk = None
        new.version = latest.version + 1
        new.effective_from = effective_from
        new.effective_to = None
        new.created_at = timezone.now()
        for name, value in changes.items():
            setattr(new, name, value)
        if new.length <= 0 or new.unit not in UnitChoice.values:
            raise ServiceError("期限长度必须为正整数，并选择单位。")
        if new.expedited_length:
            if new.expedited_unit not in UnitChoice.values:
                raise ServiceError("填写了特事特办期限的，请选择其单位。")
        else:
            new.expedited_length, new.expedited_unit = None, ""
        if new.max_extension_length and new.max_extension_unit not in UnitChoice.values:
            raise ServiceError("填写了最多延长期限的，请选择其单位。")
        new.save()
        TimeLimitRule.objects.filter(pk=current.pk).update(effective_to=effective_from)
        affected = list(
            open_deadlines(lock=True).filter(rule_code=current.code, start_date__gte=effective_from)
        )
        for deadline in affected:
            spec = period_for(new, expedited=deadline.expedited)
            deadline.rule = new
            deadline.length, deadline.unit, deadline.basis = spec.length, spec.unit.value, spec.basis
        if affected:
            Deadline.objects.bulk_update(affected, ["rule", "length", "unit", "basis"], batch_size=500)
        moved = recompute_deadlines(affected)
        announce(f"rule:{new.code}")
        record(
            "legaltime.rule.revise",
            actor=actor,
            target=new,
            court=actor.court if actor else None,
            before=snapshot(current, ("code", "version", "length", "unit", "effective_from")),
            after={
                **snapshot(new, ("code", "version", "length", "unit", "effective_from")),
                "deadlines_moved": moved,
            },
            reason=reason,
        )
    return new, moved


def seed_rules() -> int:
    """Create the default rules that do not exist yet (idempotent)."""
    from .defaults import RULES

    created = 0
    for spec in RULES:
        if TimeLimitRule.objects.filter(code=spec["code"]).exists():
            continue
        data = {**spec, "effective_from": dt.date.fromisoformat(spec.get("effective_from", "2016-01-01"))}
        with transaction.atomic():
            rule = TimeLimitRule.objects.create(**data)
            record(
                "legaltime.rule.seed",
                actor=None,
                target=rule,
                after=snapshot(rule, ("code", "length", "unit")),
            )
        created += 1
    return created
