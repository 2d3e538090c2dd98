"""End to end in headless Chromium, the supervision measures, each step by the demo account
whose job it is, the clock moved with time_machine (the live server runs in this process):

* the 督促执行令 from the scan page: the officer lists overdue cases of one court; the director
  issues it with a 文号; 浑江's contact signs it from the workspace; past its deadline the officer
  sees the 超期 rows and the 提级/指定执行 offer and sends a 催办; past the 催办 limit the daily
  job proposes a criticism, which the director accepts in the register;
* a 指令纠正 from the matter page: approved, the contact asks for 复议 inside the window, the
  director rejects it, and 裁定纠正 is offered; bad input on the form is explained, not lost.

Full-page screenshots go to /tmp/shots/measures/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhijian.accountability.models import Proposal, ProposalState
from zhijian.accountability.services import sync_proposals
from zhijian.cases.models import CaseParty, CaseStatus, EnforcementCase, ScanCandidate
from zhijian.cases.scans import run_scans
from zhijian.legaltime.services import seed_rules
from zhijian.org.loaders import load_default_courts, load_demo_users
from zhijian.org.models import Court, User
from zhijian.supervision import services
from zhijian.supervision.models import (
    DeadlinePurpose,
    Matter,
    MatterDeadline,
    Measure,
    MeasureState,
    SourceCategory,
)

from .test_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/measures")
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo(db: Any) -> None:
    seed_rules()
    load_default_courts()
    load_demo_users()


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ)


def as_user(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username)


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def make_case(code: str, seq: int, *, due: dt.date, filed: dt.date) -> EnforcementCase:
    court = Court.objects.get(code=code)
    case = EnforcementCase.objects.create(
        number=f"（{filed.year}）{code}执{seq}号", year=filed.year, court=court, type_code="执", seq=seq,
        status=CaseStatus.OPEN, filed_on=filed, limit_due=due, limit_rule="CASE_LIMIT",
    )  # fmt: skip
    CaseParty.objects.create(case=case, role=CaseParty.Role.APPLICANT, name=f"申请执行人{seq}")
    CaseParty.objects.create(case=case, role=CaseParty.Role.RESPONDENT, name=f"被执行人{seq}")
    return case


def flash(page: Any) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


def test_order_from_the_scan_page_to_a_criticism(live_server: Any, page: Any, demo: None) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1400, "height": 1000})
    start = dt.date(2026, 11, 2)
    with time_machine.travel(at(start), tick=True) as clock:
        filed = dt.date(2026, 3, 2)
        overdue = [make_case("吉0602", 300 + n, due=dt.date(2026, 9, 2 + n), filed=filed) for n in range(4)]
        make_case("吉0605", 300, due=dt.date(2026, 9, 2), filed=filed)
        run_scans(today=start)
        assert ScanCandidate.objects.filter(rule="art7a", court__code="吉0602").count() == 4

        # the officer ticks three overdue cases of 浑江 and lists them on an order
        as_user(page, base, "city.officer")
        page.goto(f"{base}/cases/scan/?court={Court.objects.get(code='吉0602').pk}&rule=art7a")
        for case in overdue[:3]:
            page.get_by_label(f"选择 {case.number}").check()
        assert page.locator("#to-order").is_visible()
        shot(page, "01-scan-page-with-order-button")
        page.locator("#to-order").click()
        page.wait_for_load_state()
        order = Measure.objects.get(type__code="order")
        assert page.url.endswith(f"/matters/measures/{order.pk}/")
        assert "已列入" in page.content() and "起草中" in page.locator("#measure-state").inner_text()
        listed = page.locator("#case-list tbody tr")
        assert listed.count() == 3
        assert all(case.number in page.locator("#case-list").inner_text() for case in overdue[:3])
        assert overdue[3].number not in page.locator("#case-list").inner_text()
        shot(page, "02-draft-order")
        page.get_by_role("button", name="提交局长审批").click()
        page.wait_for_load_state()
        assert "待局长审批" in page.locator("#measure-state").inner_text()

        # the director issues it: numbered now
        as_user(page, base, "city.director")
        page.goto(f"{base}/matters/measures/{order.pk}/")
        page.get_by_role("button", name="批准并签发").click()
        page.wait_for_load_state()
        order.refresh_from_db()
        assert order.state == MeasureState.ISSUED and order.document is not None
        number = order.document.number
        assert re.search(r"〔2026〕\d+号$", number), number
        assert f"已批准并签发 {number}" in page.content()
        assert number in page.locator("#measure-documents").inner_text()
        assert number in page.locator("#measure-issued").inner_text()
        deadlines = page.locator("#measure-deadlines").inner_text()
        assert "签收督促执行令" in deadlines and "督办函" not in deadlines
        shot(page, "03-issued-order")

        # 浑江's contact finds it in the workspace and signs it
        as_user(page, base, "hunjiang.contact")
        page.get_by_role("link", name="联络专人工作台").click()
        page.wait_for_load_state()
        row = page.locator("#ws-measures li", has_text=number)
        assert "已签发" in row.inner_text()
        shot(page, "04-contact-workspace")
        row.get_by_role("link").click()
        page.wait_for_load_state()
        assert page.locator("#elevate-offer").count() == 0  # the court never sees the offer
        page.get_by_role("button", name="签收督促执行令").click()
        page.wait_for_load_state()
        assert "已签收" in page.locator("#measure-state").inner_text()
        assert "签收" in page.locator("#measure-issued").inner_text()

        # the order's deadline passes: 超期, 提级/指定 offered, 催办 first
        dues = MatterDeadline.objects.filter(measure=order, purpose=DeadlinePurpose.ORDER).values_list(
            "deadline__due_date", flat=True
        )
        due: dt.date = max(d for d in dues if d is not None)
        clock.move_to(at(due + dt.timedelta(days=1)))
        as_user(page, base, "city.officer")
        page.goto(f"{base}/matters/measures/{order.pk}/")
        assert page.locator("#case-list tr.table-danger").count() == 3
        assert "超期未办理" in page.locator("#case-list").inner_text()
        offer = page.locator("#elevate-offer")
        assert offer.is_visible()
        assert offer.get_by_role("link", name="提级执行").count() == 3
        assert offer.get_by_role("link", name="指定执行").count() == 3
        shot(page, "05-overdue-order-urge-and-elevate")
        # 指定执行 offers the other courts below the city court, never the city court or 浑江
        offer.locator("div", has_text=overdue[0].number).get_by_role("link", name="指定执行").click()
        page.wait_for_load_state()
        assert "承接：督促执行令" in page.content()
        assert page.locator("#case").input_value() == str(overdue[0].pk)
        options = page.locator("#new_court option").all_inner_texts()
        assert "白山市江源区人民法院" in options
        assert not any("中级" in o or "浑江" in o for o in options), options
        page.go_back()
        page.wait_for_load_state()
        page.locator("#order-urge").get_by_role("button", name="发出催办通知").click()
        page.wait_for_load_state()
        assert "已发出催办通知" in page.content()
        assert page.locator("#order-urge").count() == 0  # one 催办 only
        urge = MatterDeadline.objects.get(measure=order, purpose=DeadlinePurpose.URGE)
        assert "催办通知" in page.locator("#measure-documents").inner_text()

        # the 催办 limit passes too: the daily job proposes a criticism; the director accepts it
        assert urge.deadline.due_date is not None
        later = urge.deadline.due_date + dt.timedelta(days=1)
        clock.move_to(at(later))
        assert sync_proposals(later) == 1
        as_user(page, base, "city.director")
        page.get_by_role("link", name="追责登记").click()
        page.wait_for_load_state()
        row = page.locator("#proposal-table tbody tr", has_text="浑江区")
        assert "待决定" in row.inner_text() and "督促执行令" in row.inner_text()
        row.locator("textarea[name=reason]").fill(
            "经督促执行、催办，浑江区法院仍未在指定期限内执结所列案件。"
        )
        row.get_by_role("button", name="决定通报批评").click()
        page.wait_for_load_state()
        proposal = Proposal.objects.get()
        assert proposal.state == ProposalState.ACCEPTED and proposal.document is not None
        row = page.locator("#proposal-table tbody tr", has_text="浑江区")
        assert "已决定通报" in row.inner_text()
        assert proposal.document.number in row.inner_text()
        shot(page, "06-register-criticism")


def supervising_matter(court: Court, case: EnforcementCase) -> Matter:
    officer = User.objects.get(username="city.officer")
    today = dt.date(2026, 11, 2)
    matter = services.register_matter(
        officer,
        services.MatterInput(
            title="案外人反映浑江法院违法扣划其存款", received_on=today, court_ids=[court.pk],
            case_numbers=[case.number], officer=officer,
            sources=[services.SourceInput(category=SourceCategory.objects.get(item=6), body="案外人刘某",
                                          received_on=today)],
        ),
    )  # fmt: skip
    services.decide_supervise(matter, officer, finding="unlawful", opinion="扣划的是案外人存款，应予纠正。")
    return matter


def test_instruction_reconsideration_rejected_then_correction_offered(
    live_server: Any, page: Any, demo: None
) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1400, "height": 1000})
    with time_machine.travel(at(dt.date(2026, 11, 2)), tick=True):
        hunjiang = Court.objects.get(code="吉0602")
        case = make_case("吉0602", 400, due=dt.date(2027, 3, 1), filed=dt.date(2026, 9, 1))
        matter = supervising_matter(hunjiang, case)

        as_user(page, base, "city.officer")
        page.goto(f"{base}/matters/{matter.pk}/")
        page.locator("#measures").get_by_role("button", name="采取措施").click()
        shot(page, "07-matter-page-measures-menu")
        page.locator("#measures").get_by_role("link", name="指令纠正").click()
        page.wait_for_load_state()
        assert "起草指令纠正" in page.locator("h1").inner_text()
        # facts left blank (spaces only, which the browser lets through): explained, input kept
        page.fill("#requirements", "请于十五日内解除扣划并报告。")
        page.fill("#facts", "   ")
        page.get_by_role("button", name="保存草稿").click()
        page.wait_for_load_state()
        assert "请填写事实与理由" in flash(page)
        assert "is-invalid" in (page.get_attribute("#facts", "class") or "")
        assert page.input_value("#requirements") == "请于十五日内解除扣划并报告。"
        assert page.locator("#case").input_value() == str(case.pk)
        shot(page, "08-new-measure-empty-facts")
        # an order listing a case the system does not have
        page.get_by_role("link", name="督促执行令").click()
        page.wait_for_load_state()
        page.fill("#cases", "（2026）吉0602执9999号")
        page.fill("#facts", "案件超期未结。")
        page.get_by_role("button", name="保存草稿").click()
        page.wait_for_load_state()
        assert "系统中没有案件（2026）吉0602执9999号" in flash(page)
        assert page.input_value("#cases").strip() == "（2026）吉0602执9999号"
        assert page.input_value("#facts") == "案件超期未结。"
        assert "is-invalid" in (page.get_attribute("#cases", "class") or "")
        shot(page, "09-new-order-unknown-case")
        assert not Measure.objects.exists()

        page.get_by_role("link", name="指令纠正").click()
        page.wait_for_load_state()
        page.fill("#facts", "你院在执行中扣划了案外人刘某的存款。")
        page.fill("#requirements", "请解除扣划并报告。")
        page.get_by_role("button", name="保存草稿").click()
        page.wait_for_load_state()
        instruction = Measure.objects.get(type__code="instruct")
        assert instruction.case_id == case.pk
        page.get_by_role("button", name="提交局长审批").click()
        page.wait_for_load_state()

        as_user(page, base, "city.director")
        page.goto(f"{base}/matters/measures/{instruction.pk}/")
        page.get_by_role("button", name="批准并签发").click()
        page.wait_for_load_state()
        instruction.refresh_from_db()
        assert instruction.state == MeasureState.ISSUED

        as_user(page, base, "hunjiang.contact")
        page.goto(f"{base}/matters/workspace/")
        page.locator("#ws-measures").get_by_role("link", name=re.compile("指令纠正")).click()
        page.wait_for_load_state()
        page.locator("summary", has_text="申请复议").click()
        page.fill("textarea[name=reason]", "扣划的是被执行人名下账户的存款。")
        page.locator("#measure-actions").get_by_role("button", name="申请复议").click()
        page.wait_for_load_state()
        assert "复议审查中" in page.locator("#measure-state").inner_text()
        shot(page, "10-contact-requested-reconsideration")

        as_user(page, base, "city.director")
        page.goto(f"{base}/matters/measures/{instruction.pk}/")
        assert page.locator("#correct-offer").count() == 0  # not while the 复议 is pending
        page.fill("textarea[name=note]", "经查该账户系案外人所有，复议理由不成立。")
        page.get_by_role("button", name="驳回复议请求").click()
        page.wait_for_load_state()
        instruction.refresh_from_db()
        assert instruction.reconsider_result == "rejected"
        offer = page.locator("#correct-offer")
        assert offer.is_visible() and "复议请求已驳回" in offer.inner_text()
        shot(page, "11-correction-offered")
        offer.get_by_role("link", name="起草裁定纠正").click()
        page.wait_for_load_state()
        assert "起草裁定纠正" in page.locator("h1").inner_text()
        assert "承接：指令纠正" in page.content()
        shot(page, "12-correction-ruling-form")
