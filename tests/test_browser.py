"""End to end in headless Chromium: the demo accounts log in and find their pages.

Screenshots go to test-artifacts/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from zhijian.org.loaders import DEMO_PASSWORD, load_default_courts, load_demo_users

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def login(page: Any, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.fixture
def demo(db: Any) -> None:
    load_default_courts()
    load_demo_users()


def test_director_sees_the_article_4_warning_and_follows_it(live_server: Any, page: Any, demo: None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "city.director")
    assert page.title() == "首页 · 执监"
    alerts = page.locator("#alert-list")
    assert "临江市法院尚未指定执行监督联络专人（第四条）" in alerts.inner_text()
    assert "白山市中级人民法院" in page.locator("header").inner_text()
    shot(page, "director-home-1366")
    alerts.get_by_role("link", name="查看").first.click()
    page.wait_for_load_state()
    assert "未指定" in page.locator("#court-contact").inner_text()
    page.get_by_role("link", name="审计日志").click()
    page.wait_for_load_state()
    assert page.locator("#audit-table tbody tr").count() > 10
    shot(page, "director-audit-1366")


def test_basic_contact_sees_only_its_own_court(live_server: Any, page: Any, demo: None) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    login(page, live_server.url, "hunjiang.contact")
    assert "浑江联络，您好" in page.content()
    nav = page.locator("nav.sidebar").inner_text()
    assert "审计日志" not in nav and "法院" in nav
    shot(page, "contact-home-1920")
    page.get_by_role("link", name="法院").click()
    page.wait_for_url("**/org/courts/")
    page.wait_for_load_state()
    rows = page.locator("#court-table tbody tr")
    assert rows.count() == 1 and "浑江区" in rows.inner_text()
    page.get_by_role("link", name="人员名录").click()
    text = page.locator("#user-table").inner_text()
    assert "浑江局长" in text and "江源" not in text and "王监督" not in text
    shot(page, "contact-users-1920")


def test_basic_director_designates_the_missing_contact(live_server: Any, page: Any, demo: None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "linjiang.director")
    todo = page.locator("#todo-list")
    assert "请指定本院执行监督联络专人" in todo.inner_text()
    todo.get_by_role("link", name="办理").click()
    page.get_by_label("联络专人", exact=True).select_option(label="临江联络（linjiang.contact）")
    shot(page, "basic-director-contact-form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已更新临江市法院的执行监督联络专人" in page.content()
    assert "临江联络" in page.locator("#court-contact").inner_text()


def test_wrong_password_and_admin_back_office(live_server: Any, page: Any, demo: None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "city.admin", "not-the-password")
    assert "用户名或密码错误" in page.locator("#login-error").inner_text()
    shot(page, "login-error")
    login(page, live_server.url, "city.admin")
    page.get_by_role("link", name="后台管理").click()
    page.wait_for_load_state()
    assert "执监 · 系统管理" in page.content()
    page.goto(f"{live_server.url}/admin/org/user/")
    assert "hunjiang.contact" in page.content()
    shot(page, "admin-users")
