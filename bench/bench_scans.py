"""Benchmark: the detection scans over a province-sized case table.

    .venv/bin/python bench/bench_scans.py [--rows 1000000] [--runs 3] [--no-events]

Times ``zhijian.cases.scans.run_scans()`` — every rule, as ``zhijian scan`` runs it daily — on a
PostgreSQL database holding ``--rows`` generated cases and their process nodes (``zhijian
generate-cases --events``), both imported with the real importers (``bench_import.
prepared_database``: built once, kept). Two situations, ``--runs`` times each, interleaved, each
in its own process:

* **first scan** — no candidates yet (the table is emptied first): every qualifying case becomes
  a candidate;
* **re-scan the same day** — the candidates of the first scan exist and were seen today:
  nothing to write;
* **next day's scan** — the candidates exist and were last seen yesterday: the daily steady
  state, every still-qualifying candidate marked as seen (plus the cases whose due date passed
  overnight).

Target: ≤ 5 s for a whole run of every rule. Prints a Markdown table for docs/benchmarks.md.
Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import ROOT, prepared_database  # noqa: E402

TARGET_SECONDS = 5.0
MODES = {
    "first": "first scan (no candidates yet)",
    "again": "re-scan the same day",
    "next": "next day's scan",
}


def worker(mode: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from zhijian.cases.models import CaseStatus, EnforcementCase, ScanCandidate
    from zhijian.cases.scans import run_scans

    if mode == "first":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {ScanCandidate._meta.db_table}")
    today = timezone.localdate() + dt.timedelta(days=1 if mode == "next" else 0)
    t0 = time.perf_counter()
    result = run_scans(today=today)
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cases": EnforcementCase.objects.count(),
                "open": EnforcementCase.objects.filter(status=CaseStatus.OPEN).count(),
                "candidates": ScanCandidate.objects.count(),
                "result": result,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", default="/tmp/zhijian-bench")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--no-events", action="store_true", help="cases only, without process nodes")
    parser.add_argument("--worker", choices=list(MODES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return

    url = prepared_database("postgres", args.rows, Path(args.workdir), args.pg_url, events=not args.no_events)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "zhijian.settings"}
    env.setdefault("ZHIJIAN_DATA_DIR", str(Path(args.workdir) / "postgres"))
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    info: dict[str, dict[str, object]] = {}
    for run in range(args.runs):
        for mode in MODES:
            out = subprocess.run(
                [sys.executable, __file__, "--worker", mode],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            times[mode].append(r["seconds"])
            info[mode] = r
            print(
                f"run {run + 1} {mode}: {r['seconds']:.2f} s, {r['candidates']:,} candidates", file=sys.stderr
            )

    median = {mode: statistics.median(times[mode]) for mode in MODES}
    cases, open_cases = info["first"]["cases"], info["first"]["open"]
    print(f"# scan benchmark — PostgreSQL — {dt.datetime.now().isoformat(timespec='seconds')}")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"{cases:,} cases ({open_cases:,} open); median of {args.runs} runs"
    )
    print()
    print("| run | median time | runs | candidates after |")
    print("|---|---:|---|---:|")
    for mode, label in MODES.items():
        runs = " / ".join(f"{t:.2f}" for t in times[mode])
        print(f"| {label} | {median[mode]:.2f} s | {runs} | {info[mode]['candidates']:,} |")
    print()
    for mode in MODES:
        print(f"per rule ({mode}): " + json.dumps(info[mode]["result"], ensure_ascii=False))
    ok = max(median.values()) <= TARGET_SECONDS
    print(f"target ≤ {TARGET_SECONDS:.0f} s: {'met' if ok else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
