"""Benchmark: the case list page of a city court user over a province-sized case table.

    .venv/bin/python bench/bench_case_list.py --db postgres [--rows 1000000] [--requests 20]
    .venv/bin/python bench/bench_case_list.py --db sqlite

On a database holding ``--rows`` generated cases imported with the real importer
(``bench_import.prepared_database``: built once, kept), signs in a 监督员 of 白山中院 (the city
court, which sees its six basic courts) with Django's test client and requests
``/cases/?court=<id>`` for the basic court with the most cases (浑江区, about a quarter of them):
a few warm-up requests, then ``--requests`` timed ones, whole request to response through the
middleware, the view and the template. Reports the median (target ≤ 300 ms) and, for
information, the unfiltered list and a deep page of the same court.
Prints a Markdown table for docs/benchmarks.md. Exits 1 when the target is missed.
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

from bench_import import ROOT, prepared_database, zhijian  # noqa: E402

TARGET_MS = 300.0
WARM_UP = 3


def worker(requests: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.settings")
    import django

    django.setup()
    from django.db.models import Count
    from django.test import Client

    from zhijian.cases.models import EnforcementCase
    from zhijian.org import services
    from zhijian.org.choices import Role
    from zhijian.org.models import Court, User

    city = Court.objects.get(code="吉06")
    user = User.objects.filter(username="bench.city").first() or services.create_user(
        actor=None, username="bench.city", full_name="基准测试", court=city, roles=[Role.OFFICER]
    )
    court_id, court_cases = (
        EnforcementCase.objects.exclude(court=city)
        .values_list("court_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    ) or (city.pk, 0)
    client = Client()
    client.force_login(user)

    def timed(url: str) -> list[float]:
        for _ in range(WARM_UP):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200 and "案号" in response.content.decode()
        return times

    result = {
        "court": Court.objects.get(pk=court_id).name,
        "court_cases": court_cases,
        "cases": EnforcementCase.objects.count(),
        "court_list": timed(f"/cases/?court={court_id}"),
        "all": timed("/cases/"),
        "deep_page": timed(f"/cases/?court={court_id}&page=200"),
    }
    print(json.dumps(result, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--workdir", default="/tmp/zhijian-bench")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.requests)
        return

    url = prepared_database(args.db, args.rows, Path(args.workdir), args.pg_url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "zhijian.settings",
        "ZHIJIAN_ALLOWED_HOSTS": "testserver",
        # production settings: the static files collected, as in a deployment
        "ZHIJIAN_STATIC_ROOT": str(Path(args.workdir) / "static"),
    }
    env.setdefault("ZHIJIAN_DATA_DIR", str(Path(args.workdir) / args.db))
    zhijian("collectstatic", "--noinput", env=env)
    out = subprocess.run(
        [sys.executable, __file__, "--worker", "--requests", str(args.requests)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    r = json.loads(out.strip().splitlines()[-1])

    def line(label: str, times: list[float]) -> str:
        return (
            f"| {label} | {statistics.median(times):.0f} ms | {min(times):.0f} ms | "
            f"{sorted(times)[int(len(times) * 0.9) - 1]:.0f} ms |"
        )

    median = statistics.median(r["court_list"])
    print(f"# case list benchmark — {args.db} — {dt.datetime.now().isoformat(timespec='seconds')}")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; {r['cases']:,} cases, "
        f"{r['court']} {r['court_cases']:,}; {args.requests} warm requests each (after {WARM_UP} warm-up)"
    )
    print()
    print("| request | median | fastest | 90th percentile |")
    print("|---|---:|---:|---:|")
    print(line(f"`/cases/?court=<{r['court']}>` (target ≤ {TARGET_MS:.0f} ms)", r["court_list"]))
    print(line("`/cases/` (every visible court)", r["all"]))
    print(line("`/cases/?court=<…>&page=200`", r["deep_page"]))
    ok = median <= TARGET_MS
    print()
    print(f"target ≤ {TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'} ({median:.0f} ms)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
