"""The legal clock's arithmetic, checked against dates worked out by hand.

Every expected date below is a literal, reasoned in its comment from the State Council's 2026
holiday notice (DOMAIN.md §12.1) and the counting rules (民事诉讼法 Art. 85, 民法典 Arts.
200–204): the start day is not counted; a last day on a weekend or holiday moves to the next
working day; a weekend day declared 上班 is a working day. None is computed by chinesecalendar
or by the code under test.

2026 days off: 1/1–1/3 (上班 1/4 Sun); 2/15–2/23 (上班 2/14 Sat, 2/28 Sat); 4/4–4/6; 5/1–5/5
(上班 5/9 Sat); 6/19–6/21; 9/25–9/27; 10/1–10/7 (上班 9/20 Sun, 10/10 Sat).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from zhijian.legaltime.calendar import BusinessCalendar, CalendarUnknown, package_facts
from zhijian.legaltime.periods import (
    Extension,
    Interval,
    PeriodSpec,
    Unit,
    add_months,
    compute_due,
    due_dates,
)

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    facts, known = package_facts(range(2004, 2027))
    return BusinessCalendar(facts, known)


DAYS, WORK, MONTHS, YEARS = Unit.DAYS, Unit.WORKDAYS, Unit.MONTHS, Unit.YEARS

TABLE = [
    # --- New Year 2026 (1/1–1/3 off, Sunday 1/4 上班) ---
    (
        "2025-12-27",
        5,
        DAYS,
        "2026-01-04",
    ),  # 12/27 Sat + 5 = 1/1 (元旦) → 1/2, 1/3 off → 1/4 Sun is a 调休 working day
    ("2025-12-30", 3, DAYS, "2026-01-04"),  # 12/30 + 3 = 1/2 (元旦) → 1/3 off → 1/4 (上班 Sunday)
    ("2025-12-29", 3, DAYS, "2026-01-04"),  # 12/29 + 3 = 1/1 → 1/4
    ("2026-01-05", 5, DAYS, "2026-01-12"),  # 1/5 + 5 = 1/10 Sat → 1/11 Sun → 1/12 Mon
    ("2025-12-31", 4, DAYS, "2026-01-04"),  # 12/31 + 4 = 1/4: the 上班 Sunday itself, not extended
    # --- Spring Festival (2/15–2/23 off; 2/14 Sat and 2/28 Sat 上班) ---
    ("2026-02-09", 5, DAYS, "2026-02-14"),  # 2/9 + 5 = 2/14 Sat, a 调休 working day → stays
    ("2026-02-10", 5, DAYS, "2026-02-24"),  # 2/10 + 5 = 2/15 (春节) → … 2/23 off → 2/24 Tue
    ("2026-02-13", 10, DAYS, "2026-02-24"),  # 2/13 + 10 = 2/23, last day of the break → 2/24
    ("2026-02-13", 15, DAYS, "2026-02-28"),  # 2/13 + 15 = 2/28 Sat, 上班 → stays
    ("2026-02-13", 16, DAYS, "2026-03-02"),  # 2/13 + 16 = 3/1 Sun → 3/2 Mon
    ("2026-02-20", 1, DAYS, "2026-02-24"),  # inside the break: 2/21 → 2/24
    # --- Qingming (4/4–4/6 off) ---
    ("2026-04-01", 3, DAYS, "2026-04-07"),  # 4/1 + 3 = 4/4 (清明) → 4/5, 4/6 off → 4/7 Tue
    ("2026-04-01", 2, DAYS, "2026-04-03"),  # 4/3 Fri, a working day
    ("2026-04-03", 3, DAYS, "2026-04-07"),  # 4/6 (清明, Mon) → 4/7
    # --- Labour Day (5/1–5/5 off, 5/9 Sat 上班) ---
    ("2026-04-26", 5, DAYS, "2026-05-06"),  # 4/26 + 5 = 5/1 → … 5/5 off → 5/6 Wed
    ("2026-05-01", 8, DAYS, "2026-05-09"),  # 5/1 + 8 = 5/9 Sat, 上班 → stays
    ("2026-05-01", 9, DAYS, "2026-05-11"),  # 5/10 Sun → 5/11 Mon
    ("2026-04-30", 1, DAYS, "2026-05-06"),  # 5/1 → 5/6
    # --- Dragon Boat (6/19–6/21 off) ---
    ("2026-06-14", 5, DAYS, "2026-06-22"),  # 6/14 + 5 = 6/19 (端午) → 6/20, 6/21 → 6/22 Mon
    ("2026-06-15", 3, DAYS, "2026-06-18"),  # 6/18 Thu, before the break
    # --- Mid-Autumn (9/25–9/27) and National Day (10/1–10/7; 上班 9/20 Sun, 10/10 Sat) ---
    ("2026-09-15", 5, DAYS, "2026-09-20"),  # 9/15 + 5 = 9/20 Sun, 上班 → stays
    ("2026-09-24", 1, DAYS, "2026-09-28"),  # 9/25 (中秋) → 9/26, 9/27 → 9/28 Mon
    ("2026-09-20", 7, DAYS, "2026-09-28"),  # 9/27 (中秋, Sun) → 9/28
    ("2026-09-28", 5, DAYS, "2026-10-08"),  # Art. 5 letter: 9/28 + 5 = 10/3 (国庆) → 10/4–10/7 off → 10/8 Thu
    ("2026-09-26", 5, DAYS, "2026-10-08"),  # 10/1 → 10/8
    ("2026-09-21", 10, DAYS, "2026-10-08"),  # 10/1 → 10/8
    ("2026-09-30", 1, DAYS, "2026-10-08"),  # 10/1 → 10/8
    ("2026-10-05", 5, DAYS, "2026-10-10"),  # 10/10 Sat, 上班 → stays
    ("2026-10-06", 5, DAYS, "2026-10-12"),  # 10/11 Sun → 10/12 Mon
    ("2026-09-29", 2, DAYS, "2026-10-08"),  # 10/1 → 10/8
    # --- months and years: corresponding day, or the month's last day ---
    ("2026-01-31", 1, MONTHS, "2026-02-28"),  # no 2/31 → 2/28 (2026 not leap), Sat but 上班 → stays
    ("2024-01-31", 1, MONTHS, "2024-02-29"),  # leap year: 2/29 Thu, a working day
    ("2025-08-31", 6, MONTHS, "2026-02-28"),  # no 2/31 → 2/28 Sat 上班 → stays
    ("2026-03-31", 6, MONTHS, "2026-09-30"),  # no 9/31 → 9/30 Wed
    ("2026-04-01", 6, MONTHS, "2026-10-08"),  # 10/1 (国庆) → 10/8
    ("2026-03-28", 6, MONTHS, "2026-09-28"),  # 9/28 Mon
    ("2026-07-04", 3, MONTHS, "2026-10-08"),  # 10/4 → 10/8
    ("2025-11-30", 3, MONTHS, "2026-02-28"),  # no 2/30 → 2/28, 上班
    ("2026-01-05", 6, MONTHS, "2026-07-06"),  # 7/5 Sun → 7/6 Mon
    ("2024-02-29", 1, YEARS, "2025-02-28"),  # no 2025-02-29 → 2/28 Fri
    ("2024-02-15", 30, DAYS, "2024-03-18"),  # leap Feb: 2/15 + 30 = 3/16 Sat → 3/18 Mon
    # --- working days (only where a rule says 工作日) ---
    (
        "2026-09-28",
        5,
        WORK,
        "2026-10-10",
    ),  # 9/29 (1), 9/30 (2), 10/1–7 off, 10/8 (3), 10/9 (4), 10/10 上班 Sat (5)
    (
        "2026-09-17",
        10,
        WORK,
        "2026-10-08",
    ),  # 9/18 (1), 9/20 上班 (2), 9/21–24 (3–6), 9/28–30 (7–9), 10/8 (10)
    (
        "2026-02-12",
        5,
        WORK,
        "2026-02-26",
    ),  # 2/13 (1), 2/14 上班 (2), 2/15–23 off, 2/24 (3), 2/25 (4), 2/26 (5)
    ("2026-04-30", 3, WORK, "2026-05-08"),  # 5/1–5/5 off, 5/6 (1), 5/7 (2), 5/8 (3)
    ("2026-01-01", 1, WORK, "2026-01-04"),  # 1/2, 1/3 off; 1/4 上班 Sunday (1)
    ("2026-05-08", 1, WORK, "2026-05-09"),  # 5/9 Sat 上班 (1)
]


@pytest.mark.parametrize(("start", "length", "unit", "expected"), TABLE)
def test_table(cal: BusinessCalendar, start: str, length: int, unit: Unit, expected: str) -> None:
    result = compute_due(D(start), PeriodSpec(length, unit), cal)
    assert result.due == D(expected)
    # the bulk path gives the same answer
    assert due_dates(cal, [D(start)], length, unit) == [D(expected)]


def test_the_table_has_at_least_forty_hand_checked_cases() -> None:
    assert len(TABLE) + len(EXCLUSION_TABLE) >= 40


# --- excluded intervals and extensions ---------------------------------------------------------

EXCLUSION_TABLE = [
    # 6 months from 1/5 → unrolled 7/5; 中止 3/1–3/10 is 10 days (both ends) → 7/15 Wed
    ("2026-01-05", 6, MONTHS, [("2026-03-01", "2026-03-10")], "2026-07-15"),
    # overlapping 3/1–3/10 and 3/5–3/20 merge to 3/1–3/20 = 20 days → 7/25 Sat → 7/27 Mon
    ("2026-01-05", 6, MONTHS, [("2026-03-01", "2026-03-10"), ("2026-03-05", "2026-03-20")], "2026-07-27"),
    # separate 3/1–3/10 (10) and 4/1–4/1 (1) = 11 days → 7/16 Thu
    ("2026-01-05", 6, MONTHS, [("2026-03-01", "2026-03-10"), ("2026-04-01", "2026-04-01")], "2026-07-16"),
    # touching 3/1–3/10 and 3/11–3/12 merge: 12 days → 7/17 Fri
    ("2026-01-05", 6, MONTHS, [("2026-03-01", "2026-03-10"), ("2026-03-11", "2026-03-12")], "2026-07-17"),
    # added to the unrolled end, then rolled once: 9/21 + 5 = 9/26, + 5 days (9/22–9/26) = 10/1 → 10/8
    ("2026-09-21", 5, DAYS, [("2026-09-22", "2026-09-26")], "2026-10-08"),
]


@pytest.mark.parametrize(("start", "length", "unit", "intervals", "expected"), EXCLUSION_TABLE)
def test_excluded_intervals(
    cal: BusinessCalendar,
    start: str,
    length: int,
    unit: Unit,
    intervals: list[tuple[str, str]],
    expected: str,
) -> None:
    exclusions = [Interval(D(a), D(b), "中止") for a, b in intervals]
    result = compute_due(D(start), PeriodSpec(length, unit), cal, exclusions=exclusions)
    assert result.due == D(expected)


def test_an_open_interval_stops_the_clock(cal: BusinessCalendar) -> None:
    result = compute_due(
        D("2026-01-05"), PeriodSpec(6, MONTHS), cal, exclusions=[Interval(D("2026-05-01"), None, "中止执行")]
    )
    assert result.due is None and result.suspended_since == D("2026-05-01")
    assert "中止中" in "".join(result.steps)


def test_extension_is_added_before_rolling(cal: BusinessCalendar) -> None:
    # 6 months from 1/5 → 7/5 (unrolled), + 3 months → 10/5 (国庆) → 10/8
    result = compute_due(
        D("2026-01-05"), PeriodSpec(6, MONTHS), cal, extensions=[Extension(3, MONTHS, "院长批准")]
    )
    assert result.due == D("2026-10-08")


# --- years the calendar does not know ----------------------------------------------------------


def test_a_period_ending_in_an_unknown_year_raises(cal: BusinessCalendar) -> None:
    with pytest.raises(CalendarUnknown) as exc:
        compute_due(D("2026-12-29"), PeriodSpec(3, DAYS), cal)  # 2027-01-01
    assert exc.value.year == 2027
    assert str(exc.value) == "2027年节假日安排尚未录入，请系统管理员录入"


def test_working_days_into_an_unknown_year_raise(cal: BusinessCalendar) -> None:
    with pytest.raises(CalendarUnknown):
        compute_due(D("2026-12-31"), PeriodSpec(1, WORK), cal)


def test_rolling_into_an_unknown_year_raises(cal: BusinessCalendar) -> None:
    with pytest.raises(CalendarUnknown):
        cal.roll_forward(D("2027-01-01"))


def test_provisional_due_date_counts_weekends_only(cal: BusinessCalendar) -> None:
    # 12/29 + 5 = 2027-01-03 Sun; weekends-only → 2027-01-04 Mon, marked 暂定
    result = compute_due(D("2026-12-29"), PeriodSpec(5, DAYS), cal, allow_provisional=True)
    assert result.due == D("2027-01-04") and result.provisional and result.unknown_year == 2027
    # 1 month from 12/15 → 2027-01-15 Fri
    result = compute_due(D("2026-12-15"), PeriodSpec(1, MONTHS), cal, allow_provisional=True)
    assert result.due == D("2027-01-15") and result.provisional


def test_bulk_path_returns_none_for_unknown_years(cal: BusinessCalendar) -> None:
    assert due_dates(cal, [D("2026-12-29"), None, D("2026-09-28")], 5, DAYS) == [None, None, D("2026-10-08")]


# --- explanations ------------------------------------------------------------------------------


def test_explanation_names_the_holiday_block_that_moved_a_calendar_day_period(cal: BusinessCalendar) -> None:
    result = compute_due(D("2026-09-28"), PeriodSpec(5, DAYS, "规定第五条"), cal)
    assert [b.label() for b in result.moved_over] == ["10月3日–7日 国庆节放假"]
    text = "\n".join(result.steps)
    assert "起算日当天不计入" in text and "规定第五条" in text and "2026年10月8日" in text


def test_explanation_lists_the_days_passed_over_for_working_days(cal: BusinessCalendar) -> None:
    result = compute_due(D("2026-09-17"), PeriodSpec(10, WORK), cal)
    assert [b.label() for b in result.moved_over] == [
        "9月19日 周末",
        "9月25日–27日 中秋节放假",
        "10月1日–7日 国庆节放假",
    ]


def test_explanation_says_an_adjusted_working_day_does_not_move(cal: BusinessCalendar) -> None:
    result = compute_due(D("2026-02-09"), PeriodSpec(5, DAYS), cal)
    assert any("调休上班日（春节）" in step for step in result.steps)
    assert result.moved_over == []


def test_month_arithmetic_is_clamped() -> None:
    assert add_months(D("2026-01-31"), 1) == D("2026-02-28")
    assert add_months(D("2026-08-31"), 6) == D("2027-02-28")
    assert add_months(D("2028-01-31"), 1) == D("2028-02-29")
    assert add_months(D("2026-12-31"), -1) == D("2026-11-30")


# --- properties --------------------------------------------------------------------------------

starts = st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2025, 12, 31))
units = st.sampled_from([DAYS, WORK, MONTHS])


@settings(max_examples=300, deadline=None)
@given(start=starts, length=st.integers(min_value=1, max_value=200), unit=units)
def test_a_due_date_is_never_a_non_working_day(
    cal: BusinessCalendar, start: dt.date, length: int, unit: Unit
) -> None:
    length = min(length, 12) if unit is MONTHS else length
    due = compute_due(start, PeriodSpec(length, unit), cal).due
    assert due is not None and cal.is_working_day(due) and due > start


@settings(max_examples=300, deadline=None)
@given(start=starts, length=st.integers(min_value=1, max_value=120), unit=st.sampled_from([DAYS, WORK]))
def test_more_days_never_give_an_earlier_due_date(
    cal: BusinessCalendar, start: dt.date, length: int, unit: Unit
) -> None:
    a = compute_due(start, PeriodSpec(length, unit), cal).due
    b = compute_due(start, PeriodSpec(length + 1, unit), cal).due
    assert a is not None and b is not None and b >= a


@settings(max_examples=200, deadline=None)
@given(start=starts, length=st.integers(min_value=1, max_value=60))
def test_working_day_counts_match_a_brute_force_count(
    cal: BusinessCalendar, start: dt.date, length: int
) -> None:
    due = cal.add_working_days(start, length)
    count, day = 0, start
    while day < due:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    assert count == length and cal.is_working_day(due)
    assert cal.working_days_between(start, due) == length


@settings(max_examples=200, deadline=None)
@given(start=starts, length=st.integers(min_value=1, max_value=400))
def test_calendar_day_periods_match_a_day_by_day_loop(
    cal: BusinessCalendar, start: dt.date, length: int
) -> None:
    """The indexed roll-forward agrees with stepping one day at a time."""
    assume(start + dt.timedelta(days=length) < dt.date(2026, 12, 20))  # stay inside the known years
    day = start + dt.timedelta(days=length)
    while not cal.is_working_day(day):
        day += dt.timedelta(days=1)
    assert compute_due(start, PeriodSpec(length, DAYS), cal).due == day


# --- excluded intervals only while the period runs (review regressions) -------------------------


def test_the_start_day_cannot_be_excluded(cal: BusinessCalendar) -> None:
    # 11/2 + 10 = 11/12 Thu; an interval on 11/2 itself changes nothing
    result = compute_due(
        D("2026-11-02"), PeriodSpec(10, DAYS), cal, exclusions=[Interval(D("2026-11-02"), D("2026-11-02"))]
    )
    assert result.due == D("2026-11-12")


def test_an_interval_before_the_start_is_ignored(cal: BusinessCalendar) -> None:
    result = compute_due(
        D("2026-11-02"), PeriodSpec(10, DAYS), cal, exclusions=[Interval(D("2026-09-01"), D("2026-10-01"))]
    )
    assert result.due == D("2026-11-12")


def test_an_interval_straddling_the_start_counts_from_the_next_day(cal: BusinessCalendar) -> None:
    # 10/30–11/4 clipped to 11/3–11/4 = 2 days: 11/12 + 2 = 11/14 Sat → 11/16 Mon
    result = compute_due(
        D("2026-11-02"), PeriodSpec(10, DAYS), cal, exclusions=[Interval(D("2026-10-30"), D("2026-11-04"))]
    )
    assert result.due == D("2026-11-16")


def test_an_interval_after_expiry_does_not_revive_the_period(cal: BusinessCalendar) -> None:
    # due 11/12; a 中止 from 11/20 to 11/30 began after the period had ended
    late = [Interval(D("2026-11-20"), D("2026-11-30"))]
    assert compute_due(D("2026-11-02"), PeriodSpec(10, DAYS), cal, exclusions=late).due == D("2026-11-12")
    still_open = [Interval(D("2026-11-20"), None)]
    result = compute_due(D("2026-11-02"), PeriodSpec(10, DAYS), cal, exclusions=still_open)
    assert result.due == D("2026-11-12") and result.suspended_since is None


def test_an_interval_inside_an_extended_period_counts(cal: BusinessCalendar) -> None:
    # 11/12 + (11/10–11/11: 2 days) = 11/14 Sat; a second interval 11/13–11/14 starts before the
    # extended end (rolled: 11/16) and adds 2 more: 11/16 Mon
    result = compute_due(
        D("2026-11-02"),
        PeriodSpec(10, DAYS),
        cal,
        exclusions=[Interval(D("2026-11-10"), D("2026-11-11")), Interval(D("2026-11-13"), D("2026-11-14"))],
    )
    assert result.due == D("2026-11-16")


def test_a_block_spanning_two_holidays_names_both() -> None:
    facts, known = package_facts(range(2023, 2024))
    cal = BusinessCalendar(facts, known)
    # 2023: 中秋节 9/29, 国庆节 9/30–10/6 (one run of days off)
    assert [b.label() for b in cal.blocks_between(D("2023-09-29"), D("2023-10-06"))] == [
        "9月29日–10月6日 中秋节、国庆节放假"
    ]


def test_the_provisional_calendar_is_built_once(cal: BusinessCalendar) -> None:
    assert cal.provisional() is cal.provisional()


def test_every_day_matches_the_chinesecalendar_package(cal: BusinessCalendar) -> None:
    """The index agrees with the package it was built from, on every day it covers."""
    import chinese_calendar

    day = D("2004-01-01")
    while day <= D("2026-12-31"):
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    length=st.integers(min_value=1, max_value=90),
    a=st.integers(min_value=-20, max_value=120),
    n=st.integers(min_value=0, max_value=30),
)
def test_an_exclusion_never_makes_a_period_shorter(
    cal: BusinessCalendar, start: dt.date, length: int, a: int, n: int
) -> None:
    interval = Interval(start + dt.timedelta(days=a), start + dt.timedelta(days=a + n))
    plain = compute_due(start, PeriodSpec(length, DAYS), cal).due
    excluded = compute_due(start, PeriodSpec(length, DAYS), cal, exclusions=[interval]).due
    assert plain is not None and excluded is not None and excluded >= plain
    assert cal.is_working_day(excluded)


@settings(max_examples=100, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2026, 6, 1), max_value=dt.date(2026, 12, 31)), length=st.integers(1, 400)
)
def test_near_the_end_of_the_known_years_it_is_exact_or_says_so(
    cal: BusinessCalendar, start: dt.date, length: int
) -> None:
    try:
        due = compute_due(start, PeriodSpec(length, DAYS), cal).due
    except CalendarUnknown:
        result = compute_due(start, PeriodSpec(length, DAYS), cal, allow_provisional=True)
        assert result.provisional and result.due is not None and result.due.year >= 2027
    else:
        assert due is not None and due.year <= 2026
