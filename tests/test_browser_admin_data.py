"""Masked party numbers, the alias tables and the 承办人 pages in headless Chromium, as the city
court's administrator. Screenshots → test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from zhijian.audit.models import AuditEvent
from zhijian.cases.models import EnforcementCase
from zhijian.cases.services import import_cases
from zhijian.legaltime.services import seed_rules
from zhijian.org.loaders import load_default_courts, load_demo_users
from zhijian.org.models import Person

from .test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = (
    "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（元）,执行到位金额（元）,申请执行人,被执行人,"
    "被执行人证件号码,被执行人联系电话"
)


@pytest.fixture
def data(db: Any, tmp_path: Path) -> None:
    seed_rules()
    load_default_courts()
    load_demo_users()
    year = dt.date.today().year - 1
    lines = [HEADER]
    for n in range(1, 9):
        handler = "张建国" if n <= 6 else "李红梅"
        lines.append(
            f"（{year}）吉0602执{n}号,{year}-01-0{n},{handler},执行中,,,{n * 10000},0,白山市某建材有限公司,"
            f"王某{n}；某运输公司,22060219800101{1230 + n}；91220600MA0Y12343X,1381234567{n}；0439-3251234"
        )
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_cases(path, actor=None)
    Person.objects.create(court=Person.objects.get(name="李红梅").court, name="李红梅", note="执行二团队")


def test_admin_reveals_one_party_number_and_it_is_audited(live_server: Any, page: Any, data: None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "city.admin")
    case = EnforcementCase.objects.get(seq=1, court__code="吉0602")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    parties = page.locator("#case-parties")
    text = parties.inner_text()
    assert "220602********1231" in text and "138****5671" in text and "91**************3X" in text
    assert "220602198001011231" not in page.content()
    parties.scroll_into_view_if_needed()
    shot(page, "admin-case-parties-masked")
    parties.get_by_role("button", name="显示王某1的证件号码").click()
    page.locator("[data-revealed]").wait_for()
    assert "220602198001011231" in parties.inner_text() and "已记录" in parties.inner_text()
    assert "138****5671" in parties.inner_text()  # the other values stay masked
    shot(page, "admin-case-parties-revealed")
    event = AuditEvent.objects.get(action="cases.party.reveal")
    assert event.after["field"] == "id_number" and "220602198001011231" not in str(event.after)


def test_admin_adds_an_alias_and_sees_a_refusal_explained(live_server: Any, page: Any, data: None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "city.admin")
    page.get_by_role("link", name="导入别名").click()
    page.wait_for_load_state()
    column = page.locator("#alias-column")
    column.get_by_label("文件中的写法").fill("主办法官")
    column.get_by_label("对应字段").select_option(label="承办人")
    column.get_by_role("button", name="添加").click()
    page.wait_for_load_state()
    assert "已添加列名别名“主办法官”→“承办人”" in page.locator("main").inner_text()
    assert "主办法官" in page.locator("#alias-table-column").inner_text()
    shot(page, "admin-aliases-added")
    status = page.locator("#alias-status")
    status.get_by_label("文件中的写法").fill("执行中")
    status.get_by_label("对应案件状态").select_option(label="未结")
    status.get_by_role("button", name="添加").click()
    page.wait_for_load_state()
    assert "已在默认的案件状态表中" in page.locator("#alias-status").inner_text()
    page.locator("#alias-status").scroll_into_view_if_needed()
    shot(page, "admin-aliases-refused")


def test_admin_splits_namesakes_and_merges_them_back(live_server: Any, page: Any, data: None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server.url, "city.admin")
    page.get_by_role("link", name="承办人（案件数据）").click()
    page.wait_for_load_state()
    table = page.locator("#person-table").inner_text()
    assert "张建国" in table and "李红梅" in table and "同名" in table
    shot(page, "admin-persons")
    page.get_by_role("link", name="张建国").click()
    page.wait_for_load_state()
    year = dt.date.today().year - 1
    page.get_by_label(f"选择 （{year}）吉0602执1号").check()
    page.get_by_label(f"选择 （{year}）吉0602执2号").check()
    page.get_by_label("或粘贴案号（每行一个）").fill(f"({year})吉0602执3号")
    page.get_by_label("新人员的备注").fill("执行一团队")
    shot(page, "admin-person-split-form")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="拆分").click()
    page.wait_for_load_state()
    assert "并把 3 件案件移到其名下" in page.locator("main").inner_text()
    assert "执行一团队" in page.locator("#person-facts").inner_text()
    shot(page, "admin-person-after-split")
    assert Person.objects.filter(name="张建国").count() == 2
    page.get_by_label("并入本人员的").select_option(index=1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="合并").click()
    page.wait_for_load_state()
    assert "移动案件 3 件" in page.locator("main").inner_text()
    assert Person.objects.filter(name="张建国").count() == 1
