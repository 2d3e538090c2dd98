"""Parsing and validating a year's holiday arrangement as an administrator enters it.

One entry per line, e.g.::

    2027-01-01 休 元旦
    2027-02-06~2027-02-13 休 春节
    2027-02-14 班 春节

``休`` (or 假/放假) marks days off, ``班`` (or 上班/调休) an adjusted working day. Dates may be
written 2027-01-01, 2027/1/1, 2027.1.1 or 2027年1月1日; a range uses ~, ～, 至 or –.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEEKDAYS_ZH = "一二三四五六日"
_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_LINE = re.compile(
    rf"^\s*{_DATE}(?:\s*(?:~|～|至|–|—|-{{1,2}})\s*{_DATE})?\s*[,，\s]\s*(休|假|放假|班|上班|调休|调休上班)\s*[,，\s]?\s*(.*?)\s*$"
)
OFF_WORDS = {"休", "假", "放假"}


@dataclass(frozen=True)
class Entry:
    date: dt.date
    is_working: bool
    name: str


@dataclass(frozen=True)
class LineError:
    line: int
    text: str
    message: str


def _date(y: str, m: str, d: str) -> dt.date:
    return dt.date(int(y), int(m), int(d))


def parse_arrangement(text: str, year: int) -> tuple[list[Entry], list[LineError]]:
    """Every entry, and every problem with its line number. Nothing is partially accepted: a
    caller saves only when the error list is empty."""
    entries: list[Entry] = []
    errors: list[LineError] = []
    seen: dict[dt.date, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            errors.append(LineError(lineno, line, "无法识别。格式：日期（或日期~日期） 休/班 节日名称"))
            continue
        g = match.groups()
        try:
            start = _date(g[0], g[1], g[2])
            end = _date(g[3], g[4], g[5]) if g[3] else start
        except ValueError:
            errors.append(LineError(lineno, line, "日期不存在"))
            continue
        if end < start:
            errors.append(LineError(lineno, line, "结束日期早于开始日期"))
            continue
        is_working = g[6] not in OFF_WORDS
        name = g[7].strip()
        day = start
        while day <= end:
            if day.year != year:
                errors.append(LineError(lineno, line, f"{day.isoformat()} 不在{year}年内"))
            elif day in seen:
                errors.append(LineError(lineno, line, f"{day.isoformat()} 与第 {seen[day]} 行重复"))
            elif is_working and day.weekday() < 5:
                errors.append(
                    LineError(
                        lineno,
                        line,
                        f"{day.isoformat()} 是星期{WEEKDAYS_ZH[day.weekday()]}，本来就是工作日，不能标为调休上班",
                    )
                )
            else:
                seen[day] = lineno
                entries.append(Entry(day, is_working, name))
            day += dt.timedelta(days=1)
    if not entries and not errors:
        errors.append(LineError(0, "", f"{year}年没有录入任何节假日"))
    entries.sort(key=lambda e: e.date)
    return entries, errors


def format_entries(entries: list[Entry]) -> str:
    """Entries back to text, consecutive days with the same kind and name folded into ranges."""
    lines: list[str] = []
    i = 0
    while i < len(entries):
        j = i
        while (
            j + 1 < len(entries)
            and entries[j + 1].date == entries[j].date + dt.timedelta(days=1)
            and entries[j + 1].is_working == entries[i].is_working
            and entries[j + 1].name == entries[i].name
        ):
            j += 1
        kind = "班" if entries[i].is_working else "休"
        span = (
            entries[i].date.isoformat()
            if i == j
            else f"{entries[i].date.isoformat()}~{entries[j].date.isoformat()}"
        )
        lines.append(f"{span} {kind} {entries[i].name}".rstrip())
        i = j + 1
    return "\n".join(lines)
