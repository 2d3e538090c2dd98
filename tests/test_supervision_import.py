"""The go-live import of a 督办台账 (zhijian import-matters and the 导入督办台账 page): CSV in
GB18030 and XLSX create matters through register_matter (deadlines, case links, timeline,
audit); one bad row writes nothing and every error is reported by line and column; the
non-existent item 4 and unknown courts are refused; --dry-run and --json; who may use the page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from zhijian.audit.models import AuditEvent
from zhijian.legaltime.services import seed_rules
from zhijian.supervision.importer import COLUMNS, import_matters
from zhijian.supervision.models import (
    DeadlinePurpose,
    Matter,
    MatterCounter,
    MatterDeadline,
    MatterState,
    TimelineEntry,
)

from .conftest import World

HEADERS = ["序号", "事由", "收到日期", "来源类别", "来文单位", "来文文号", "批示人", "批示日期", "是否报告结果",
           "报告期限", "被监督法院", "关联案号", "来信来访人", "证件号码", "承办人", "外部编号", "状态", "上线前办理情况"]  # fmt: skip
ID_NUMBER = "220602199001011234"


def day(offset: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=offset)).isoformat()


def row(**kw: Any) -> dict[str, Any]:
    base = {
        "序号": "1",
        "事由": "反映甲基层法院执行案件长期未结",
        "收到日期": day(40),
        "来源类别": "（六）",
        "来文单位": "来信人张某",
        "被监督法院": "测试甲基层",
        "来信来访人": "张某",
        "证件号码": ID_NUMBER,
        "承办人": "人员-city.officer",
    }
    base.update(kw)
    return base


def leader_row(**kw: Any) -> dict[str, Any]:
    values = {
        "事由": "市人大交办：乙基层法院执行款未发放",
        "来源类别": "第三条第（一）项",
        "来文单位": "市人大常委会",
        "来文文号": "人大交〔2026〕3号",
        "批示人": "王某",
        "批示日期": day(35),
        "是否报告结果": "是",
        "报告期限": day(-30),
        "被监督法院": "测0102",
        "关联案号": "（2025）测0102执12号、（2025）测0102执13号",
        "来信来访人": "",
        "证件号码": "",
        "承办人": "",
        "外部编号": "TZ-002",
    }
    values.update(kw)
    return row(**values)


def csv_file(tmp_path: Path, rows: list[dict[str, Any]], *, encoding: str = "gb18030") -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADERS)
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "台账.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def xlsx_file(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(HEADERS)
    for r in rows:
        ws.append([r.get(h, "") for h in HEADERS])
    path = tmp_path / "台账.xlsx"
    book.save(path)
    return path


@pytest.fixture
def sup(world: World) -> World:
    seed_rules()
    return world


def purposes(matter: Matter) -> set[str]:
    return set(MatterDeadline.objects.filter(matter=matter).values_list("purpose", flat=True))


@pytest.mark.django_db
def test_a_gb18030_csv_creates_matters_with_deadlines_links_and_audit(sup: World, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [row(外部编号="TZ-001"), leader_row()])
    result = import_matters(path, actor=sup.user("city.officer"), court=sup.courts["city"])
    assert not result.errors, result.errors
    assert result.created == 2 and len(result.numbers) == 2
    first, second = (Matter.objects.get(number=n) for n in result.numbers)
    assert first.state == MatterState.REVIEWING
    assert first.officer == sup.user("city.officer")
    assert first.complainant_id_number == ID_NUMBER
    assert list(first.courts.all()) == [sup.courts["a"]]
    assert purposes(first) == {DeadlinePurpose.REVIEW, DeadlinePurpose.CONCLUDE}
    # no 承办人 → 已登记; item (1) with 报告期限: the report-back limit is opened too
    assert second.state == MatterState.REGISTERED and second.officer is None
    assert purposes(second) == {DeadlinePurpose.REVIEW, DeadlinePurpose.CONCLUDE, DeadlinePurpose.SOURCE}
    source = second.sources.get()
    assert source.category.item == 1 and source.report_back and source.instructor == "王某"
    assert sorted(second.case_links.values_list("number", flat=True)) == [
        "（2025）测0102执12号",
        "（2025）测0102执13号",
    ]
    assert list(second.courts.all()) == [sup.courts["b"]]
    assert TimelineEntry.objects.filter(matter=first, action="import", text__contains="第 2 行").exists()
    event = AuditEvent.objects.get(action="supervision.matter.import")
    assert event.after is not None and event.after["created"] == 2 and event.after["rows"] == 2
    assert AuditEvent.objects.filter(action="supervision.matter.register").count() == 2


@pytest.mark.django_db
def test_an_xlsx_ledger_imports_and_later_progress_goes_to_the_timeline(sup: World, tmp_path: Path) -> None:
    received = timezone.localdate() - dt.timedelta(days=20)
    path = xlsx_file(
        tmp_path,
        [
            row(
                收到日期=dt.datetime.combine(received, dt.time()),
                状态="督办中",
                上线前办理情况="已发督办函（城执督〔2026〕5号）",
            )
        ],
    )
    result = import_matters(path, actor=sup.user("city.director"), court=sup.courts["city"])
    assert not result.errors, result.errors
    matter = Matter.objects.get()
    assert matter.received_on == received
    assert matter.state == MatterState.REVIEWING  # nothing later is faked
    history = TimelineEntry.objects.get(matter=matter, action="import_history").text
    assert history == "上线前已办理：原台账状态为“督办中”；已发督办函（城执督〔2026〕5号）"
    assert not matter.letters.exists()


@pytest.mark.django_db
def test_one_bad_row_writes_nothing_and_every_error_is_reported(sup: World, tmp_path: Path) -> None:
    rows = [
        row(外部编号="TZ-1"),
        row(外部编号="TZ-2", 收到日期="2025-02-30", 被监督法院="不存在法院", 承办人="无此人"),
        row(外部编号="TZ-3", 来源类别="（四）"),
        row(外部编号="TZ-1"),
        row(外部编号="TZ-5", 被监督法院="测试外市基层", 状态="已办结"),
    ]
    result = import_matters(
        csv_file(tmp_path, rows), actor=sup.user("city.officer"), court=sup.courts["city"]
    )
    assert Matter.objects.count() == 0
    assert MatterCounter.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="supervision.").exists()
    assert result.created == 0 and result.numbers == []
    assert result.rejected == 4
    found = {(e.line, e.column) for e in result.errors}
    assert {(3, "收到日期"), (3, "被监督法院"), (3, "承办人"), (4, "来源类别"), (5, "外部编号"),
            (6, "被监督法院"), (6, "状态")} <= found  # fmt: skip
    by_key = {(e.line, e.column): e for e in result.errors}
    assert "不存在" in by_key[(3, "收到日期")].reason
    assert by_key[(3, "被监督法院")].value == "不存在法院"
    assert "测试甲基层" in by_key[(3, "被监督法院")].reason  # names the courts that may be given
    assert "不是本院监督的下级法院" in by_key[(6, "被监督法院")].reason
    assert "第 2 行" in by_key[(5, "外部编号")].reason


@pytest.mark.django_db
def test_item_four_is_refused_naming_the_valid_items(sup: World, tmp_path: Path) -> None:
    for spelling in ("（四）", "4", "第三条第（四）项"):
        path = csv_file(tmp_path, [row(来源类别=spelling)], encoding="utf-8-sig")
        result = import_matters(path, actor=sup.user("city.officer"), court=sup.courts["city"])
        (error,) = result.errors
        assert (error.line, error.column, error.value) == (2, "来源类别", spelling)
        assert "没有第（四）项" in error.reason
        for valid in ("（一）", "（二）", "（三）", "（五）", "（六）", "（七）"):
            assert valid in error.reason
    assert Matter.objects.count() == 0
    # the other spellings of an existing item are accepted
    for spelling in ("1", "（一）", "第三条第（一）项", "上级领导批示、人大督办"):
        path = csv_file(tmp_path, [leader_row(来源类别=spelling, 外部编号="")], encoding="utf-8")
        result = import_matters(path, actor=sup.user("city.officer"), court=sup.courts["city"], dry_run=True)
        assert not result.errors, (spelling, result.errors)


@pytest.mark.django_db
def test_unknown_court_and_a_leader_source_without_instructor_are_refused(sup: World, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [row(被监督法院="测9999"), leader_row(批示人="", 批示日期="")])
    result = import_matters(path, actor=sup.user("city.officer"), court=sup.courts["city"])
    found = {(e.line, e.column): e.reason for e in result.errors}
    assert "未找到法院“测9999”" in found[(2, "被监督法院")]
    assert "须填写批示人" in found[(3, "批示人")]
    assert "须填写批示日期" in found[(3, "批示日期")]
    assert Matter.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_writes_nothing(sup: World, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [row(外部编号="TZ-1"), leader_row()])
    result = import_matters(path, actor=sup.user("city.officer"), court=sup.courts["city"], dry_run=True)
    assert not result.errors
    assert result.created == 0 and result.rows == 2
    assert Matter.objects.count() == 0 and MatterCounter.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="supervision.").exists()


@pytest.mark.django_db
def test_reimporting_the_same_external_numbers_is_refused(sup: World, tmp_path: Path) -> None:
    path = csv_file(tmp_path, [row(外部编号="TZ-1")])
    officer, city = sup.user("city.officer"), sup.courts["city"]
    assert import_matters(path, actor=officer, court=city).created == 1
    again = import_matters(path, actor=officer, court=city)
    (error,) = again.errors
    assert error.column == "外部编号" and "已导入过" in error.reason
    assert Matter.objects.count() == 1


@pytest.mark.django_db
def test_missing_required_columns_are_named(sup: World, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("事由,被监督法院\n某事,测试甲基层\n", encoding="utf-8")
    result = import_matters(path, actor=sup.user("city.officer"), court=sup.courts["city"])
    assert {e.column for e in result.errors} == {"收到日期", "来源类别", "来文单位"}
    assert all(e.line == 1 for e in result.errors)


@pytest.mark.django_db
def test_command_json_shape_and_exit_status(sup: World, tmp_path: Path) -> None:
    good = csv_file(tmp_path, [row(外部编号="TZ-1"), leader_row()])
    out = io.StringIO()
    call_command("import_matters", str(good), "--json", "--dry-run", "--user", "city.officer", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["created"] == 0 and summary["rejected"] == 0 and summary["errors"] == []
    assert Matter.objects.count() == 0

    out = io.StringIO()
    call_command(
        "import_matters", str(good), "--json", "--user", "city.officer", "--court", "测01", stdout=out
    )
    summary = json.loads(out.getvalue())
    assert summary["created"] == 2 and summary["rejected"] == 0
    assert Matter.objects.count() == 2

    bad = csv_file(tmp_path, [row(来源类别="4", 外部编号="TZ-9")])
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_matters", str(bad), "--json", "--user", "city.officer", stdout=out)
    assert exit_info.value.code == 1
    summary = json.loads(out.getvalue())  # exactly one JSON object
    assert summary["created"] == 0 and summary["rejected"] == 1
    assert summary["errors"][0] == {
        "line": 2,
        "column": "来源类别",
        "value": "4",
        "reason": summary["errors"][0]["reason"],
    }
    assert Matter.objects.count() == 2

    # a basic court supervises nobody: refused as one JSON object too
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_matters", str(good), "--json", "--court", "测0101", stdout=out)
    assert "没有所监督的下级法院" in json.loads(out.getvalue())["errors"][0]["reason"]


@pytest.mark.django_db
def test_import_page_roles_errors_table_and_template(sup: World, client: Any, tmp_path: Path) -> None:
    url = reverse("supervision:import")
    client.force_login(sup.user("a.director"))
    assert client.get(url).status_code == 403
    client.force_login(sup.user("a.contact"))
    assert client.get(url).status_code == 403

    client.force_login(sup.user("city.officer"))
    page = client.get(url)
    assert page.status_code == 200 and "来源类别" in page.content.decode()

    template = client.get(url, {"template": "xlsx"})
    assert template.status_code == 200
    assert "filename*=UTF-8''" in template["Content-Disposition"]
    ws = load_workbook(io.BytesIO(template.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [c.label for c in COLUMNS]
    assert "测试甲基层" in rows[1]  # the example names a court the user supervises

    bad = csv_file(tmp_path, [row(), row(来源类别="（四）")])
    response = client.post(url, {"file": SimpleUploadedFile("台账.csv", bad.read_bytes())})
    text = response.content.decode()
    assert response.status_code == 200
    assert "import-errors" in text and "没有第（四）项" in text and "<td>3</td>" in text
    assert Matter.objects.count() == 0

    good = xlsx_file(tmp_path, [row(外部编号="TZ-1")])
    response = client.post(url, {"file": SimpleUploadedFile("台账.xlsx", good.read_bytes())}, follow=True)
    text = response.content.decode()
    matter = Matter.objects.get()
    assert matter.number in text and "已导入 1 件监督事项" in text

    # the downloaded template itself imports cleanly once today's data is in it
    path = tmp_path / "template.xlsx"
    path.write_bytes(template.content)
    result = import_matters(path, actor=sup.user("city.officer"), court=sup.courts["city"], dry_run=True)
    assert not result.errors, result.errors


@pytest.mark.django_db
def test_imported_matters_count_from_their_receipt_and_notify_once(sup: World, tmp_path: Path) -> None:
    """A ledger's old matter is as late as it really is (limits from its 收到日期), and a file of
    many rows sends the directors one notification, not one per matter."""
    from zhijian.notifications.models import Notification

    path = csv_file(tmp_path, [row(外部编号="TZ-101"), row(外部编号="TZ-102", 承办人="")])
    result = import_matters(path, actor=sup.user("city.officer"), court=sup.courts["city"])
    assert not result.errors, result.errors
    first = Matter.objects.get(number=result.numbers[0])
    review = MatterDeadline.objects.get(matter=first, purpose=DeadlinePurpose.REVIEW).deadline
    assert review.start_date == first.received_on == dt.date.fromisoformat(day(40))
    assert not Notification.objects.filter(kind="matter.new").exists()
    sent = Notification.objects.filter(kind="matter.import")
    assert [n.recipient for n in sent] == [sup.user("city.director")]
    assert "登记 2 件" in sent[0].title and "1 件待分配" in sent[0].title
