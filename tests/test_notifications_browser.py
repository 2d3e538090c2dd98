"""End to end in headless Chromium: the bell shows the unread count, the 通知 page opens a
notification's link and marks it read. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from zhijian.notifications.services import notify

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def test_bell_list_and_open(live_server: Any, page: Any, world: Any) -> None:
    user = world.user("a.contact")
    notify([user], kind="deadline.overdue", title="期限已超期：报送材料", body="已于2026年5月6日届满。",
           url="/deadlines/", key="k:1", court=world.courts["a"])  # fmt: skip
    notify([user], kind="digest", title="每日汇总", key="k:2")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("a.contact")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert page.locator("#notification-count").inner_text() == "2"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("link", name="通知，2 条未读").click()
    page.wait_for_load_state()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notifications-list.png"))
    page.get_by_role("button", name="期限已超期：报送材料").click()
    page.wait_for_load_state()
    assert page.url.endswith("/deadlines/")
    assert page.locator("#notification-count").inner_text() == "1"
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("button", name="全部标为已读").click()
    page.wait_for_load_state()
    assert page.locator("#notification-count").count() == 0
    assert "已将 1 条通知标为已读" in page.content()
