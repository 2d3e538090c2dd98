"""End to end in headless Chromium: a basic court's clerk uploads a GB18030 export and reads the
result; a refused file shows its errors; a running import's progress bar updates by itself and
the page reloads when the job is done. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from zhijian.cases.models import CaseImport, EnforcementCase
from zhijian.legaltime.services import seed_rules
from zhijian.org.loaders import load_default_courts, load_demo_users
from zhijian.org.models import User

from .test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（元）,执行到位金额（元）,申请执行人,被执行人,数据截至日期"


def export(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode("gb18030"))
    return path


def row(n: int, court: str = "吉0602", filed: str = "2026-03-02") -> str:
    return f"（2026）{court}执{n}号,{filed},张建国,执行中,,,50000,0,白山市某建材有限公司,王某,2026-11-20"


@pytest.fixture
def demo(db: Any) -> None:
    seed_rules()
    load_default_courts()
    load_demo_users()


def upload(page: Any, base: str, path: Path) -> None:
    page.goto(f"{base}/cases/import/")
    page.get_by_label("文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()


def test_a_clerk_uploads_a_gb18030_export_and_sees_the_result(
    live_server: Any, page: Any, demo: None, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "hunjiang.contact")
    page.get_by_role("link", name="导入案件").click()
    page.wait_for_load_state()
    assert "强制覆盖" not in page.content() and "浑江区法院" in page.locator(".card").last.inner_text()
    shot(page, "case-import-form")
    upload(page, live_server.url, export(tmp_path, "浑江法院-执行案件.csv", [row(1), row(2), row(3)]))
    verdict = page.locator("#import-verdict")
    assert "已导入：新增 3 件" in verdict.inner_text()
    assert "浑江法院-执行案件.csv" in page.locator("h1").inner_text()
    shot(page, "case-import-done")
    assert EnforcementCase.objects.filter(court__code="吉0602").count() == 3

    # one bad date and one row of another court: nothing is written, every error listed
    bad = [row(4), row(5, filed="2026-02-30"), row(6, court="吉0605")]
    upload(page, live_server.url, export(tmp_path, "有错误的文件.csv", bad))
    assert "未导入：没有写入任何数据。" in page.locator("#import-verdict").inner_text()
    errors = page.locator("#error-table tbody tr")
    assert errors.count() == 2
    assert "日期“2026-02-30”不存在" in errors.nth(0).inner_text()
    assert "您无权导入该法院的案件" in errors.nth(1).inner_text()
    shot(page, "case-import-refused")
    assert EnforcementCase.objects.count() == 3

    page.get_by_role("link", name="导入记录").first.click()
    page.wait_for_load_state()
    assert page.locator("#import-table tbody tr").count() == 2
    shot(page, "case-import-list")


def test_the_progress_bar_updates_and_the_page_reloads_when_the_job_is_done(
    live_server: Any, page: Any, demo: None
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    clerk = User.objects.get(username="hunjiang.contact")
    record = CaseImport.objects.create(
        file_name="大文件.csv",
        sha256="b" * 64,
        actor=clerk,
        court=clerk.court,
        state=CaseImport.State.VALIDATING,
        progress_phase="validate",
        progress_done=5000,
    )
    login(page, live_server.url, "hunjiang.contact")
    page.goto(f"{live_server.url}/cases/imports/{record.pk}/")
    assert "已校验 5,000 行" in page.locator("#import-progress").inner_text()
    CaseImport.objects.filter(pk=record.pk).update(
        state=CaseImport.State.MERGING,
        rows=20000,
        progress_phase="merge",
        progress_done=8000,
        progress_total=20000,
    )
    expect(page.locator("#progress-text")).to_contain_text("8,000 / 20,000")
    assert "40%" in page.locator("#import-progress").inner_text()
    shot(page, "case-import-running")
    CaseImport.objects.filter(pk=record.pk).update(state=CaseImport.State.DONE, created=20000)
    page.wait_for_selector("#import-verdict", timeout=10_000)
    assert "新增 20,000 件" in page.locator("#import-verdict").inner_text()
    assert page.locator("#import-progress").count() == 0
