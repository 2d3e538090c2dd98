"""A case's due dates by the legal clock: the enforcement time limit (``limit_due``) and one
column pair per Art. 7(b)/(c) node check (``<key>_due`` and ``<key>_done``).

Every number comes from the rule table (``legaltime.TimeLimitRule``, versioned): the version in
force on the start date, and of a check's rules the one marked default (the binding judicial
interpretation; an administrator may make the stricter internal rule the default instead).
Nothing here writes; ``services`` (import) and ``recompute_cases`` (below) write the columns.

Two paths compute the same dates:

* ``RuleBook.limit_fast`` / ``RuleBook.handler_fast`` — for a row of a case file without events
  or suspensions: ordinals only, about a microsecond per case (the import's path);
* ``case_dues`` — for a case with events, suspensions and extensions, by
  ``legaltime.periods.compute_due``, which also explains every step (the detail page and the
  bulk recompute).

Start events that a case-flow export often lacks (收到申请执行书, 承办人收到案件材料, 收到书面异议,
收到复议申请) fall back to 立案, and the explanation says so. A node check applies only once the
case's events have been imported (``events_as_of``); the handler check also from the case file
(an empty 承办人). While a suspension (中止、暂缓 …) is open no period runs: every due date is
empty and the case shows 中止中（自…）. Closed suspensions are excluded from every period
(both ends counted, overlaps merged) — 执行程序解释第十三条 for the time limit; for the node checks
this is a documented decision (docs/cases.md): a suspended case owes no act.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from zhijian.legaltime.calendar import BusinessCalendar, CalendarUnknown
from zhijian.legaltime.events import event_label
from zhijian.legaltime.models import TimeLimitRule
from zhijian.legaltime.periods import (
    DueResult,
    Extension,
    Interval,
    PeriodSpec,
    Unit,
    compute_due,
    due_ordinal,
    fmt,
)

from .models import ScanRule

LIMIT_RULES = ("CASE_LIMIT", "CASE_LIMIT_NONLIT", "CASE_LIMIT_OBJECTION", "CASE_LIMIT_RECONSIDERATION")
# start events a case-flow export may lack: counted from 立案 instead (and said so)
FALLBACK_TO_FILED = frozenset(
    {"application_received", "materials_received", "objection_received", "reconsideration_received"}
)
# events whose period is not counted (执行程序解释第十三条): event code → suspension kind
SUSPENDING_EVENTS = {
    "suspended": "suspended",
    "deferred": "deferred",
    "announcement": "announcement",
    "appraisal": "appraisal",
    "jurisdiction_dispute": "jurisdiction_dispute",
    "coordination": "coordination",
}


@dataclass(frozen=True)
class NodeCheck:
    """One Art. 7(b)/(c) check: a required document or act (``done`` events) due by a node rule
    (the default one of ``rules`` in force) counted from the rule's start event."""

    key: str
    label: str
    rules: tuple[str, ...]
    done: tuple[str, ...]
    scan_rule: str

    @property
    def due_field(self) -> str:
        return f"{self.key}_due"

    @property
    def done_field(self) -> str:
        return f"{self.key}_done"


NODE_CHECKS: tuple[NodeCheck, ...] = (
    NodeCheck("handler", "确定承办人", ("NODE_HANDLER",), ("handler_assigned",), ScanRule.ART7_HANDLER),
    NodeCheck(
        "notice",
        "发出执行通知书",
        ("NODE_NOTICE", "NODE_NOTICE_3D"),
        ("notice_issued",),
        ScanRule.ART7_NOTICE,
    ),
    NodeCheck(
        "clues_request",
        "通知申请执行人提供财产线索",
        ("NODE_CLUES_REQUEST",),
        ("clues_requested",),
        ScanRule.ART7_CLUES_REQUEST,
    ),
    NodeCheck(
        "clue_check",
        "核查财产线索",
        ("NODE_CLUE_CHECK", "NODE_CLUE_CHECK_5D"),
        ("clues_checked",),
        ScanRule.ART7_CLUE_CHECK,
    ),
    NodeCheck(
        "investigation_start",
        "启动财产调查",
        ("NODE_INVESTIGATION_START",),
        ("investigation_started",),
        ScanRule.ART7_INVESTIGATION_START,
    ),
    NodeCheck(
        "investigation_done",
        "完成财产调查",
        ("NODE_INVESTIGATION_DONE",),
        ("investigation_done",),
        ScanRule.ART7_INVESTIGATION_DONE,
    ),
    NodeCheck("payout", "发放执行款", ("NODE_MONEY_PAYOUT",), ("money_paid",), ScanRule.ART7_PAYOUT),
)
NODE_FIELDS: tuple[str, ...] = tuple(f for c in NODE_CHECKS for f in (c.due_field, c.done_field))
DUE_FIELDS: tuple[str, ...] = (
    "limit_rule",
    "limit_due",
    "limit_provisional",
    "suspended_since",
    *NODE_FIELDS,
)


@dataclass(frozen=True)
class RuleVersion:
    code: str
    name: str
    effective_from: dt.date
    effective_to: dt.date | None
    length: int
    unit: Unit
    start_event: str
    case_types: frozenset[str]  # empty: any type
    non_litigation: bool | None
    is_default: bool
    basis: str

    def applies(self, day: dt.date, type_code: str, non_litigation: bool) -> bool:
        return (
            self.effective_from <= day
            and (self.effective_to is None or day < self.effective_to)
            and (not self.case_types or type_code in self.case_types)
            and (self.non_litigation is None or self.non_litigation == non_litigation)
        )

    @property
    def spec(self) -> PeriodSpec:
        return PeriodSpec(self.length, self.unit, basis=self.basis, name=self.name)


class RuleBook:
    """The rule table loaded once (a few dozen rows) for a batch of cases."""

    def __init__(self, rules: Iterable[TimeLimitRule] | None = None) -> None:
        codes = {*LIMIT_RULES, *(code for c in NODE_CHECKS for code in c.rules)}
        rows = rules if rules is not None else TimeLimitRule.objects.filter(code__in=codes)
        self.versions: dict[str, list[RuleVersion]] = {}
        for r in rows:
            self.versions.setdefault(r.code, []).append(
                RuleVersion(
                    code=r.code,
                    name=r.name,
                    effective_from=r.effective_from,
                    effective_to=r.effective_to,
                    length=r.length,
                    unit=Unit(r.unit),
                    start_event=r.start_event,
                    case_types=frozenset(t.strip() for t in (r.case_types or "").split(",") if t.strip()),
                    non_litigation=r.non_litigation,
                    is_default=r.is_default,
                    basis=f"{r.basis_document}{r.basis_article}",
                )
            )
        self._limit_cache: dict[tuple[str, bool, int], RuleVersion | None] = {}

    def pick(
        self, codes: Sequence[str], day: dt.date, type_code: str, non_litigation: bool
    ) -> RuleVersion | None:
        """The version in force on ``day`` that applies to the case; the default rule first."""
        found = [
            v
            for code in codes
            for v in self.versions.get(code, ())
            if v.applies(day, type_code, non_litigation)
        ]
        found.sort(key=lambda v: not v.is_default)
        return found[0] if found else None

    def limit_rule(self, day: dt.date, type_code: str, non_litigation: bool) -> RuleVersion | None:
        key = (type_code, non_litigation, day.toordinal())
        if key not in self._limit_cache:
            self._limit_cache[key] = self.pick(LIMIT_RULES, day, type_code, non_litigation)
        return self._limit_cache[key]

    def limit_fast(
        self,
        calendar: BusinessCalendar,
        filed_on: dt.date,
        type_code: str,
        non_litigation: bool,
        extension_days: int = 0,
        approved_on: dt.date | None = None,
    ) -> tuple[str, dt.date | None, bool]:
        """(rule code, due date, provisional) of a case without events or suspensions. An
        extension approved after the limit had expired is not counted (若干期限规定第一条:
        extensions are approved before expiry); without an approval date it is counted."""
        rule = self.limit_rule(filed_on, type_code, non_litigation)
        if rule is None:
            return "", None, False
        if extension_days and approved_on is not None:
            plain, provisional = _fast(calendar, filed_on, rule, 0)
            if approved_on > plain:
                return rule.code, plain, provisional
        return (rule.code, *_fast(calendar, filed_on, rule, extension_days))

    def handler_fast(
        self,
        calendar: BusinessCalendar,
        filed_on: dt.date,
        type_code: str,
        has_handler: bool,
        non_litigation: bool = False,
    ) -> tuple[dt.date | None, dt.date | None, bool]:
        """(handler_due, handler_done, provisional) from the case file alone: a handler named
        in the export counts as assigned on the filing date (the export has no date for it)."""
        rule = self.pick(NODE_CHECKS[0].rules, filed_on, type_code, non_litigation)
        if rule is None:
            return None, None, False
        due, provisional = _fast(calendar, filed_on, rule, 0)
        return due, (filed_on if has_handler else None), provisional


def _fast(calendar: BusinessCalendar, start: dt.date, rule: RuleVersion, extra: int) -> tuple[dt.date, bool]:
    try:
        return dt.date.fromordinal(
            due_ordinal(calendar, start.toordinal(), rule.length, rule.unit, extra)
        ), False
    except CalendarUnknown:
        ordinal = due_ordinal(calendar.provisional(), start.toordinal(), rule.length, rule.unit, extra)
        return dt.date.fromordinal(ordinal), True


# --- the full computation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    code: str
    on: dt.date
    end_on: dt.date | None = None


@dataclass
class CaseFacts:
    """What the due dates of one case depend on."""

    filed_on: dt.date
    type_code: str
    non_litigation: bool = False
    has_handler: bool = True
    events_imported: bool = False
    events: list[Event] = field(default_factory=list)
    suspensions: list[Interval] = field(default_factory=list)
    # approved extensions with their approval dates (None: not known)
    extensions: list[tuple[Extension, dt.date | None]] = field(default_factory=list)

    @property
    def suspended_since(self) -> dt.date | None:
        """The start of the open suspension, if the case is suspended now."""
        starts = [i.start for i in self.suspensions if i.end is None]
        return min(starts) if starts else None


@dataclass
class DueLine:
    """One due date of a case, explained: for the detail page and the recompute."""

    key: str  # "limit" or a node check's key
    label: str
    rule: RuleVersion
    start_label: str
    result: DueResult
    done: dt.date | None = None

    @property
    def late(self) -> bool:
        return self.result.due is not None and self.done is not None and self.done > self.result.due


def _first_on_or_after(days: list[dt.date], start: dt.date) -> dt.date | None:
    later = [d for d in days if d >= start]
    return min(later) if later else None


def _node_start(
    check: NodeCheck, facts: CaseFacts, rule: RuleVersion
) -> tuple[dt.date, str, dt.date | None] | None:
    """(start, its label, done) for a check, or None when the rule's start event is absent.
    Several starts (e.g. more than one payment received): the earliest one not yet followed by
    the required act; if every start was followed, the last one and its act."""
    starts = sorted(e.on for e in facts.events if e.code == rule.start_event)
    label = event_label(rule.start_event)
    if rule.start_event == "filed":
        starts = [facts.filed_on]
    elif not starts and rule.start_event in FALLBACK_TO_FILED:
        starts, label = [facts.filed_on], f"立案（未导入“{label}”的日期，自立案日起算）"
    if not starts:
        return None
    dones = sorted(e.on for e in facts.events if e.code in check.done)
    if check.key == "handler" and facts.has_handler and not dones:
        dones = [facts.filed_on]
    for start in starts:
        if _first_on_or_after(dones, start) is None:
            return start, label, None
    return starts[-1], label, _first_on_or_after(dones, starts[-1])


def case_dues(facts: CaseFacts, book: RuleBook, calendar: BusinessCalendar) -> list[DueLine]:
    """Every due date of a case with its explanation: the time limit first, then the checks."""
    lines: list[DueLine] = []
    rule = book.limit_rule(facts.filed_on, facts.type_code, facts.non_litigation)
    if rule is not None:
        start_label = "立案"
        start = facts.filed_on
        if rule.start_event != "filed":
            own = sorted(e.on for e in facts.events if e.code == rule.start_event)
            if own:
                start, start_label = own[0], event_label(rule.start_event)
            else:
                start_label = f"立案（未导入“{event_label(rule.start_event)}”的日期，自立案日起算）"
        # the version in force on the start date
        rule = book.limit_rule(start, facts.type_code, facts.non_litigation) or rule
        result = _limit_result(facts, rule, start, start_label, calendar)
        lines.append(DueLine("limit", "执行期限", rule, start_label, result))
    for check in NODE_CHECKS:
        if check.key != "handler" and not facts.events_imported:
            continue
        first = book.pick(check.rules, facts.filed_on, facts.type_code, facts.non_litigation)
        if first is None:
            continue
        found = _node_start(check, facts, first)
        if found is None:
            continue
        start, start_label, done = found
        # the version in force on the start date (of the same rule: same start event)
        rule = book.pick(check.rules, start, facts.type_code, facts.non_litigation) or first
        if rule.start_event != first.start_event:
            rule = first
        result = compute_due(
            start,
            rule.spec,
            calendar,
            exclusions=facts.suspensions,
            allow_provisional=True,
            start_label=start_label,
        )
        lines.append(DueLine(check.key, check.label, rule, start_label, result, done))
    return lines


def _limit_result(
    facts: CaseFacts, rule: RuleVersion, start: dt.date, start_label: str, calendar: BusinessCalendar
) -> DueResult:
    """The time limit with the extensions approved before it expired (in order of approval);
    one approved after expiry is not counted, and the explanation says so."""

    def compute(extensions: list[Extension]) -> DueResult:
        return compute_due(
            start,
            rule.spec,
            calendar,
            exclusions=facts.suspensions,
            extensions=extensions,
            allow_provisional=True,
            start_label=start_label,
        )

    accepted: list[Extension] = []
    refused: list[str] = []
    for extension, approved_on in sorted(facts.extensions, key=lambda e: e[1] or dt.date.min):
        if approved_on is not None:
            current = compute(accepted).due
            if current is not None and approved_on > current:
                refused.append(
                    f"延长{extension.length}{extension.unit.label}的批准日期{fmt(approved_on)}晚于当时的届满日"
                    f"{fmt(current)}，不计入（延长须在期限届满前批准）。"
                )
                continue
        accepted.append(extension)
    result = compute(accepted)
    if refused:
        result.steps[-1:-1] = refused
    return result


def columns_of(lines: list[DueLine], facts: CaseFacts | None = None) -> dict[str, object]:
    """The due-date columns of a case from its explained due dates; ``suspended_since`` is the
    start of the case's open suspension (whether or not a period was still running)."""
    values: dict[str, object] = {name: None for name in NODE_FIELDS}
    values.update(limit_rule="", limit_due=None, limit_provisional=False, suspended_since=None)
    if facts is not None:
        values["suspended_since"] = facts.suspended_since
    for line in lines:
        if line.result.provisional:
            values["limit_provisional"] = True
        if facts is None and line.result.suspended_since is not None:
            values["suspended_since"] = line.result.suspended_since
        if line.key == "limit":
            values["limit_rule"] = line.rule.code
            values["limit_due"] = line.result.due
        else:
            values[f"{line.key}_due"] = line.result.due
            values[f"{line.key}_done"] = line.done
    return values


def suspensions_from_events(events: Sequence[Event]) -> list[tuple[str, dt.date, dt.date | None]]:
    """(kind, start, end) for every suspending event: its own end date, else the day before the
    next 恢复执行 on or after it, else open."""
    resumptions = sorted(e.on for e in events if e.code == "resumed")
    out = []
    for e in sorted(events, key=lambda e: e.on):
        kind = SUSPENDING_EVENTS.get(e.code)
        if kind is None:
            continue
        end = e.end_on
        if end is None:
            resumed = _first_on_or_after(resumptions, e.on)
            if resumed is not None:
                end = max(e.on, dt.date.fromordinal(resumed.toordinal() - 1))
        if end is not None and end < e.on:
            end = e.on
        out.append((kind, e.on, end))
    return out


# open-ended allowed only for these (they end with 恢复执行); the others need their end date
OPEN_ENDED_SUSPENSIONS = frozenset({"suspended", "deferred"})
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_EXTENSION = re.compile(
    r"延长(?:执行期限|期限)?\s*([0-9]+|[零〇一二两三四五六七八九十百]+)\s*(个月|月|日|天)"
)


def _cn_number(text: str) -> int | None:
    """A small Chinese numeral (一 … 九百九十九) or digits."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def parse_extension(note: str) -> tuple[int, Unit] | None:
    """The length of an approved extension from its 说明: “延长3个月”, “延长90日”, “延长九十天”.
    None when no such phrase is found (a date such as “2026年3月5日” is never read as a length)."""
    match = _EXTENSION.search(note.replace(" ", "").replace("\u3000", ""))
    if not match:
        return None
    length = _cn_number(match.group(1))
    if not length:
        return None
    return length, (Unit.MONTHS if "月" in match.group(2) else Unit.DAYS)
