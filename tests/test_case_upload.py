"""The import's second door: the upload page, its background job (run immediately in tests),
the import records with their errors and progress, and who may do what."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.test import override_settings
from django.urls import reverse

from zhijian.audit.models import AuditEvent
from zhijian.cases import uploads
from zhijian.cases.models import CaseImport, CaseStage, EnforcementCase
from zhijian.legaltime.services import seed_rules

pytestmark = pytest.mark.django_db
HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（万元）,执行到位金额,申请执行人,被执行人,执行依据类型,数据截至日期"


def good(n: int, court: str = "测0101", handler: str = "张三") -> str:
    return f"（2026）{court}执{n}号,2026-03-02,{handler},在办,,,1,0,王五；赵六,某公司,民事判决,2026-11-20"


def csv_file(lines: list[str], name: str = "案件导出.csv", encoding: str = "gb18030") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode(encoding), "text/csv")


@pytest.fixture
def rules(db: Any) -> None:
    seed_rules()


def upload(client: Any, file: SimpleUploadedFile, **options: Any) -> Any:
    data = {"file": file, **{k: "on" if v is True else v for k, v in options.items()}}
    return client.post(reverse("cases:import"), data)


def latest() -> CaseImport:
    return CaseImport.objects.latest("pk")


def test_an_upload_runs_as_a_job_and_the_record_shows_the_counts(
    world: Any, rules: None, client: Any
) -> None:
    client.force_login(world.user("a.contact"))
    response = upload(client, csv_file([good(1), good(2)]))
    record = latest()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:import_detail", args=[record.pk]
    )
    assert (record.state, record.rows, record.created, record.rejected) == ("done", 2, 2, 0)
    assert (
        record.file_name == "案件导出.csv" and record.court == world.courts["a"] and len(record.sha256) == 64
    )
    assert record.actor == world.user("a.contact") and record.options["source"] == "upload"
    assert (record.progress_phase, record.progress_done, record.progress_total) == ("finished", 2, 2)
    # the file is gone once imported: the record keeps its name and SHA-256
    assert record.upload_path == "" and not list(uploads.upload_dir().glob("*"))
    assert EnforcementCase.objects.filter(court=world.courts["a"]).count() == 2
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"cases.import.upload", "cases.import"}
    page = client.get(response["Location"]).content.decode()
    assert (
        "已导入：" in page and "新增 2 件" in page and record.sha256 in page and "import-progress" not in page
    )


def test_a_bad_file_is_refused_with_every_error_shown_and_nothing_written(
    world: Any, rules: None, client: Any
) -> None:
    client.force_login(world.user("a.contact"))
    bad = "（2026）测0101民初1号,2026-02-30,,搁置,,,x,0,甲,乙,,"
    upload(client, csv_file([good(1), bad, good(3)]))
    record = latest()
    assert record.state == "refused" and record.rejected == 1 and not EnforcementCase.objects.exists()
    assert not CaseStage.objects.exists() and not AuditEvent.objects.filter(action="cases.import").exists()
    page = client.get(reverse("cases:import_detail", args=[record.pk])).content.decode()
    assert "未导入：没有写入任何数据。" in page and "文件中有 1 行有错误" in page
    assert "“民初”不是执行类案件" in page and "2026-02-30" in page and "立案日期" in page
    # the error list, to correct the file
    exported = client.get(reverse("cases:import_errors", args=[record.pk]), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["行号", "列", "值", "原因"] and all(r[0] == "3" for r in rows[1:]) and len(rows) > 2
    xlsx = client.get(reverse("cases:import_errors", args=[record.pk]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="cases.import.errors_export").count() == 2


def test_an_unreadable_file_is_refused_with_the_reason(world: Any, rules: None, client: Any) -> None:
    client.force_login(world.user("a.contact"))
    upload(client, SimpleUploadedFile("坏文件.xlsx", b"not a workbook"))
    record = latest()
    assert record.state == "refused" and record.errors[0]["reason"] == uploads.UNREADABLE_XLSX
    page = client.get(reverse("cases:import_detail", args=[record.pk])).content.decode()
    assert "未导入：没有写入任何数据。" in page and "无法读取文件" in page


def test_rows_of_another_court_are_refused_row_by_row(world: Any, rules: None, client: Any) -> None:
    client.force_login(world.user("a.director"))
    upload(client, csv_file([good(1), good(2, court="测0102")]))
    record = latest()
    assert record.state == "refused" and not EnforcementCase.objects.exists()
    assert [(e["line"], e["reason"]) for e in record.errors] == [(3, "您无权导入该法院的案件。")]
    upload(client, csv_file([good(1), good(2, court="测0102")], name="again.csv"), skip_invalid=True)
    record = latest()
    assert (record.state, record.created, record.rejected) == ("done", 1, 1)
    assert list(EnforcementCase.objects.values_list("court__code", flat=True)) == ["测0101"]
    page = client.get(reverse("cases:import_detail", args=[record.pk])).content.decode()
    assert "已跳过 1 行有错误的数据" in page


def test_the_city_court_imports_for_its_basic_courts_and_utf8_with_bom_works(
    world: Any, rules: None, client: Any
) -> None:
    client.force_login(world.user("city.officer"))
    upload(client, csv_file([good(1), good(2, court="测0102")], encoding="utf-8-sig"))
    assert (latest().state, latest().created) == ("done", 2)


def test_an_xlsx_upload_reads_the_named_sheet(world: Any, rules: None, client: Any) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "说明"
    sheet = book.create_sheet("案件")
    sheet.append(HEADER.split(","))
    sheet.append(good(1).split(","))
    out = io.BytesIO()
    book.save(out)
    client.force_login(world.user("a.handler"))
    upload(client, SimpleUploadedFile("导出.xlsx", out.getvalue()), sheet="案件")
    assert (latest().state, latest().created, latest().options["sheet"]) == ("done", 1, "案件")


def test_an_events_file_is_uploaded_through_the_same_page(world: Any, rules: None, client: Any) -> None:
    client.force_login(world.user("a.contact"))
    upload(client, csv_file([good(1)]))
    events = "案号,节点,开始日期,结束日期,说明\n（2026）测0101执1号,发出执行通知书,2026-03-05,,\n（2026）测0101执1号,神秘节点,2026-03-06,,\n"
    upload(client, SimpleUploadedFile("节点.csv", events.encode("gb18030")))
    record = latest()
    assert (record.kind, record.state) == ("events", "done")
    page = client.get(reverse("cases:import_detail", args=[record.pk])).content.decode()
    assert "流程节点文件" in page and "神秘节点（1 行）" in page
    assert "流程节点" in client.get(reverse("cases:import_list")).content.decode()


def test_dry_run_writes_nothing_and_says_so(world: Any, rules: None, client: Any) -> None:
    client.force_login(world.user("a.contact"))
    upload(client, csv_file([good(1)]), dry_run=True)
    record = latest()
    assert (record.state, record.created) == ("dry_run", 1) and not EnforcementCase.objects.exists()
    page = client.get(reverse("cases:import_detail", args=[record.pk])).content.decode()
    assert "仅校验：没有写入任何数据。" in page


def test_a_read_only_leader_gets_403_and_nothing_is_saved(world: Any, client: Any) -> None:
    client.force_login(world.user("city.leader"))
    assert client.get(reverse("cases:import")).status_code == 403
    assert upload(client, csv_file([good(1)])).status_code == 403
    assert not CaseImport.objects.exists() and not list(uploads.upload_dir().glob("*"))
    nav = client.get(reverse("cases:import_list")).content.decode()
    assert 'href="/cases/import/"' not in nav  # neither in the navigation nor as a button


def test_only_directors_and_administrators_may_force(world: Any, rules: None, client: Any) -> None:
    client.force_login(world.user("a.contact"))
    assert "强制覆盖" not in client.get(reverse("cases:import")).content.decode()
    assert upload(client, csv_file([good(1)]), force=True).status_code == 403
    assert not CaseImport.objects.exists()
    client.force_login(world.user("a.director"))
    assert "强制覆盖较新的数据" in client.get(reverse("cases:import")).content.decode()
    upload(client, csv_file([good(1)]), force=True)
    assert latest().options["force"] is True and latest().state == "done"


@override_settings(ZHIJIAN_IMPORT_MAX_MB=1)
def test_too_large_and_old_excel_files_are_refused_with_a_clear_message(world: Any, client: Any) -> None:
    client.force_login(world.user("a.contact"))
    big = SimpleUploadedFile("大文件.csv", b"x" * (1024 * 1024 + 1))
    page = upload(client, big).content.decode()
    assert "文件过大（1.0 MB），最大 1 MB" in page
    page = upload(client, SimpleUploadedFile("老格式.xls", b"\xd0\xcf\x11\xe0")).content.decode()
    assert "不支持 Excel 97-2003 格式（.xls）" in page
    page = upload(client, SimpleUploadedFile("a.pdf", b"%PDF")).content.decode()
    assert "只能上传 CSV（.csv）或 Excel（.xlsx）文件。" in page
    assert not CaseImport.objects.exists() and not list(uploads.upload_dir().glob("*"))


def test_import_records_are_court_scoped(world: Any, rules: None, client: Any) -> None:
    client.force_login(world.user("a.contact"))
    upload(client, csv_file([good(1)], name="甲院文件.csv"))
    record = latest()
    detail = reverse("cases:import_detail", args=[record.pk])
    for persona, sees in [("a.handler", True), ("city.officer", True), ("city.leader", True),
                          ("b.director", False), ("x.director", False)]:  # fmt: skip
        client.force_login(world.user(persona))
        assert ("甲院文件.csv" in client.get(reverse("cases:import_list")).content.decode()) is sees, persona
        assert client.get(detail).status_code == (200 if sees else 404), persona
        assert client.get(reverse("cases:import_errors", args=[record.pk])).status_code == (
            200 if sees else 404
        )


def test_command_line_imports_are_shown_to_system_administrators_only(world: Any, client: Any) -> None:
    record = CaseImport.objects.create(file_name="命令行.csv", sha256="0" * 64, actor=None, state="done")
    client.force_login(world.user("city.admin"))
    assert client.get(reverse("cases:import_detail", args=[record.pk])).status_code == 200
    client.force_login(world.user("city.director"))
    assert client.get(reverse("cases:import_detail", args=[record.pk])).status_code == 404


def running_record(world: Any, **fields: Any) -> CaseImport:
    values = {"file_name": "大文件.csv", "sha256": "a" * 64, "actor": world.user("a.contact"),
              "court": world.courts["a"], "state": "validating", **fields}  # fmt: skip
    return CaseImport.objects.create(**values)


def test_the_progress_bar_polls_while_running_and_the_page_reloads_when_done(world: Any, client: Any) -> None:
    client.force_login(world.user("a.contact"))
    queued = running_record(world, progress_phase="queued")
    page = client.get(reverse("cases:import_detail", args=[queued.pk])).content.decode()
    assert 'id="import-progress"' in page and "排队中" in page and 'hx-trigger="every 2s"' in page
    CaseImport.objects.filter(pk=queued.pk).update(started_at=queued.started_at - dt.timedelta(minutes=2))
    page = client.get(reverse("cases:import_detail", args=[queued.pk])).content.decode()
    assert "请联系系统管理员确认后台处理进程（zhijian worker）正在运行" in page
    record = running_record(world, progress_phase="validate", progress_done=12000)
    url = reverse("cases:import_detail", args=[record.pk])
    fragment = client.get(url, headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "已校验 12,000 行" in text and "<html" not in text and 'id="import-progress"' in text
    CaseImport.objects.filter(pk=record.pk).update(
        state="merging", rows=10000, progress_phase="merge", progress_done=4000, progress_total=10000
    )
    text = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "40%" in text and "4,000 / 10,000 行" in text
    CaseImport.objects.filter(pk=record.pk).update(progress_phase="validate")
    text = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "正在写入 10,000 行" in text  # the merge has begun, its progress not yet visible
    CaseImport.objects.filter(pk=record.pk).update(state="done")
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_a_failing_job_refuses_the_import_and_deletes_the_file(
    world: Any, rules: None, client: Any, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("zhijian.cases.importer.import_file", broken)
    client.force_login(world.user("a.contact"))
    upload(client, csv_file([good(1)]))
    record = latest()
    assert record.state == "refused" and record.errors[0]["reason"] == uploads.SYSTEM_ERROR
    assert record.upload_path == "" and not list(uploads.upload_dir().glob("*"))
    assert not EnforcementCase.objects.exists()


def test_the_job_runs_once(world: Any, rules: None, client: Any) -> None:
    client.force_login(world.user("a.contact"))
    upload(client, csv_file([good(1)]))
    record = latest()
    assert uploads.run_upload(record.pk) == "done" and uploads.run_upload(10**9) == "missing"
    assert CaseImport.objects.count() == 1 and AuditEvent.objects.filter(action="cases.import").count() == 1


def test_the_progress_writer_never_writes_inside_a_sqlite_transaction(world: Any) -> None:
    record = running_record(world)
    writer = uploads.ProgressWriter(record, interval=0)
    with transaction.atomic():
        writer("merge", 10, 20)
    assert (record.progress_phase, record.progress_done, record.progress_total) == ("merge", 10, 20)
    stored = CaseImport.objects.get(pk=record.pk)
    if connection.vendor == "sqlite":
        assert stored.progress_phase == ""  # skipped: the merge holds the only write lock
    writer.close()


@pytest.mark.django_db(transaction=True)
def test_progress_written_during_the_import_transaction_is_visible_before_it_commits(world: Any) -> None:
    """PostgreSQL: the page reads the merge's progress while its transaction is still open (a
    second connection writes it, without waiting on the lock the merge's rows take on the
    record). SQLite: the merge holds the only write lock, so the writer skips."""
    record = running_record(world, progress_phase="validate")
    writer = uploads.ProgressWriter(record, interval=0)
    reader = connections.create_connection("default")

    def stored() -> str:
        with reader.cursor() as cursor:
            cursor.execute("SELECT progress_phase FROM cases_caseimport WHERE id = %s", [record.pk])
            return str(cursor.fetchone()[0])

    try:
        with transaction.atomic():
            EnforcementCase.objects.create(
                number="（2026）测0101执1号", year=2026, court=world.courts["a"], type_code="执", seq=1,
                filed_on="2026-03-02", status="open", last_import=record,
            )  # fmt: skip
            writer("merge", 5, 10)
            assert stored() == ("merge" if connection.vendor == "postgresql" else "validate")
    finally:
        writer.close()
        reader.close()


@pytest.mark.django_db(transaction=True)
def test_the_job_reports_progress_outside_transactions_as_it_goes(world: Any, tmp_path: Path) -> None:
    """Whatever the importer reports outside a transaction is readable at once by the page."""
    from zhijian.cases.importer import import_file

    seed_rules()
    path = tmp_path / "cases.csv"
    path.write_bytes(("\n".join([HEADER, good(1), good(2)]) + "\n").encode("gb18030"))
    record = running_record(world, progress_phase="queued")
    seen: list[tuple[str, bool, str]] = []
    reader = connections.create_connection("default")

    class Spy(uploads.ProgressWriter):
        def write(self, phase: str, done: int, total: int | None) -> None:
            super().write(phase, done, total)
            with reader.cursor() as cursor:
                cursor.execute("SELECT progress_phase FROM cases_caseimport WHERE id = %s", [record.pk])
                seen.append((phase, connection.in_atomic_block, cursor.fetchone()[0]))

    writer = Spy(record, interval=0)
    try:
        writer("validate", 0, None)
        import_file(path, actor=world.user("a.contact"), progress=writer, case_import=record)
    finally:
        writer.close()
        reader.close()
    assert seen[0] == ("validate", False, "validate")
    for phase, in_transaction, value in seen:
        if not in_transaction or connection.vendor == "postgresql":
            assert value == phase
    assert EnforcementCase.objects.count() == 2


def test_a_job_whose_file_is_gone_is_refused(world: Any) -> None:
    for upload_path in ("", "gone.csv"):
        record = running_record(world, progress_phase="queued", upload_path=upload_path)
        assert uploads.run_upload(record.pk) == "refused"
        record.refresh_from_db()
        assert "上传的文件已不存在" in record.errors[0]["reason"] and record.progress_phase == "finished"
    assert uploads.upload_dir().is_dir() or not uploads.upload_dir().exists()


def test_a_job_stopped_at_once_is_recorded_as_interrupted(world: Any, monkeypatch: Any) -> None:
    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("zhijian.cases.importer.import_file", stopped)
    uploads.upload_dir().mkdir(parents=True, exist_ok=True)
    (uploads.upload_dir() / "x.csv").write_text(HEADER)
    record = running_record(world, progress_phase="queued", upload_path="x.csv")
    with pytest.raises(KeyboardInterrupt):
        uploads.run_upload(record.pk)
    record.refresh_from_db()
    assert record.state == "refused" and record.errors[0]["reason"] == uploads.INTERRUPTED
    assert not (uploads.upload_dir() / "x.csv").exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_upload_waits_for_the_worker(world: Any, client: Any) -> None:
    from django.core.management import call_command

    seed_rules()
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        client.force_login(world.user("a.contact"))
        upload(client, csv_file([good(1)]))
        record = latest()
        assert (record.state, record.progress_phase) == ("validating", "queued")
        page = client.get(reverse("cases:import_detail", args=[record.pk])).content.decode()
        assert "排队中" in page and "等待后台处理进程开始导入" in page
        call_command("worker", "--batch", verbosity=0)
    record.refresh_from_db()
    assert (record.state, record.created, record.progress_phase) == ("done", 1, "finished")
    assert record.upload_path == "" and not list(uploads.upload_dir().glob("*"))


def test_the_worker_command_needs_the_database_queue() -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="无需运行 worker"):
        call_command("worker", "--batch")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_terminal_progress_line_draws_a_counter_then_a_bar() -> None:
    from zhijian.core.progress import TerminalProgress

    assert TerminalProgress.for_stream(io.StringIO()) is None
    assert TerminalProgress.for_stream(FakeTerminal(), enabled=False) is None
    out = FakeTerminal()
    bar = TerminalProgress.for_stream(out)
    assert bar is not None
    bar("validate", 12000, None)
    bar("merge", 0, 40000)
    bar("merge", 40000, 40000)
    bar.close()
    text = out.getvalue()
    assert "校验" in text and "已处理 12,000 行" in text
    assert "写入 [" + "." * 30 + "]   0% 0/40,000 行" in text
    assert "写入 [" + "#" * 30 + "] 100% 40,000/40,000 行" in text and text.endswith("\n")


def test_import_cases_shows_progress_on_a_terminal_but_never_with_json(
    world: Any, rules: None, tmp_path: Path, monkeypatch: Any
) -> None:
    import json

    from django.core.management import call_command

    path = tmp_path / "cases.csv"
    path.write_bytes(("\n".join([HEADER, good(1), good(2)]) + "\n").encode("gb18030"))
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    call_command("import_cases", str(path), "--dry-run", stdout=io.StringIO())
    assert "写入 [" in terminal.getvalue() and terminal.getvalue().endswith("\n")
    terminal.seek(0)
    terminal.truncate(0)
    out = io.StringIO()
    call_command("import_cases", str(path), "--json", stdout=out)
    assert terminal.getvalue() == "" and json.loads(out.getvalue())["created"] == 2
