"""Period arithmetic as Chinese procedure law counts it (民事诉讼法 Art. 85; 民法典 Arts. 200–204;
民诉法解释 Art. 125). Pure Python, no Django.

* The start day is not counted: a period of N days from day S ends on S + N.
* Months and years end on the corresponding day of the final month, or on its last day when
  there is no such day (1月31日 + 1个月 = 2月28日/29日).
* If the last day is a weekend day or a statutory holiday, the period ends on the first working
  day after it. Holidays inside the period are not deducted. A weekend day declared a working
  day (调休上班) is a working day, so a period ending on it is not extended.
* Working days are counted only where a rule says 工作日.
* Excluded intervals (中止, 暂缓执行, 公告, 鉴定评估 …) count both end days; overlapping
  intervals are merged; their total length is added to the unrolled end date, and the result
  is rolled once. An interval with no end yet means the period is not running.
* Extensions are added to the unrolled end the same way, before the exclusions.
"""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .calendar import Block, BusinessCalendar, CalendarUnknown


class Unit(StrEnum):
    DAYS = "days"
    WORKDAYS = "workdays"
    MONTHS = "months"
    YEARS = "years"

    @property
    def label(self) -> str:
        return {"days": "日", "workdays": "个工作日", "months": "个月", "years": "年"}[self.value]


@dataclass(frozen=True)
class Interval:
    """A period that is not counted (中止, 暂缓执行 …); ``end`` None means still open."""

    start: dt.date
    end: dt.date | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError("interval ends before it starts")


@dataclass(frozen=True)
class Extension:
    length: int
    unit: Unit = Unit.DAYS
    reason: str = ""


@dataclass(frozen=True)
class PeriodSpec:
    """What to count: ``length`` ``unit``s, with the rule's basis for the explanation."""

    length: int
    unit: Unit
    basis: str = ""
    name: str = ""

    def describe(self) -> str:
        return f"{self.length}{self.unit.label}"


@dataclass
class DueResult:
    start: dt.date
    spec: PeriodSpec
    due: dt.date | None
    raw_end: dt.date | None
    suspended_since: dt.date | None = None
    provisional: bool = False
    unknown_year: int | None = None
    excluded_days: int = 0
    steps: list[str] = field(default_factory=list)
    moved_over: list[Block] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.suspended_since is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "length": self.spec.length,
            "unit": self.spec.unit.value,
            "basis": self.spec.basis,
            "raw_end": self.raw_end.isoformat() if self.raw_end else None,
            "due": self.due.isoformat() if self.due else None,
            "suspended_since": self.suspended_since.isoformat() if self.suspended_since else None,
            "provisional": self.provisional,
            "unknown_year": self.unknown_year,
            "excluded_days": self.excluded_days,
            "moved_over": [b.label() for b in self.moved_over],
            "steps": self.steps,
        }


def fmt(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later, or the last day of that month."""
    total = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(total, 12)
    last = _pycal.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def add_period(day: dt.date, length: int, unit: Unit, calendar: BusinessCalendar) -> dt.date:
    if unit is Unit.DAYS:
        return day + dt.timedelta(days=length)
    if unit is Unit.MONTHS:
        return add_months(day, length)
    if unit is Unit.YEARS:
        return add_months(day, 12 * length)
    return calendar.add_working_days(day, length)


def merge_intervals(
    intervals: Iterable[Interval], *, after: dt.date | None = None
) -> tuple[list[tuple[dt.date, dt.date]], dt.date | None]:
    """Closed intervals merged (overlapping or touching), and the start of an open one, if any.
    With ``after``, intervals are clipped to begin no earlier than the day after it (the start
    day is never counted, so it cannot be excluded either)."""
    first = after + dt.timedelta(days=1) if after is not None else None
    closed = []
    open_starts = []
    for i in intervals:
        start = max(i.start, first) if first is not None else i.start
        if i.end is None:
            open_starts.append(start)
        elif i.end >= start:
            closed.append((start, i.end))
    closed.sort()
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in closed:
        assert end is not None
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged, (min(open_starts) if open_starts else None)


# --- the fast path: used by bulk computation (case import, recompute) ------------------------


def due_ordinal(
    calendar: BusinessCalendar, start_ordinal: int, length: int, unit: Unit, extra_days: int = 0
) -> int:
    """The due date's ordinal for a period from ``start_ordinal``, with ``extra_days`` (excluded
    or extended calendar days) added to the unrolled end. Raises ``CalendarUnknown``."""
    if unit is Unit.DAYS:
        return calendar.roll_forward_ordinal(start_ordinal + length + extra_days)
    if unit is Unit.WORKDAYS:
        end = calendar.add_working_days_ordinal(start_ordinal, length)
        return calendar.roll_forward_ordinal(end + extra_days) if extra_days else end
    months = length if unit is Unit.MONTHS else 12 * length
    raw = add_months(dt.date.fromordinal(start_ordinal), months).toordinal()
    return calendar.roll_forward_ordinal(raw + extra_days)


def due_dates(
    calendar: BusinessCalendar, starts: Sequence[dt.date | None], length: int, unit: Unit
) -> list[dt.date | None]:
    """Due dates for many starts under one rule; None where the start is missing or a year is
    unknown. The function the case import and the bulk recompute call."""
    out: list[dt.date | None] = []
    append = out.append
    fromordinal = dt.date.fromordinal
    for start in starts:
        if start is None:
            append(None)
            continue
        try:
            append(fromordinal(due_ordinal(calendar, start.toordinal(), length, unit)))
        except CalendarUnknown:
            append(None)
    return out


# --- the explained computation ---------------------------------------------------------------


def compute_due(
    start: dt.date,
    spec: PeriodSpec,
    calendar: BusinessCalendar,
    *,
    exclusions: Iterable[Interval] = (),
    extensions: Iterable[Extension] = (),
    allow_provisional: bool = False,
    start_label: str = "",
) -> DueResult:
    """The due date with its explanation. With ``allow_provisional``, a period reaching into a
    year the calendar does not know gets a provisional weekends-only due date (暂定)."""
    try:
        return _compute(start, spec, calendar, exclusions, extensions, start_label)
    except CalendarUnknown as exc:
        if not allow_provisional:
            raise
        result = _compute(start, spec, calendar.provisional(), exclusions, extensions, start_label)
        result.provisional = True
        result.unknown_year = exc.year
        result.steps.append(
            f"注意：{exc.year}年节假日安排尚未录入，暂按仅周六、周日休息计算（暂定），录入后将自动重新计算。"
        )
        return result


def _compute(
    start: dt.date,
    spec: PeriodSpec,
    calendar: BusinessCalendar,
    exclusions: Iterable[Interval],
    extensions: Iterable[Extension],
    start_label: str,
) -> DueResult:
    if spec.length <= 0:
        raise ValueError("期限长度必须为正数")
    steps = [f"起算日：{fmt(start)}{f'（{start_label}）' if start_label else ''}，起算日当天不计入期间。"]
    basis = f"，依据：{spec.basis}" if spec.basis else ""
    steps.append(f"期间：{spec.describe()}{basis}。")
    moved: list[Block] = []
    if spec.unit is Unit.WORKDAYS:
        end = calendar.add_working_days(start, spec.length)
        moved = calendar.blocks_between(start + dt.timedelta(days=1), end)
        skipped = "、".join(b.label() for b in moved) or "无"
        steps.append(f"按工作日计算，跳过的非工作日：{skipped}；第{spec.length}个工作日为{fmt(end)}。")
    else:
        end = add_period(start, spec.length, spec.unit, calendar)
        if spec.unit is Unit.DAYS:
            steps.append(f"期间末日（未顺延）：{fmt(start)}后第{spec.length}日，即{fmt(end)}。")
        else:
            steps.append(f"按月计算，末日为到期月的对应日（无对应日的为该月最后一日）：{fmt(end)}。")

    for ext in extensions:
        end = add_period(end, ext.length, ext.unit, calendar)
        reason = f"（{ext.reason}）" if ext.reason else ""
        steps.append(f"延长{ext.length}{ext.unit.label}{reason}：{fmt(end)}。")

    # Excluded intervals count only while the period is running: from the day after the start,
    # and only those that begin on or before the (rolled) end reached so far.
    merged, open_start = merge_intervals(list(exclusions), after=start)
    counted: list[tuple[dt.date, dt.date]] = []
    excluded = 0
    for a, b in merged:
        if open_start is not None and open_start <= a:
            break
        if a > calendar.roll_forward(end):
            break
        length = (b - a).days + 1
        counted.append((a, b))
        excluded += length
        end = end + dt.timedelta(days=length)
    if open_start is not None and open_start <= calendar.roll_forward(end):
        steps.append(f"自{fmt(open_start)}起期限中止（中止中），恢复前期限不计算。")
        return DueResult(start, spec, None, None, suspended_since=open_start, steps=steps)
    if counted:
        spans = "、".join(f"{fmt(a)}至{fmt(b)}（{(b - a).days + 1}日）" for a, b in counted)
        steps.append(
            f"不计入期限的期间（首尾两日均计入，重叠部分合并）：{spans}，共{excluded}日，顺延至{fmt(end)}。"
        )
    if len(counted) < len(merged) or (open_start is not None):
        steps.append("期限届满后才开始的期间不影响期限。")

    raw_end = end
    due = calendar.roll_forward(raw_end)
    if due != raw_end:
        rolled = calendar.blocks_between(raw_end, due - dt.timedelta(days=1))
        moved = moved + rolled if spec.unit is Unit.WORKDAYS else rolled
        labels = "、".join(b.label() for b in rolled)
        steps.append(
            f"{fmt(raw_end)}为法定休假日或休息日（{labels}），期间届满日顺延至其后第一个工作日{fmt(due)}。"
        )
    else:
        fact = calendar.fact(raw_end)
        if fact is not None and fact.is_working and raw_end.weekday() >= 5:
            steps.append(f"{fmt(raw_end)}为调休上班日（{fact.name}），是工作日，不顺延。")
        elif spec.unit is not Unit.WORKDAYS:
            steps.append(f"{fmt(raw_end)}为工作日，不顺延。")
    steps.append(f"届满日：{fmt(due)}（当日24时届满）。")
    return DueResult(start, spec, due, raw_end, excluded_days=excluded, steps=steps, moved_over=moved)


def window_start(day: dt.date, days: int) -> dt.date:
    """The first day of a look-back window of ``days`` calendar days ending on ``day`` (e.g. the
    duplicate check of a new supervision matter). Not a time limit: a plain calendar window."""
    return dt.date.fromordinal(day.toordinal() - days)


def days_between(start: dt.date, end: dt.date) -> int:
    """Calendar days from ``start`` to ``end`` (0 for the same day, negative when earlier) — for a
    deadline set to a fixed date (汇报通知's meeting day, a source's 'report by' date)."""
    return end.toordinal() - start.toordinal()
