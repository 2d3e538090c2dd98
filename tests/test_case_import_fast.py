"""The province-scale import path (TEMP staging tables, COPY or executemany, the set-based merge
in one transaction): exact counts, handlers, parties, due dates, chunks, escaping, and a killed
import that leaves the cases as they were. Runs on whichever database the suite runs on (CI runs
both)."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from zhijian.cases import services
from zhijian.cases.dues import NODE_FIELDS, RuleBook
from zhijian.cases.models import CaseImport, CaseParty, EnforcementCase
from zhijian.cases.numbers import CaseNumberError, parse, related_number
from zhijian.cases.services import ImportRefused, import_cases
from zhijian.cases.values import STATUS_ALIASES, parse_amount, parse_date, parse_status
from zhijian.legaltime.services import get_calendar, seed_rules
from zhijian.org.models import Person

pytestmark = pytest.mark.django_db
HEADER = (
    "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（元）,执行到位金额,申请执行人,被执行人,"
    "执行依据类型,延长天数,申请执行人证件号码,申请执行人联系电话,被执行人证件号码,数据截至日期"
)


def row(
    n: int,
    *,
    court: str = "测0101",
    type_code: str = "执",
    filed: str = "2026-03-02",
    handler: str = "张三",
    amount: str = "1000",
    applicants: str = "王五；赵六",
    respondents: str = "某公司",
    basis: str = "民事判决",
    extension: str = "",
    ids: str = "",
    phones: str = "",
    respondent_ids: str = "",
    as_of: str = "2026-11-20",
) -> str:
    return (
        f"（2026）{court}{type_code}{n}号,{filed},{handler},在办,,,{amount},0,{applicants},{respondents},"
        f"{basis},{extension},{ids},{phones},{respondent_ids},{as_of}"
    )


def write(tmp_path: Path, lines: list[str], name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode("gb18030"))
    return path


@pytest.fixture
def rules(db: Any) -> None:
    seed_rules()


@pytest.fixture
def small_chunks(monkeypatch: Any) -> None:
    """Chunks of 3 rows, so that a few rows exercise the chunk-by-chunk merge."""
    monkeypatch.setattr(services, "CHUNK", 3)


def counts(result: CaseImport) -> tuple[int, int, int, int]:
    return (result.created, result.updated, result.unchanged, result.skipped_older)


def test_an_update_of_one_field_is_one_update_and_the_rest_unchanged(
    world: Any, rules: None, tmp_path: Path, small_chunks: None
) -> None:
    lines = [row(n) for n in range(1, 8)]
    first = import_cases(write(tmp_path, lines), actor=None)
    assert counts(first) == (7, 0, 0, 0)
    before = {c.number: c for c in EnforcementCase.objects.all()}
    party_ids = set(CaseParty.objects.values_list("pk", flat=True))
    lines[4] = row(5, amount="2000", as_of="2026-11-21")
    second = import_cases(write(tmp_path, lines, "second.csv"), actor=None)
    assert counts(second) == (0, 1, 6, 0)
    changed = EnforcementCase.objects.get(number="（2026）测0101执5号")
    assert changed.amount_applied == Decimal("2000.00") and changed.last_import == second
    assert changed.data_as_of == dt.date(2026, 11, 21)
    for case in EnforcementCase.objects.exclude(pk=changed.pk):
        old = before[case.number]
        assert (case.last_import_id, case.updated_at, case.data_as_of) == (
            old.last_import_id,
            old.updated_at,
            old.data_as_of,
        )
    # only the updated case's parties were replaced
    assert set(CaseParty.objects.values_list("pk", flat=True)) - party_ids == set(
        changed.parties.values_list("pk", flat=True)
    )
    assert CaseParty.objects.count() == 7 * 3


def test_re_importing_the_same_file_changes_nothing(world: Any, rules: None, tmp_path: Path) -> None:
    lines = [
        row(1, applicants="王五\t公司；赵六", respondents="某公司\\分公司"),
        row(2, handler="", filed="2026-01-05"),
        "（2026）测0101执3号,2026-03-02,张三,已结案,2026-04-01,终结本次执行程序,1,0,甲,乙,,,,,,2026-11-20",
    ]
    first = import_cases(write(tmp_path, lines), actor=None)
    assert counts(first) == (3, 0, 0, 0)
    case = EnforcementCase.objects.get(number="（2026）测0101执3号")
    assert case.anomalies == ["立案不满3个月即终结本次执行程序（终本规定第一条第（四）项）"]
    snapshot = list(EnforcementCase.objects.order_by("pk").values())
    parties = list(CaseParty.objects.order_by("pk").values())
    again = import_cases(write(tmp_path, lines, "again.csv"), actor=None)
    assert counts(again) == (0, 0, 3, 0)
    assert list(EnforcementCase.objects.order_by("pk").values()) == snapshot
    assert list(CaseParty.objects.order_by("pk").values()) == parties
    # a newer export with the same content is still "unchanged" and leaves data_as_of alone
    newer = import_cases(
        write(tmp_path, [line.replace("2026-11-20", "2026-11-27") for line in lines], "n.csv"), actor=None
    )
    assert counts(newer) == (0, 0, 3, 0)
    assert list(EnforcementCase.objects.order_by("pk").values()) == snapshot


def test_tabs_newlines_and_backslashes_survive_the_bulk_load(world: Any, rules: None, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    odd = row(1, handler="李\\四", applicants='"王\t五；赵\n六"', respondents="某\\公司")
    path.write_bytes(("\n".join([HEADER, odd]) + "\n").encode("utf-8"))
    import_cases(path, actor=None)
    case = EnforcementCase.objects.get()
    assert case.handler is not None and case.handler.name == "李\\四"
    assert [p.name for p in case.parties.all()] == ["王\t五", "赵\n六", "某\\公司"]
    again = import_cases(path, actor=None)
    assert counts(again) == (0, 0, 1, 0)


def test_parties_carry_their_id_and_phone_numbers_by_position(
    world: Any, rules: None, tmp_path: Path
) -> None:
    line = row(
        1,
        applicants="王五；赵六；钱七",
        ids="110101199001011234；；110101199001015678",
        phones="13800000000",
        respondents="某公司",
        respondent_ids="91110000MA0000000X",
    )
    import_cases(write(tmp_path, [line]), actor=None)
    parties = [
        (p.role, p.position, p.name, p.id_number, p.phone)
        for p in CaseParty.objects.order_by("role", "position")
    ]
    assert parties == [
        ("applicant", 0, "王五", "110101199001011234", "13800000000"),
        ("applicant", 1, "赵六", "", ""),
        ("applicant", 2, "钱七", "110101199001015678", ""),
        ("respondent", 0, "某公司", "91110000MA0000000X", ""),
    ]


def test_handlers_become_persons_and_namesakes_take_the_oldest_flagged(
    world: Any, rules: None, tmp_path: Path
) -> None:
    court = world.courts["a"]
    oldest = Person.objects.create(court=court, name="张三", note="一庭")
    Person.objects.filter(pk=oldest.pk).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    newer = Person.objects.create(court=court, name="张三", note="二庭")
    result = import_cases(
        write(tmp_path, [row(1), row(2, handler="李四"), row(3, court="测0102")]), actor=None
    )
    assert result.created == 3
    one, two, three = (
        EnforcementCase.objects.get(seq=n, court__code=c)
        for n, c in ((1, "测0101"), (2, "测0101"), (3, "测0102"))
    )
    assert (one.handler_id, one.handler_ambiguous) == (oldest.pk, True)
    assert two.handler is not None and two.handler.name == "李四" and not two.handler_ambiguous
    assert (
        three.handler is not None and three.handler.court == world.courts["b"] and not three.handler_ambiguous
    )
    assert Person.objects.filter(name="张三").count() == 3  # one more, in court B
    # an administrator gives case 1 to the other 张三: a later export keeps that choice
    EnforcementCase.objects.filter(pk=one.pk).update(handler=newer, handler_ambiguous=False)
    later = import_cases(write(tmp_path, [row(1, amount="5", as_of="2026-11-22")], "later.csv"), actor=None)
    assert counts(later) == (0, 1, 0, 0)
    one.refresh_from_db()
    assert (one.handler_id, one.handler_ambiguous, one.amount_applied) == (newer.pk, False, Decimal("5.00"))
    # a different name replaces the handler (and clears the flag)
    renamed = import_cases(
        write(tmp_path, [row(1, amount="5", handler="王五", as_of="2026-11-23")], "r.csv"), actor=None
    )
    assert counts(renamed) == (0, 1, 0, 0)
    one.refresh_from_db()
    assert one.handler is not None and one.handler.name == "王五" and not one.handler_ambiguous


def test_due_dates_are_the_legal_clocks_fast_path_for_each_row(
    world: Any, rules: None, tmp_path: Path
) -> None:
    lines = [
        row(1),
        row(2, type_code="执异", filed="2026-09-30"),
        row(3, basis="行政非诉执行", filed="2026-01-31"),
        row(4, extension="30"),
        row(5, handler="", type_code="执恢", filed="2026-02-10"),
        row(6, type_code="执复", filed="2026-12-20"),
    ]
    import_cases(write(tmp_path, lines), actor=None)
    book, calendar = RuleBook(), get_calendar()
    for case in EnforcementCase.objects.all():
        approved_on = case.extension_approved_on if case.extension_days else None
        rule, due, provisional = book.limit_fast(
            calendar, case.filed_on, case.type_code, case.non_litigation, case.extension_days, approved_on
        )
        handler_due, handler_done, p2 = book.handler_fast(
            calendar, case.filed_on, case.type_code, case.handler_id is not None, case.non_litigation
        )
        assert (case.limit_rule, case.limit_due, case.limit_provisional) == (rule, due, provisional or p2)
        assert (case.handler_due, case.handler_done) == (handler_due, handler_done)
        assert all(getattr(case, name) is None for name in NODE_FIELDS if not name.startswith("handler_"))
    assert EnforcementCase.objects.get(seq=3).limit_rule == "CASE_LIMIT_NONLIT"
    assert EnforcementCase.objects.get(seq=5).handler_done is None


def test_a_bad_row_in_a_later_chunk_refuses_the_whole_file(
    world: Any, rules: None, tmp_path: Path, small_chunks: None
) -> None:
    import_cases(write(tmp_path, [row(1, amount="1")]), actor=None)
    lines = [row(n, amount="9", as_of="2026-11-25") for n in range(1, 10)]
    lines[7] = row(8, filed="2026-02-30")
    with pytest.raises(ImportRefused) as refused:
        import_cases(write(tmp_path, lines, "bad.csv"), actor=None)
    record = refused.value.case_import
    assert (record.state, record.rows, record.rejected) == ("refused", 9, 1)
    assert record.errors[0]["line"] == 9 and "不存在" in record.errors[0]["reason"]
    assert EnforcementCase.objects.count() == 1
    assert EnforcementCase.objects.get().amount_applied == Decimal("1.00")


def test_skip_invalid_and_dry_run_count_exactly_across_chunks(
    world: Any, rules: None, tmp_path: Path, small_chunks: None
) -> None:
    import_cases(write(tmp_path, [row(1), row(2, as_of="2026-11-30"), row(3)]), actor=None)
    lines = [
        row(1, amount="7", as_of="2026-11-25"),  # updated
        row(2, amount="7", as_of="2026-11-25"),  # older than stored: skipped
        row(3, as_of="2026-11-25"),  # unchanged
        row(4, filed="x"),  # rejected
        row(5),  # created
        row(4, amount="3"),  # not a duplicate of the rejected row: created
        row(5),  # duplicate of line 6: rejected
    ]
    path = write(tmp_path, lines, "mixed.csv")
    dry = import_cases(path, actor=None, skip_invalid=True, dry_run=True)
    assert (dry.state, *counts(dry), dry.rejected) == ("dry_run", 2, 1, 1, 1, 2)
    assert EnforcementCase.objects.count() == 3
    real = import_cases(path, actor=None, skip_invalid=True)
    assert (real.state, *counts(real), real.rejected) == ("done", 2, 1, 1, 1, 2)
    assert [e["line"] for e in real.errors] == [5, 8] and "与第 6 行的案号重复" in real.errors[1]["reason"]
    assert EnforcementCase.objects.count() == 5
    forced = import_cases(path, actor=None, skip_invalid=True, force=True)
    assert counts(forced) == (0, 5, 0, 0)


def test_more_errors_than_are_kept_are_still_counted(
    world: Any, rules: None, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "MAX_STORED_ERRORS", 5)
    lines = [row(n, filed="2026-13-01") for n in range(1, 21)]
    with pytest.raises(ImportRefused) as refused:
        import_cases(write(tmp_path, lines), actor=None)
    record = refused.value.case_import
    assert (record.rows, record.rejected, len(record.errors)) == (20, 20, 5)


def test_progress_is_reported_from_the_calling_thread(
    world: Any, rules: None, tmp_path: Path, small_chunks: None
) -> None:
    import threading

    calls: list[tuple[str, int, int | None, bool]] = []

    def progress(phase: str, done: int, total: int | None) -> None:
        calls.append((phase, done, total, threading.current_thread() is threading.main_thread()))

    import_cases(write(tmp_path, [row(n) for n in range(1, 8)]), actor=None, progress=progress)
    assert all(on_main for *_, on_main in calls)
    assert ("validate", 3, None, True) in calls and calls[-1][:3] == ("merge", 7, 7)


def test_the_staging_tables_are_gone_after_an_import(world: Any, rules: None, tmp_path: Path) -> None:
    import_cases(write(tmp_path, [row(1)]), actor=None)
    with pytest.raises(ImportRefused):
        import_cases(write(tmp_path, [row(2, filed="x")], "bad.csv"), actor=None)
    for table in ("zj_import_case", "zj_import_party", "zj_import_handler"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table}")


# --- a killed import --------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from collections import Counter
    from pathlib import Path
    import django
    django.setup()
    from zhijian.cases import services
    services.CHUNK = 2
    target, calls = sys.argv[2], Counter()
    def progress(phase, done, total):
        calls[phase] += 1
        if f"{phase}:{calls[phase]}" == target or (target == "last-merge" and phase == "merge" and done == total):
            os.kill(os.getpid(), signal.SIGKILL)
    services.import_cases(Path(sys.argv[1]), actor=None, progress=progress)
    print("finished")
    """
)


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kill_at", ["validate:3", "merge:1", "last-merge"])
def test_an_import_killed_at_any_moment_leaves_the_cases_as_they_were(
    world: Any, tmp_path: Path, kill_at: str
) -> None:
    """SIGKILL while rows are read and staged (and, on PostgreSQL, earlier chunks already merged
    in the open transaction), between staging and the merge (SQLite), and after the last merge
    statement before the commit: the cases, parties and persons are exactly as before."""
    seed_rules()
    import_cases(write(tmp_path, [row(n) for n in range(1, 6)]), actor=None)
    cases = list(EnforcementCase.objects.order_by("pk").values())
    parties = list(CaseParty.objects.order_by("pk").values())
    persons = list(Person.objects.order_by("pk").values_list("pk", "name"))
    lines = [row(n, amount="9", handler="新人", as_of="2026-11-26") for n in range(1, 10)]
    path = write(tmp_path, lines, "killed.csv")
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "zhijian.settings"}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), kill_at],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert list(EnforcementCase.objects.order_by("pk").values()) == cases
    assert list(CaseParty.objects.order_by("pk").values()) == parties
    assert list(Person.objects.order_by("pk").values_list("pk", "name")) == persons
    # nothing is left locked or half-done: the same file imports normally afterwards
    result = import_cases(path, actor=None)
    assert counts(result) == (4, 5, 0, 0)


# --- the fast paths give the full path's results ------------------------------------------------


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(*args, **kwargs))
    except (ValueError, CaseNumberError) as exc:
        return ("error", str(exc))


def test_the_validator_fast_paths_agree_with_the_full_paths(monkeypatch: Any) -> None:
    from zhijian.cases import numbers, values

    rng = random.Random(4)
    known = {"测": "", "测01": "", "测0101": "", "最高法": ""}
    pieces = ["（", "）", "(", ")", "2016", "2026", "2015", "2031", "0", "7", "007", "12", "测", "测01",
              "测0101", "测010", "最高法", "执", "执恢", "执异", "民初", "字第", "号", " ", "０", "〔", "〕"]  # fmt: skip
    numbers_in = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 9))) for _ in range(20000)]
    dates_in = ["2016-03-07", "2016-3-7", "2025-02-30", "2016-03-07 ", "２０１６-03-07", "2016-1_-07", "2_16-03-07",
                "+016-03-07", "20160307", "2016/03/07", "", "42436", "2016-W10-1"]  # fmt: skip
    dates_in += [
        f"{rng.randint(1990, 2030)}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}" for _ in range(3000)
    ]
    amounts_in = [
        "1",
        "1234.50",
        "0.005",
        "1,234.50",
        "-1",
        "１２",
        "1e3",
        "٣",
        "1.",
        ".5",
        "12345678901234.567",
        "",
    ]
    statuses_in = [*STATUS_ALIASES, " 在办", "在办 ", "執行中", "终本", "", "ＡＢ"]
    fast = [
        [
            _outcome(parse, t, known_courts=known, current_year=2026, allow_legacy=legacy)
            for t in numbers_in
            for legacy in (False, True)
        ],
        [related_number(t.strip(), known_courts=known, current_year=2026) for t in numbers_in],
        [_outcome(parse_date, t) for t in dates_in],
        [_outcome(parse_amount, t, Decimal(10000)) for t in amounts_in],
        [_outcome(parse_status, t, {"终本": "concluded"}) for t in statuses_in],
    ]
    # the full paths: the same functions with their fast paths switched off
    monkeypatch.setattr(numbers, "_canonical", lambda *args: None)
    monkeypatch.setattr(numbers, "_CLEAN", __import__("re").compile(r"(?!)"))
    monkeypatch.setattr(values, "_PLAIN_AMOUNT", __import__("re").compile(r"(?!)"))
    monkeypatch.setattr(values.unicodedata, "is_normalized", lambda form, text: False)

    class NotAStr:
        def __init__(self, text: str) -> None:
            self.text = text

        def __str__(self) -> str:
            return self.text

    full = [
        [
            _outcome(parse, t, known_courts=known, current_year=2026, allow_legacy=legacy)
            for t in numbers_in
            for legacy in (False, True)
        ],
        [related_number(t.strip(), known_courts=known, current_year=2026) for t in numbers_in],
        [_outcome(parse_date, NotAStr(t)) for t in dates_in],
        [_outcome(parse_amount, t, Decimal(10000)) for t in amounts_in],
        [_outcome(parse_status, t, {"终本": "concluded"}) for t in statuses_in],
    ]
    for got, expected in zip(fast, full, strict=True):
        assert got == expected


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_readers_fast_path_stages_exactly_what_the_full_validation_stages(
    world: Any, rules: None, tmp_path: Path, vendor: str
) -> None:
    """Rows in the common forms take ``_Reader._quick``; every other row the full validation.
    Both on the same varied file (odd cells, errors, repeats, 万元 amounts, blank rows) must give
    the same staged rows, errors and counts."""
    from django.utils import timezone

    from zhijian.cases.aliases import column_alias_table, status_alias_table
    from zhijian.cases.staging import CaseEncoder
    from zhijian.org.models import Court

    rng = random.Random(11)
    header = (
        "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（万元）,执行到位金额,申请执行人,被执行人,执行依据类型,"
        "延长天数,延长批准日期,原案号,申请执行人证件号码,申请执行人联系电话,被执行人证件号码,被执行人联系电话,数据截至日期,案号"
    )
    choices = {
        "number": ["（2026）测0101执{n}号", "（2026）测0102执恢{n}号", "(2026)测0101执{n}号", " （2026）测0101执{n}号",
                   "（2026）测0101执0{n}号", "（2026）测9999执{n}号", "（2015）测0101执{n}号", "（2026）测0101民初{n}号",
                   "（2026）测0101执0号", "（2026）测0101执1号", "（2026）测0101执{n}号 "],
        "filed": ["2026-03-02", "2026/3/2", "2026年3月2日", "2025-03-02", "", "2026-02-30", " 2026-03-02", "20260302"],
        "handler": ["张三", "", " 李四 ", "王\t五", "赵\\六"],
        "status": ["在办", "已结案", "执行中", " 在办", "终本", "", "未结"],
        "concluded": ["", "2026-04-01", "2026-01-01", "2026-13-01", "2026-05-30"],
        "method": ["", "执行完毕", "终结本次执行程序", " 终结本次执行程序 ", "和\n解"],
        "amount": ["1000.00", "1000", "0.50", "01.00", "1,234.50", "", "-1", "12.345", "¥12"],
        "parties": ["王五", "王五；赵六", "王五、赵六,孙七", "", " 某公司 ", "甲;;乙"],
        "basis": ["民事判决", "行政非诉", " 非诉 ", "", "行政处罚决定"],
        "extension": ["", "0", "30", " 45 ", "3651", "1.5", "x", "０"],
        "approved": ["", "2026-06-01", "2026/6/1", "bad"],
        "original": ["", "（2025）测0101民初3号", "(2025)测0101执7号", "（2025）测0101执07号", "（2010）测字第3号"],
        "ids": ["", "110101199001011234", "110101199001011234；", "；220101199001011234", "1，2，3"],
        "as_of": ["2026-11-20", "", "2026-11-27", "2026/11/21", "x"],
    }  # fmt: skip
    lines = []
    for _ in range(400):
        pick = {k: rng.choice(v) for k, v in choices.items()}
        if rng.random() < 0.6:  # mostly the common forms
            pick.update(number="（2026）测0101执{n}号", filed="2026-03-02", status="在办", amount="1000.00")
        number = pick["number"].format(n=rng.randint(1, 420))
        cells = [number, pick["filed"], pick["handler"], pick["status"], pick["concluded"], pick["method"],
                 pick["amount"], rng.choice(choices["amount"]), pick["parties"], rng.choice(choices["parties"]),
                 pick["basis"], pick["extension"], pick["approved"], pick["original"], pick["ids"],
                 rng.choice(choices["ids"]), rng.choice(choices["ids"]), "", pick["as_of"], number]  # fmt: skip
        if rng.random() < 0.05:
            cells = cells[: rng.randint(1, len(cells) - 1)]  # a short row
        if rng.random() < 0.02:
            cells = [""] * len(cells)  # a blank row
        lines.append(",".join(f'"{c}"' if any(ch in c for ch in ',"\n') else c for c in cells))
    path = tmp_path / "varied.csv"
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode("gb18030"))

    def read(fast: bool) -> tuple[Any, ...]:
        headers, header_row, data = services._table(path, sheet=None, aliases=column_alias_table())
        reader = services._Reader(
            data, headers, header_row, fast=fast,
            known=dict(Court.objects.values_list("code", "name")),
            courts={c.code: c.pk for c in Court.objects.exclude(code="测0102")},
            current_year=2026, statuses={**status_alias_table(), "终本": "concluded"},
            encoder=CaseEncoder.for_vendor(vendor), book=RuleBook(), calendar=get_calendar(),
            import_date=timezone.localdate(), keep_after_error=True,
        )  # fmt: skip
        chunks = [(c.rows, c.staged, c.cases, c.parties, c.handlers, c.failed) for c in reader._read()]
        return chunks, reader.errors, reader.rows, reader.rejected, reader.latest_as_of

    quick_rows = []
    make_quick = services._Reader._quick

    def counting(reader: Any) -> Any:
        quick = make_quick(reader)
        return lambda cells: quick_rows.append(quick(cells)) or quick_rows[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services._Reader, "_quick", counting)
        fast = read(True)
    full = read(False)
    assert fast == full
    chunks, errors, rows, rejected, _ = fast
    # both paths were exercised, and rows of both were staged and refused
    assert sum(v is not None for v in quick_rows) > 30 and sum(v is None for v in quick_rows) > 30
    assert chunks[0][1] > 30 and rejected > 30 and errors


def test_the_pg_encoders_common_party_rows_are_the_general_ones() -> None:
    """``PgEncoder.party_values`` writes the common row (one party each side, no numbers) itself;
    it must be what the general path writes, staged or for a first load."""
    from zhijian.cases.staging import CaseEncoder, PgEncoder

    for direct in (False, True):
        enc = PgEncoder()
        enc.direct, enc.party_tail = direct, "\t7" if direct else ""
        for applicants, respondents, ids in (
            (["王五"], ["某公司"], []),
            (["王\t五"], ["某公司"], []),
            (["王五"], ["某公司"], ["1101"]),
            (["王五", "赵六"], ["某公司"], []),
            (["甲" * 300], ["乙"], []),
        ):
            ours: list[str] = []
            general: list[str] = []
            args = (applicants, ids, [], respondents, [], [])
            n1 = enc.party_values(ours, 4, "（2026）测0101执1号", *args)
            n2 = CaseEncoder.party_values(enc, general, 4, "（2026）测0101执1号", *args)
            assert (ours, n1) == (general, n2)


def test_a_first_load_numbers_new_persons_in_batches(
    world: Any, rules: None, tmp_path: Path, small_chunks: None, monkeypatch: Any
) -> None:
    """On PostgreSQL a first import writes straight into the empty tables; the reading thread
    numbers new persons from ids the calling thread takes from the sequence, a batch at a time
    (here one: every new handler asks for more)."""
    from zhijian.cases.staging import Staging

    monkeypatch.setattr(services, "PERSON_ID_BATCH", 1)
    loads: list[int] = []
    load_direct = Staging.load_direct
    monkeypatch.setattr(Staging, "load_direct", lambda self, *a: loads.append(1) or load_direct(self, *a))
    Person.objects.create(court=world.courts["a"], name="赵六", note="已有")
    lines = [row(n, handler=["张三", "李四", "王五", "赵六", ""][n % 5]) for n in range(1, 12)]
    result = import_cases(write(tmp_path, lines), actor=None)
    assert counts(result) == (11, 0, 0, 0)
    assert bool(loads) == (connection.vendor == "postgresql")
    for case in EnforcementCase.objects.select_related("handler"):
        expected = ["张三", "李四", "王五", "赵六", ""][case.seq % 5]
        assert (case.handler.name if case.handler else "") == expected
        assert case.parties.count() == 3
    assert Person.objects.filter(name="赵六").count() == 1
    assert Person.objects.count() == 4
    # the case table's sequence goes on after the loaded ids
    extra = EnforcementCase.objects.create(
        number="（2026）测0101执99号", year=2026, court=world.courts["a"], type_code="执", seq=99,
        filed_on=dt.date(2026, 3, 2), status="open",
    )  # fmt: skip
    assert extra.pk > max(EnforcementCase.objects.exclude(pk=extra.pk).values_list("pk", flat=True))
    again = import_cases(write(tmp_path, lines, "again.csv"), actor=None)
    assert counts(again) == (0, 0, 11, 0)
