"""The case import's contract: atomic by default, every bad row reported, --skip-invalid,
--dry-run, idempotent re-import, a newer export never overwritten by an older one."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from zhijian.audit.models import AuditEvent
from zhijian.cases.models import CaseImport, CaseParty, CaseStage, EnforcementCase
from zhijian.cases.services import ImportRefused, import_cases
from zhijian.legaltime.services import seed_rules
from zhijian.org.models import Person

pytestmark = pytest.mark.django_db
HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（万元）,执行到位金额,申请执行人,被执行人,执行依据类型,数据截至日期"


def good(n: int, *, as_of: str = "2026-11-20", handler: str = "张三", amount: str = "1") -> str:
    return f"（2026）测0101执{n}号,2026-03-02,{handler},在办,,,{amount},0,王五；赵六,某公司,民事判决,{as_of}"


def write(tmp_path: Path, lines: list[str], name: str = "cases.csv", encoding: str = "gb18030") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode(encoding))
    return path


@pytest.fixture
def rules(db: Any) -> None:
    seed_rules()


def test_a_good_file_is_imported_with_due_dates_parties_and_an_audit_event(
    world: Any, rules: None, tmp_path: Path
) -> None:
    result = import_cases(write(tmp_path, [good(1), good(2)]), actor=world.user("city.officer"))
    assert (result.state, result.created, result.rows) == ("done", 2, 2)
    case = EnforcementCase.objects.get(number="（2026）测0101执1号")
    assert case.court == world.courts["a"] and case.amount_applied == Decimal("10000.00")
    assert (case.limit_rule, case.limit_due) == (
        "CASE_LIMIT",
        dt.date(2026, 9, 2),
    )  # 3/2 + 6 months, a Wednesday
    assert [p.name for p in case.parties.filter(role="applicant")] == ["王五", "赵六"]
    assert (
        case.handler is not None and case.handler.name == "张三" and case.handler.court == world.courts["a"]
    )
    assert Person.objects.filter(court=world.courts["a"], name="张三").count() == 1
    event = AuditEvent.objects.get(action="cases.import")
    assert event.after["created"] == 2 and event.after["sha256"] == result.sha256
    assert not CaseStage.objects.exists()


def test_one_bad_row_and_nothing_is_written_and_every_error_is_listed(
    world: Any, rules: None, tmp_path: Path
) -> None:
    lines = [
        good(1),
        "（2026）测0101民初1号,2026-02-30,,搁置,,,x,0,甲,乙,,",
        good(3),
        "（2026）测0101执1号,2026-03-02,张三,在办,,,1,0,甲,乙,,",
    ]
    with pytest.raises(ImportRefused) as exc:
        import_cases(write(tmp_path, lines), actor=world.user("city.officer"))
    record = exc.value.case_import
    assert record.state == "refused" and record.rejected == 2
    reasons = " | ".join(f"{e['line']}:{e['reason']}" for e in record.errors)
    assert "3:“民初”不是执行类案件" in reasons and "3:日期“2026-02-30”不存在" in reasons
    assert "5:与第 2 行的案号重复" in reasons
    assert not EnforcementCase.objects.exists() and not Person.objects.filter(name="张三").exists()
    assert not CaseStage.objects.exists()


def test_skip_invalid_writes_the_valid_rows_and_records_the_rest(
    world: Any, rules: None, tmp_path: Path
) -> None:
    lines = [good(1), "（2026）测0101执2号,2026-13-01,张三,在办,,,1,0,甲,乙,,", good(3)]
    result = import_cases(write(tmp_path, lines), actor=world.user("city.officer"), skip_invalid=True)
    assert (result.created, result.rejected) == (2, 1) and result.errors[0]["line"] == 3
    assert AuditEvent.objects.get(action="cases.import").after["skip_invalid"] is True


def test_re_import_is_idempotent_and_updates_what_changed(world: Any, rules: None, tmp_path: Path) -> None:
    import_cases(write(tmp_path, [good(1), good(2)]), actor=None)
    again = import_cases(write(tmp_path, [good(1), good(2)], name="again.csv"), actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = import_cases(
        write(tmp_path, [good(1, amount="2", as_of="2026-11-21"), good(2)], name="c.csv"), actor=None
    )
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert EnforcementCase.objects.count() == 2 and CaseParty.objects.count() == 6


def test_an_older_export_does_not_overwrite_a_newer_one_unless_forced(
    world: Any, rules: None, tmp_path: Path
) -> None:
    import_cases(write(tmp_path, [good(1, handler="新承办人", as_of="2026-11-25")]), actor=None)
    older = import_cases(
        write(tmp_path, [good(1, handler="旧承办人", as_of="2026-11-01")], name="old.csv"), actor=None
    )
    assert older.skipped_older == 1
    case = EnforcementCase.objects.get()
    assert case.handler is not None and case.handler.name == "新承办人"
    forced = import_cases(
        write(tmp_path, [good(1, handler="旧承办人", as_of="2026-11-01")], name="o2.csv"),
        actor=None,
        force=True,
    )
    assert forced.updated == 1
    case.refresh_from_db()
    assert case.handler is not None and case.handler.name == "旧承办人"


def test_dry_run_reports_and_writes_nothing(world: Any, rules: None, tmp_path: Path) -> None:
    result = import_cases(write(tmp_path, [good(1), good(2)]), actor=None, dry_run=True)
    assert (result.state, result.created) == ("dry_run", 2)
    assert (
        not EnforcementCase.objects.exists() and not AuditEvent.objects.filter(action="cases.import").exists()
    )


def test_a_basic_court_cannot_import_another_courts_cases(world: Any, rules: None, tmp_path: Path) -> None:
    other = "（2026）测0102执1号,2026-03-02,张三,在办,,,1,0,甲,乙,,"
    with pytest.raises(ImportRefused) as exc:
        import_cases(write(tmp_path, [good(1), other]), actor=world.user("a.director"))
    assert "您无权导入该法院的案件" in exc.value.case_import.errors[0]["reason"]
    with pytest.raises(Exception, match="只读"):
        import_cases(write(tmp_path, [good(1)], name="r.csv"), actor=world.user("city.leader"))


def test_missing_columns_and_empty_files_are_refused(world: Any, rules: None, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("案号,立案日期\n（2026）测0101执1号,2026-03-02\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as exc:
        import_cases(path, actor=None)
    assert "缺少必需的列" in exc.value.case_import.errors[0]["reason"]
    with pytest.raises(ImportRefused):
        import_cases(write(tmp_path, [], name="empty.csv"), actor=None)
    assert CaseImport.objects.filter(state="refused").count() == 2


@pytest.mark.django_db(transaction=True)
def test_cli_import_json_and_exit_codes(world: Any, tmp_path: Path, capsys: Any) -> None:
    from zhijian.cli import main

    seed_rules()
    main(["zhijian", "import-cases", str(write(tmp_path, [good(1)])), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("created", "updated", "unchanged", "rejected")} == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    } and out["errors"] == []
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "zhijian",
                "import-cases",
                str(write(tmp_path, ["（2026）测0101执9号,x,张三,在办,,,1,0,甲,乙,,"], name="b.csv")),
                "--json",
            ]
        )
    out = json.loads(capsys.readouterr().out)
    assert exc.value.code == 1 and out["rejected"] == 1 and out["errors"][0]["line"] == 2


def test_an_extension_in_the_case_file_counts_only_when_approved_before_expiry(
    world: Any, rules: None, tmp_path: Path
) -> None:
    header = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的,执行到位金额,申请执行人,被执行人,延长天数,延长批准日期"
    lines = [
        "（2026）测0101执1号,2026-03-02,张三,在办,,,1,0,甲,乙,30,2026-08-20",  # before 9/2: counted
        "（2026）测0101执2号,2026-03-02,张三,在办,,,1,0,甲,乙,30,2026-09-10",  # after expiry: not
    ]
    path = tmp_path / "ext.csv"
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode("gb18030"))
    import_cases(path, actor=None)
    dues = dict(EnforcementCase.objects.values_list("seq", "limit_due"))
    # 9/2 + 30 days = 10/2, inside the National Day holiday → 10/8
    assert dues == {1: dt.date(2026, 10, 8), 2: dt.date(2026, 9, 2)}
