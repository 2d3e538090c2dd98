"""Benchmark: due dates for 1,000,000 case starts through the legal clock's bulk path.

    .venv/bin/python bench/bench_due_dates.py [--count 1000000] [--sample 20000] [--runs 3]

Times ``zhijian.legaltime.periods.due_dates`` — the function the case import and the bulk
recompute of case due dates call — on starts spread over 2016-01-01 … 2025-12-31 with the mix of
rules below, next to a naive day-by-day loop (``chinese_calendar.is_workday`` for every day
stepped over) on a sample of the same mix, in the same run, on one core. Pure Python: no
database. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import chinese_calendar  # noqa: E402

from zhijian.legaltime.calendar import BusinessCalendar, package_facts  # noqa: E402
from zhijian.legaltime.periods import PeriodSpec, Unit, add_months, compute_due, due_dates  # noqa: E402

# (share, length, unit, what it stands for)
MIX = [
    (0.50, 6, Unit.MONTHS, "执/执恢 6个月 (CASE_LIMIT)"),
    (0.15, 3, Unit.MONTHS, "非诉 3个月 (CASE_LIMIT_NONLIT)"),
    (0.15, 10, Unit.DAYS, "执行通知 10日 (NODE_NOTICE)"),
    (0.10, 15, Unit.DAYS, "执异 15日 (CASE_LIMIT_OBJECTION)"),
    (0.05, 30, Unit.DAYS, "执复 30日 (CASE_LIMIT_RECONSIDERATION)"),
    (0.05, 30, Unit.WORKDAYS, "信访办结 30个工作日 (PETITION_CONCLUDE)"),
]
FIRST = dt.date(2016, 1, 1).toordinal()
LAST = dt.date(2025, 12, 31).toordinal()


def make_starts(count: int, seed: int) -> dict[int, list[dt.date]]:
    rng = random.Random(seed)
    groups: dict[int, list[dt.date]] = {i: [] for i in range(len(MIX))}
    weights = [m[0] for m in MIX]
    for _ in range(count):
        i = rng.choices(range(len(MIX)), weights)[0]
        groups[i].append(dt.date.fromordinal(rng.randint(FIRST, LAST)))
    return groups


def naive_due(start: dt.date, length: int, unit: Unit) -> dt.date:
    """The obvious implementation: step one day at a time asking the holiday package."""
    if unit is Unit.WORKDAYS:
        day, left = start, length
        while left:
            day += dt.timedelta(days=1)
            if chinese_calendar.is_workday(day):
                left -= 1
        return day
    day = start + dt.timedelta(days=length) if unit is Unit.DAYS else add_months(start, length)
    while not chinese_calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def run_fast(
    cal: BusinessCalendar, groups: dict[int, list[dt.date]]
) -> tuple[float, list[list[dt.date | None]]]:
    t0 = time.perf_counter()
    results = [due_dates(cal, groups[i], MIX[i][1], MIX[i][2]) for i in range(len(MIX))]
    return time.perf_counter() - t0, results


def run_naive(groups: dict[int, list[dt.date]]) -> tuple[float, list[list[dt.date]]]:
    t0 = time.perf_counter()
    results = [[naive_due(s, MIX[i][1], MIX[i][2]) for s in groups[i]] for i in range(len(MIX))]
    return time.perf_counter() - t0, results


def run_explained(cal: BusinessCalendar, groups: dict[int, list[dt.date]]) -> float:
    """The per-deadline path (``compute_due`` with its explanation), which recomputing stored
    ``Deadline`` rows uses."""
    t0 = time.perf_counter()
    for i, (_, length, unit, _label) in enumerate(MIX):
        spec = PeriodSpec(length, unit)
        for start in groups[i]:
            compute_due(start, spec, cal)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    t0 = time.perf_counter()
    facts, known = package_facts(range(2004, 2027))
    cal = BusinessCalendar(facts, known)
    build = time.perf_counter() - t0
    groups = make_starts(args.count, seed=2026)
    sample = make_starts(args.sample, seed=7)

    # correctness first: the fast path equals the naive loop on the whole sample
    _, fast_sample = run_fast(cal, sample)
    _, naive_sample = run_naive(sample)
    assert fast_sample == naive_sample, "fast path disagrees with the naive loop"

    fast_times, naive_times, explained_times = [], [], []
    for _ in range(args.runs):  # interleaved, so machine noise hits all alike
        fast_times.append(run_fast(cal, groups)[0])
        naive_times.append(run_naive(sample)[0])
        explained_times.append(run_explained(cal, sample))
    explained = statistics.median(explained_times)
    explained_rate = args.sample / explained
    fast = statistics.median(fast_times)
    naive = statistics.median(naive_times)
    fast_rate = args.count / fast
    naive_rate = args.sample / naive
    ratio = fast_rate / naive_rate

    print(f"# due-date benchmark — {dt.datetime.now().isoformat(timespec='seconds')}")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, one core pinned; median of {args.runs} interleaved runs"
    )
    print(f"calendar index build (2004–2026): {build * 1000:.1f} ms")
    print()
    print("| path | dates | median time | dates/s | per date |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| `due_dates` (indexed) | {args.count:,} | {fast:.2f} s | {fast_rate:,.0f} | {1e6 / fast_rate:.2f} µs |"
    )
    print(
        f"| naive day-by-day loop | {args.sample:,} | {naive:.2f} s | {naive_rate:,.0f} | {1e6 / naive_rate:.2f} µs |"
    )
    print(
        f"| `compute_due` (explained, per deadline) | {args.sample:,} | {explained:.2f} s | "
        f"{explained_rate:,.0f} | {1e6 / explained_rate:.2f} µs |"
    )
    print()
    print(
        f"**ratio: {ratio:.1f}× faster per date** (target ≥ 20×); **{fast_rate:,.0f} dates/s** (target ≥ 200,000)"
    )
    print(f"runs (s): fast {[round(t, 2) for t in fast_times]}, naive {[round(t, 2) for t in naive_times]}")
    print("mix: " + "; ".join(f"{int(m[0] * 100)}% {m[3]}" for m in MIX))
    ok = ratio >= 20 and fast_rate >= 200_000
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
