"""Benchmark: the case import at province scale, against the plain ways of loading the same file.

    .venv/bin/python bench/bench_import.py --rows 1000000 --db postgres [--runs 3]
    .venv/bin/python bench/bench_import.py --rows 1000000 --db sqlite

The export is generated once (``zhijian generate-cases --count N --seed 2026``, GB18030, like
Chinese Excel) and kept in ``--workdir``. A template database is created and migrated once, with
the courts and the time-limit rules loaded; every measurement then starts from a fresh copy of
it (PostgreSQL: ``CREATE DATABASE … TEMPLATE``; SQLite: a copy of the file), in its own Python
process. Three loads of the same file are timed, interleaved, ``--runs`` times each:

* **importer** — ``zhijian.cases.services.import_cases`` exactly as ``zhijian import-cases``
  runs it: read and validate every row, stage, merge, due dates, handlers as persons, parties.
  Its peak RSS (``ru_maxrss`` of its process) is reported.
* **bulk_create** — the issue's baseline: each CSV row parsed the simplest way (``csv.reader``,
  ``date.fromisoformat``, ``Decimal``, a regex for the case number) into an ``EnforcementCase``
  and saved with ``bulk_create`` in batches of 5,000 (no validation, no parties, no handler, no
  due dates).
* **raw** — the floor: the same parsed case columns through ``COPY … FROM STDIN`` (PostgreSQL,
  psycopg 3 ``write_row``) or one ``executemany`` per 5,000 rows (SQLite) into the real, indexed
  case table, committed once.

Each worker times its own load (from opening the file to the commit), without interpreter and
Django start-up. Prints a Markdown table for docs/benchmarks.md. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SEED = 2026
BATCH = 5000
TARGETS = {"postgres": {"bulk_create": 2.5, "raw": 0.6}, "sqlite": {"bulk_create": 3.0, "raw": None}}
MEMORY_LIMIT_MB = 1024


# --- the workers (run in a child process with DATABASE_URL set) -------------------------------


def _setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.settings")
    import django

    django.setup()


def simple_rows(path: Path, courts: dict[str, int]):  # type: ignore[no-untyped-def]
    """The baseline's parsing: no validation, the obvious conversions. Yields dicts of the case
    columns that come straight from the file. (``courts`` is read before any load starts: no
    query may run on the connection while a COPY is in progress.)"""
    import csv
    import re
    from decimal import Decimal

    from zhijian.cases.values import detect_encoding

    number_re = re.compile(r"（(\d{4})）(.+?\d*?)(执[\u4e00-\u9fff]?)(\d+)号")
    status = {"执行中": "open", "已结案": "concluded"}
    with path.open("rb") as fh:
        encoding = detect_encoding(fh.read(65536))
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}
        for r in reader:
            m = number_re.fullmatch(r[col["案号"]])
            assert m is not None, r[col["案号"]]
            concluded = r[col["结案日期"]]
            yield {
                "number": r[col["案号"]],
                "year": int(m[1]),
                "court_id": courts[m[2]],
                "type_code": m[3],
                "seq": int(m[4]),
                "filed_on": dt.date.fromisoformat(r[col["立案日期"]]),
                "status": status[r[col["案件状态"]]],
                "concluded_on": dt.date.fromisoformat(concluded) if concluded else None,
                "conclusion_method": r[col["结案方式"]],
                "amount_applied": Decimal(r[col["申请执行标的（元）"]]),
                "amount_recovered": Decimal(r[col["执行到位金额（元）"]]),
                "non_litigation": "非诉" in r[col["执行依据类型"]],
                "original_number": r[col["原案号"]],
                "data_as_of": dt.date.fromisoformat(r[col["数据截至日期"]]),
            }


def worker_importer(path: Path) -> dict[str, object]:
    from zhijian.cases.services import import_cases

    t0 = time.perf_counter()
    result = import_cases(path, actor=None)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": result.created, "state": result.state}


def _courts() -> dict[str, int]:
    from zhijian.org.models import Court

    return dict(Court.objects.values_list("code", "pk"))


def worker_bulk_create(path: Path) -> dict[str, object]:
    from django.db import transaction

    from zhijian.cases.models import EnforcementCase

    courts = _courts()
    t0 = time.perf_counter()
    n = 0
    with transaction.atomic():
        batch: list[EnforcementCase] = []
        for values in simple_rows(path, courts):
            batch.append(EnforcementCase(**values))
            if len(batch) == BATCH:
                EnforcementCase.objects.bulk_create(batch, batch_size=BATCH)
                n += len(batch)
                batch = []
        EnforcementCase.objects.bulk_create(batch, batch_size=BATCH)
        n += len(batch)
    return {"seconds": time.perf_counter() - t0, "rows": n}


def _raw_columns() -> tuple[list[str], list[object]]:
    """The case columns from the file, then every other NOT NULL column with its default (the
    raw load must satisfy the real table's constraints)."""
    from django.db import connection

    from zhijian.cases.models import EnforcementCase

    given = [
        "number", "year", "court_id", "type_code", "seq", "filed_on", "status", "concluded_on",
        "conclusion_method", "amount_applied", "amount_recovered", "non_litigation",
        "original_number", "data_as_of",
    ]  # fmt: skip
    extra_cols, extra_vals = [], []
    for f in EnforcementCase._meta.concrete_fields:
        if f.primary_key or f.column in given or f.null:
            continue
        extra_cols.append(f.column)
        extra_vals.append(f.get_db_prep_save(f.get_default(), connection))
    return given + extra_cols, extra_vals


def worker_raw(path: Path) -> dict[str, object]:
    from django.db import connection, transaction

    from zhijian.cases.models import EnforcementCase

    columns, extra = _raw_columns()
    courts = _courts()
    table = EnforcementCase._meta.db_table
    t0 = time.perf_counter()
    n = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cols = ", ".join(columns)
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for values in simple_rows(path, courts):
                    copy.write_row((*values.values(), *extra))
                    n += 1
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
            batch: list[tuple[object, ...]] = []
            for values in simple_rows(path, courts):
                batch.append((*values.values(), *extra))
                if len(batch) == BATCH:
                    cursor.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            cursor.executemany(sql, batch)
            n += len(batch)
    return {"seconds": time.perf_counter() - t0, "rows": n}


WORKERS = {"importer": worker_importer, "bulk_create": worker_bulk_create, "raw": worker_raw}


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine only)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_worker(kind: str, path: Path) -> None:
    _setup()
    backend0, cpu0 = _backend_cpu(), time.process_time()
    result = WORKERS[kind](path)
    result["python_cpu"] = time.process_time() - cpu0
    backend1 = _backend_cpu()
    if backend0 is not None and backend1 is not None:
        result["backend_cpu"] = backend1 - backend0
    print(json.dumps(result))


# --- the driver -----------------------------------------------------------------------------


def zhijian(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(ROOT / ".venv/bin/zhijian"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


class Database:
    """A migrated template and fresh copies of it."""

    def __init__(self, kind: str, workdir: Path, pg_url: str) -> None:
        self.kind = kind
        self.workdir = workdir
        self.pg_url = pg_url.rstrip("/")
        self.template = workdir / "template.sqlite3"
        self.current = workdir / "run.sqlite3"

    def _pg_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.pg_url}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / name}"
        return f"{self.pg_url}/{name}"

    def env(self, url: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": url,
            "ZHIJIAN_DATA_DIR": str(self.workdir),
            "DJANGO_SETTINGS_MODULE": "zhijian.settings",
        }

    def create_template(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.template}{suffix}").unlink(missing_ok=True)
            url = self.url(self.template.name)
        else:
            self._pg_admin("DROP DATABASE IF EXISTS zhijian_bench_run")
            self._pg_admin("DROP DATABASE IF EXISTS zhijian_bench_template")
            self._pg_admin("CREATE DATABASE zhijian_bench_template")
            url = self.url("zhijian_bench_template")
        env = self.env(url)
        zhijian("migrate", "--noinput", env=env)
        zhijian("init-courts", env=env)
        zhijian("init-rules", env=env)
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(self.template) as conn:  # fold the WAL into the file
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def fresh(self) -> str:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.current}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.template, self.current)
            return self.url(self.current.name)
        self._pg_admin("DROP DATABASE IF EXISTS zhijian_bench_run")
        self._pg_admin("CREATE DATABASE zhijian_bench_run TEMPLATE zhijian_bench_template")
        return self.url("zhijian_bench_run")

    def drop(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.current}{suffix}").unlink(missing_ok=True)
        else:
            self._pg_admin("DROP DATABASE IF EXISTS zhijian_bench_run")


def generated_export(rows: int, workdir: Path, *, events: bool = False) -> tuple[Path, Path | None]:
    """The generated export of ``rows`` cases (and its events file), made once and kept."""
    csv_path = workdir / f"cases-{rows}-{SEED}.csv"
    events_path = workdir / f"cases-{rows}-{SEED}-events.csv" if events else None
    if not csv_path.exists() or (events_path is not None and not events_path.exists()):
        t0 = time.perf_counter()
        tmp = csv_path.with_suffix(".tmp")
        args = ["generate-cases", "--count", str(rows), "--seed", str(SEED), "--output", str(tmp)]
        if events_path is not None:
            args += ["--events", str(events_path.with_suffix(".tmp"))]
        zhijian(*args, env={**os.environ, "ZHIJIAN_DATA_DIR": str(workdir)})
        tmp.rename(csv_path)
        if events_path is not None:
            events_path.with_suffix(".tmp").rename(events_path)
        print(f"generated {csv_path} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return csv_path, events_path


def prepared_database(kind: str, rows: int, workdir: Path, pg_url: str, *, events: bool = False) -> str:
    """DATABASE_URL of a database holding the generated ``rows`` cases (and their events),
    imported with the real importers. Built once, kept for the next run (``zhijian_bench_<rows>``
    on PostgreSQL, ``bench-<rows>.sqlite3`` in the work directory on SQLite)."""
    suffix = f"{rows}{'_events' if events else ''}"
    db = Database(kind, workdir / kind, pg_url)
    (workdir / kind).mkdir(parents=True, exist_ok=True)
    name = f"zhijian_bench_{suffix}" if kind == "postgres" else f"bench-{suffix}.sqlite3"
    url = db.url(name)
    env = db.env(url)
    marker = workdir / kind / f"{name}.ready"
    if marker.exists():
        return url
    csv_path, events_path = generated_export(rows, workdir, events=events)
    if kind == "postgres":
        db._pg_admin(f"DROP DATABASE IF EXISTS {name}")
        db._pg_admin(f"CREATE DATABASE {name}")
    else:
        for suffix_ in ("", "-wal", "-shm"):
            Path(f"{workdir / kind / name}{suffix_}").unlink(missing_ok=True)
    t0 = time.perf_counter()
    zhijian("migrate", "--noinput", env=env)
    zhijian("init-courts", env=env)
    zhijian("init-rules", env=env)
    zhijian("import-cases", str(csv_path), "--json", env=env)
    if events_path is not None:
        zhijian("import-cases", str(events_path), "--json", env=env)
    if kind == "postgres":
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    print(f"prepared {name} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    marker.touch()
    return url


def measure(db: Database, kind: str, csv_path: Path) -> dict[str, float]:
    env = db.env(db.fresh())
    proc = subprocess.Popen(
        [PYTHON, __file__, "--worker", kind, "--csv", str(csv_path)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["maxrss_mb"] = usage.ru_maxrss / 1024  # Linux: KiB
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", default="/tmp/zhijian-bench")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--only", help="comma-separated subset of importer,bulk_create,raw")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args.worker, Path(args.csv))
        return

    workdir = Path(args.workdir) / args.db
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path, _ = generated_export(args.rows, Path(args.workdir))
    db = Database(args.db, workdir, args.pg_url)
    db.create_template()

    kinds = args.only.split(",") if args.only else ["importer", "bulk_create", "raw"]
    results: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    for run in range(args.runs):
        for kind in kinds:  # interleaved, so machine noise hits all alike
            r = measure(db, kind, csv_path)
            assert r["rows"] == args.rows, (kind, r)
            results[kind].append(r)
            backend = f", server CPU {r['backend_cpu']:.1f} s" if "backend_cpu" in r else ""
            print(
                f"run {run + 1} {kind}: {r['seconds']:.1f} s, {args.rows / r['seconds']:,.0f} rows/s, "
                f"Python CPU {r['python_cpu']:.1f} s{backend}, peak RSS {r['maxrss_mb']:.0f} MB",
                file=sys.stderr,
            )
    db.drop()

    median = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    rate = {k: args.rows / s for k, s in median.items()}
    raw_label = "COPY (psycopg 3)" if args.db == "postgres" else "executemany"
    labels = {
        "importer": "importer (`import_cases`)",
        "bulk_create": "Django `bulk_create` (5,000)",
        "raw": raw_label,
    }
    print(
        f"# import benchmark — {args.db}, {args.rows:,} rows — {dt.datetime.now().isoformat(timespec='seconds')}"
    )
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; median of {args.runs} interleaved runs"
    )
    print()
    print("| load | median time | rows/s | importer ÷ this | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    for k in kinds:
        ratio = f"{rate['importer'] / rate[k]:.2f}×" if "importer" in rate else ""
        rss = statistics.median(r["maxrss_mb"] for r in results[k])
        print(f"| {labels[k]} | {median[k]:.1f} s | {rate[k]:,.0f} | {ratio} | {rss:,.0f} MB |")
    print()
    print("runs (s): " + "; ".join(f"{k} {[round(r['seconds'], 1) for r in v]}" for k, v in results.items()))
    ok = True
    if "importer" in rate:
        peak = max(r["maxrss_mb"] for r in results["importer"])
        print(f"importer peak RSS (max of runs): {peak:,.0f} MB (target < {MEMORY_LIMIT_MB} MB)")
        ok = peak < MEMORY_LIMIT_MB
        for k, target in TARGETS[args.db].items():
            if target is not None and k in rate:
                ratio = rate["importer"] / rate[k]
                print(f"importer ÷ {labels[k]}: {ratio:.2f}× (target ≥ {target}×)")
                ok = ok and ratio >= target
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
