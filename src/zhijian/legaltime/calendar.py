"""The business calendar: Chinese statutory holidays and adjusted working days (调休).

Pure Python, no Django. A ``BusinessCalendar`` is built from per-day facts for a set of known
years (from the ``chinesecalendar`` package, overlaid by administrator-entered arrangements,
optionally overlaid again by one court's local holidays) and answers, in O(1) per query from a
precomputed index:

* is a date a working day (a weekday that is not a holiday, or a weekend day declared 上班);
* the first working day on or after a date;
* the date ``n`` working days after a date.

A date in a year the calendar does not know raises ``CalendarUnknown``: the State Council
announces each year's arrangement only in the autumn before, and guessing would be wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Chinese names for the package's English holiday names.
HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class CalendarUnknown(Exception):  # noqa: N818 - the name the design documents use
    """The holiday arrangement of ``year`` has not been entered."""

    def __init__(self, year: int) -> None:
        super().__init__(f"{year}年节假日安排尚未录入，请系统管理员录入")
        self.year = year


@dataclass(frozen=True)
class DayFact:
    """An exception to the plain weekday/weekend rule: a holiday (off) or an adjusted working
    day (on). ``name`` is the holiday it belongs to, e.g. 国庆节."""

    is_working: bool
    name: str = ""


@dataclass(frozen=True)
class Block:
    """A run of consecutive non-working days, for explanations (e.g. 10月1日–7日 国庆节放假)."""

    start: dt.date
    end: dt.date
    name: str

    def label(self) -> str:
        if self.start == self.end:
            span = f"{self.start.month}月{self.start.day}日"
        elif self.start.month == self.end.month:
            span = f"{self.start.month}月{self.start.day}日–{self.end.day}日"
        else:
            span = f"{self.start.month}月{self.start.day}日–{self.end.month}月{self.end.day}日"
        return f"{span} {self.name}" if self.name else f"{span} 休息日"


class BusinessCalendar:
    """Working days over the known years, with a precomputed index.

    ``facts`` holds the exceptions (holidays and adjusted working days) for dates in
    ``known_years``; every other date of a known year is a working day exactly when it is
    Monday–Friday.
    """

    def __init__(
        self, facts: Mapping[dt.date, DayFact], known_years: Iterable[int], *, stamp: str = ""
    ) -> None:
        years = sorted(set(known_years))
        self.known_years: frozenset[int] = frozenset(years)
        self.stamp = stamp
        self._facts = dict(facts)
        if not years:
            self._base = 0
            self._working: bytearray = bytearray()
            self._next_working: list[int] = []
            self._cum: list[int] = []
            self._working_ordinals: list[int] = []
            return
        first = dt.date(years[0], 1, 1).toordinal()
        last = dt.date(years[-1], 12, 31).toordinal()
        self._base = first
        size = last - first + 1
        working = bytearray(size)
        for i in range(size):
            day = dt.date.fromordinal(first + i)
            if day.year not in self.known_years:
                working[i] = 2  # unknown
                continue
            fact = self._facts.get(day)
            if fact is not None:
                working[i] = 1 if fact.is_working else 0
            else:
                working[i] = 1 if day.weekday() < 5 else 0
        self._working = working
        # next working day ordinal for each index (-1: none before the next unknown/end)
        next_working = [-1] * size
        upcoming = -1
        for i in range(size - 1, -1, -1):
            if working[i] == 2:
                upcoming = -1
            elif working[i] == 1:
                upcoming = first + i
            next_working[i] = upcoming
        self._next_working = next_working
        self._working_ordinals = [first + i for i in range(size) if working[i] == 1]
        # cumulative count of working days up to and including each index
        cum = [0] * size
        running = 0
        for i in range(size):
            if working[i] == 1:
                running += 1
            cum[i] = running
        self._cum = cum

    # --- queries ---------------------------------------------------------------------------

    def _index(self, day: dt.date | int) -> int:
        ordinal = day if isinstance(day, int) else day.toordinal()
        i = ordinal - self._base
        if i < 0 or i >= len(self._working) or self._working[i] == 2:
            year = dt.date.fromordinal(ordinal).year
            raise CalendarUnknown(year)
        return i

    def knows(self, year: int) -> bool:
        return year in self.known_years

    def is_working_day(self, day: dt.date) -> bool:
        return self._working[self._index(day)] == 1

    def fact(self, day: dt.date) -> DayFact | None:
        return self._facts.get(day)

    def day_name(self, day: dt.date) -> str:
        fact = self._facts.get(day)
        if fact is not None:
            return fact.name
        return ""

    def roll_forward_ordinal(self, ordinal: int) -> int:
        """The ordinal of the first working day on or after ``ordinal``."""
        i = self._index(ordinal)
        nxt = self._next_working[i]
        if nxt < 0:
            # the run of non-working days reaches into a year we do not know
            j = i
            while j < len(self._working) and self._working[j] != 2:
                j += 1
            raise CalendarUnknown(dt.date.fromordinal(self._base + j).year)
        return nxt

    def roll_forward(self, day: dt.date) -> dt.date:
        return dt.date.fromordinal(self.roll_forward_ordinal(day.toordinal()))

    def add_working_days_ordinal(self, ordinal: int, n: int) -> int:
        """The ordinal of the ``n``-th working day after ``ordinal`` (the start day not counted)."""
        if n <= 0:
            raise ValueError("n must be positive")
        i = self._index(ordinal)
        target = self._cum[i] + n  # the target-th working day since the index began
        if target > len(self._working_ordinals):
            raise CalendarUnknown(self._first_unknown_year_after(i))
        result = self._working_ordinals[target - 1]
        # an unknown year between start and result would make the count wrong
        j = result - self._base
        if self._cum[j] - self._cum[i] != n or self._has_unknown_between(i, j):
            raise CalendarUnknown(self._first_unknown_year_after(i))
        return result

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        return dt.date.fromordinal(self.add_working_days_ordinal(day.toordinal(), n))

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end], the way periods count them."""
        i, j = self._index(start), self._index(end)
        return self._cum[j] - self._cum[i]

    def _has_unknown_between(self, i: int, j: int) -> bool:
        return 2 in self._working[i : j + 1]

    def _first_unknown_year_after(self, i: int) -> int:
        j = self._working.find(2, i)
        if j < 0:
            return max(self.known_years) + 1
        return dt.date.fromordinal(self._base + j).year

    def blocks_between(self, start: dt.date, end: dt.date) -> list[Block]:
        """Runs of non-working days in [start, end], named by the holiday they belong to."""
        blocks: list[Block] = []
        current: list[dt.date] = []
        day = start
        while day <= end:
            if not self.is_working_day(day):
                current.append(day)
            elif current:
                blocks.append(self._block(current))
                current = []
            day += dt.timedelta(days=1)
        if current:
            blocks.append(self._block(current))
        return blocks

    def _block(self, days: list[dt.date]) -> Block:
        names: list[str] = []
        for day in days:
            name = self.day_name(day)
            if name and name not in names:
                names.append(name)
        return Block(days[0], days[-1], f"{'、'.join(names)}放假" if names else "周末")

    def provisional(self, first: int = 1990, last: int = 2140) -> BusinessCalendar:
        """This calendar with every unknown year from ``first`` to ``last`` filled in as
        weekends-only, for provisional (暂定) due dates. Built once per calendar."""
        cached: BusinessCalendar | None = getattr(self, "_provisional", None)
        if cached is None:
            cached = BusinessCalendar(
                self._facts, self.known_years | set(range(first, last + 1)), stamp="provisional"
            )
            self._provisional = cached
        return cached


def package_facts(years: Iterable[int]) -> tuple[dict[dt.date, DayFact], set[int]]:
    """Holidays and adjusted working days of the years the ``chinesecalendar`` package knows."""
    from chinese_calendar import constants

    known = {y for y in years if y in _package_years()}
    facts: dict[dt.date, DayFact] = {}
    for day, name in constants.holidays.items():
        if day.year in known:
            facts[day] = DayFact(False, HOLIDAY_NAMES_ZH.get(str(name), str(name)))
    for day, name in constants.workdays.items():
        if day.year in known:
            facts[day] = DayFact(True, HOLIDAY_NAMES_ZH.get(str(name), str(name)))
    return facts, known


def _package_years() -> range:
    from chinese_calendar import constants

    years = {d.year for d in constants.holidays}
    return range(min(years), max(years) + 1)


def package_years() -> range:
    """The years the installed ``chinesecalendar`` package covers."""
    return _package_years()
