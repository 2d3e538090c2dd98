"""The legal clock in headless Chromium: a clerk uses the calculator, an administrator enters
next year's holidays with a preview, a director reads the board. Screenshots → test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from zhijian.legaltime import services
from zhijian.org.loaders import load_default_courts, load_demo_users

from .test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db: Any) -> None:
    services.seed_rules()
    load_default_courts()
    load_demo_users()


def test_clerk_computes_the_article_5_letter_deadline(live_server: Any, page: Any, demo: None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "city.officer")
    page.get_by_role("link", name="期限计算器").click()
    page.get_by_label("起算日").fill("2026-09-28")
    page.get_by_label("期限规则").select_option(
        label="作出督办函：5日，《白山市中级人民法院执行局关于执行监督和质效管理工作的规定（试行）》第五条"
    )
    page.get_by_role("button", name="计算").click()
    page.wait_for_load_state()
    assert "2026年10月8日" in page.locator("#calc-due").inner_text()
    assert "国庆节放假" in page.locator("#calc-steps").inner_text()
    shot(page, "calculator-art5")
    # a period into 2027, before the State Council's notice: a warning and a provisional date
    page.get_by_label("起算日").fill("2026-12-29")
    page.get_by_label("期限规则").select_option(index=0)
    page.get_by_label("期限长度").fill("5")
    page.get_by_label("单位").select_option(label="日（自然日）")
    page.get_by_role("button", name="计算").click()
    page.wait_for_load_state()
    assert "2027年节假日安排尚未录入" in page.locator("#calc-error").inner_text()
    assert "暂定" in page.locator("#calc-due").inner_text()
    shot(page, "calculator-provisional")


def test_admin_enters_next_years_holidays_with_a_preview(live_server: Any, page: Any, demo: None) -> None:
    from zhijian.org.models import User

    owner = User.objects.get(username="city.officer")
    assert owner.court is not None
    services.create_deadline(
        actor=owner,
        title="跨年的报告期限",
        court=owner.court,
        owner=owner,
        start_date=__import__("datetime").date(2026, 12, 29),
        length=5,
        unit="days",
    )
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "city.admin")
    page.get_by_role("link", name="节假日安排").click()
    page.wait_for_load_state()
    page.locator("#id_text").fill(
        "2027-01-01~2027-01-04 休 元旦（测试）\n2027-01-09 班 元旦（测试）\n2027-01-01 休 重复"
    )
    page.get_by_role("button", name="预览").click()
    page.wait_for_load_state()
    assert "与第 1 行重复" in page.locator("#arrangement-errors").inner_text()
    shot(page, "holiday-errors")
    page.locator("#id_text").fill("2027-01-01~2027-01-04 休 元旦（测试）\n2027-01-09 班 元旦（测试）")
    page.get_by_role("button", name="预览").click()
    page.wait_for_load_state()
    assert "跨年的报告期限" in page.locator("#moves").inner_text()
    assert "2027-01-05" in page.locator("#moves").inner_text()
    shot(page, "holiday-preview")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已保存2027年节假日安排" in page.content()
    assert services.get_calendar().knows(2027)
    page.get_by_role("link", name="时限看板").click()
    page.wait_for_load_state()
    row = page.locator("#deadline-table tr", has_text="跨年的报告期限")
    assert "2027-01-05" in row.inner_text() and "暂定" not in row.inner_text()
    shot(page, "board-after-holidays")


def test_admin_adds_entries_by_form(live_server: Any, page: Any, demo: None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "city.admin")
    page.goto(f"{live_server.url}/deadlines/calendar/?year=2027")
    page.locator("#id_text").fill("")
    page.locator("#add-from").fill("2027-10-01")
    page.locator("#add-to").fill("2027-10-07")
    page.locator("#add-name").fill("国庆节")
    page.locator("#add-entry").click()
    page.locator("#add-from").fill("2027-10-09")
    page.locator("#add-kind").select_option("班")
    page.locator("#add-entry").click()
    assert page.locator("#id_text").input_value() == "2027-10-01~2027-10-07 休 国庆节\n2027-10-09 班 国庆节"
    page.get_by_role("button", name="预览").click()
    page.wait_for_load_state()
    assert page.locator("#month-grid td.d-adjusted").count() == 1
    assert page.locator("#month-grid td.d-holiday").count() == 7
