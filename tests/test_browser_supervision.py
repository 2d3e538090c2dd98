"""End to end in headless Chromium, the main path of a supervision matter, each step by the
demo account whose job it is: the officer registers and reviews, drafts the letter; the director
approves it; 浑江's contact signs and drafts the report; 浑江's 执行局长 approves it; the officer
accepts, concludes and reports back to the source. Screenshots go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from zhijian.legaltime.services import seed_rules
from zhijian.org.loaders import load_default_courts, load_demo_users
from zhijian.supervision.models import LetterState, Matter, MatterState

from .test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db: Any) -> None:
    seed_rules()
    load_default_courts()
    load_demo_users()


def as_user(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username)


def test_main_path_of_a_supervision_matter(live_server: Any, page: Any, demo: None) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1400, "height": 1000})

    as_user(page, base, "city.officer")
    page.goto(f"{base}/matters/new/")
    page.fill("#title", "市人大常委会转来：张某反映案件执行不力")
    page.locator("#court-" + str(_court_pk("吉0602"))).check()
    page.select_option("#s_category", "1")
    page.fill("#s_body", "白山市人大常委会")
    page.fill("#s_doc_number", "白人常函〔2026〕9号")
    page.fill("#s_instructor", "副主任")
    page.fill("#s_instruction_date", "2026-11-20")
    page.check("#s_report_back")
    page.select_option("#s_report_rule", "SOURCE_REPLY_NPC")
    page.select_option("#officer", label="王监督")
    shot(page, "supervision-register")
    page.click("#register-btn")
    page.wait_for_load_state()
    assert "已登记监督事项" in page.content()
    matter = Matter.objects.get()
    page.select_option("#finding", "passive")
    page.fill("#opinion", "经审查，存在消极执行。")
    page.get_by_role("button", name="决定督办").click()
    page.wait_for_load_state()
    page.fill("#facts", "申请执行人反映执行款未发放。")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="提交局长审批").click()
    page.wait_for_load_state()

    as_user(page, base, "city.director")
    page.goto(f"{base}{matter.get_absolute_url()}")
    shot(page, "supervision-director-approves")
    page.get_by_role("button", name="批准并签发").click()
    page.wait_for_load_state()
    assert "已签发督办函" in page.content()

    as_user(page, base, "hunjiang.contact")
    page.goto(f"{base}/matters/workspace/")
    shot(page, "supervision-contact-workspace")
    page.locator("#to-sign").get_by_role("button", name="签收").click()
    page.wait_for_load_state()
    page.goto(f"{base}{matter.get_absolute_url()}")
    page.locator("summary", has_text="起草报告").click()
    page.locator(".letter-card textarea[name=text]").fill("已发放执行款，并告知申请执行人。")
    page.locator(".letter-card").get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    page.locator(".report").get_by_role("button", name="提交本院执行局长审批").click()
    page.wait_for_load_state()

    as_user(page, base, "hunjiang.director")
    page.goto(f"{base}{matter.get_absolute_url()}")
    page.get_by_role("button", name="批准并报送").click()
    page.wait_for_load_state()

    as_user(page, base, "city.officer")
    page.goto(f"{base}{matter.get_absolute_url()}")
    page.locator("textarea[name=assessment]").fill("报告属实，予以采纳")
    page.get_by_role("button", name="采纳", exact=True).click()
    page.wait_for_load_state()
    page.locator("textarea[name=summary]").fill("督办完毕，执行款已发放。")
    page.get_by_role("button", name="办结", exact=True).click()
    page.wait_for_load_state()
    page.locator("textarea[name=note]").fill("经督办，浑江区法院已发放执行款。")
    page.get_by_role("button", name="报告", exact=True).click()
    page.wait_for_load_state()
    shot(page, "supervision-concluded")

    matter.refresh_from_db()
    assert matter.state == MatterState.CONCLUDED
    assert matter.letters.get().state == LetterState.ACCEPTED
    assert matter.sources.get().reported_on is not None
    assert "已办结" in page.locator("#matter-state").inner_text()


def _court_pk(code: str) -> int:
    from zhijian.org.models import Court

    return Court.objects.get(code=code).pk
