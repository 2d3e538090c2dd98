"""The demo's supervision measures: every demo account finds a measure to act on, and the one
service parameter the demo needs — an issue date in the past — does what it says; the demo's
指定执行 names a court below the city court, never the city court itself."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from zhijian.cases.models import CaseParty, CaseStatus, EnforcementCase
from zhijian.core.exceptions import ServiceError
from zhijian.legaltime.services import calculate, seed_rules
from zhijian.org import services as org
from zhijian.org.loaders import DEMO_PASSWORD
from zhijian.org.models import Court
from zhijian.supervision import measure_types as mt
from zhijian.supervision import measures, services
from zhijian.supervision.models import (
    DeadlinePurpose,
    MatterDeadline,
    Measure,
    MeasureState,
    SourceCategory,
)

from .conftest import World


@pytest.mark.django_db
def test_an_issue_back_dated_for_the_demo_runs_its_deadlines_from_that_day(world: World) -> None:
    seed_rules()
    court = world.courts["a"]
    org.set_designated_contact(court, actor=None, contact=world.user("a.contact"))
    officer, director = world.user("city.officer"), world.user("city.director")
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0), tick=False):
        case = EnforcementCase.objects.create(
            number="（2026）测0101执1号", year=2026, court=court, type_code="执", seq=1, status=CaseStatus.OPEN,
            filed_on=dt.date(2026, 3, 2), limit_due=dt.date(2026, 9, 2), limit_rule="CASE_LIMIT",
        )  # fmt: skip
        CaseParty.objects.create(case=case, role=CaseParty.Role.APPLICANT, name="申请人")
        matter = services.register_matter(
            officer,
            services.MatterInput(
                title="超期未结", received_on=dt.date(2026, 10, 28), court_ids=[court.pk], officer=officer,
                sources=[services.SourceInput(category=SourceCategory.objects.get(item=7), body="扫描",
                                              received_on=dt.date(2026, 10, 28))],
            ),
        )  # fmt: skip
        services.decide_supervise(matter, officer, finding="ineffective", opinion="超期")
        order = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=court, facts="超期未结",
                                       cases=[measures.CaseLine(case=case, length=15)])  # fmt: skip
        measures.submit_measure(order, officer)
        issued = dt.date(2026, 10, 30)
        measures.approve_measure(order, director, today=issued)
        order.refresh_from_db()
        assert order.state == MeasureState.ISSUED and order.issued_on == issued
        link = MatterDeadline.objects.get(measure=order, purpose=DeadlinePurpose.ORDER)
        assert link.deadline.start_date == issued
        assert link.deadline.due_date == calculate(issued, length=15, unit="days").due
        sign = MatterDeadline.objects.get(measure=order, purpose=DeadlinePurpose.SIGN)
        assert sign.deadline.start_date == issued
        # overdue today: 催办 and 提级/指定 are open at once
        assert measures.may_urge_order(order)
        assert [i.case_id for i in measures.elevation_suggestions(matter)] == [case.pk]
        # 指定执行 to the supervising court itself would be 提级执行 under another name
        for target in (world.courts["city"], court):
            with pytest.raises(ServiceError, match="下级法院"):
                measures.draft_measure(matter, officer, type_code=mt.DESIGNATE, court=court, case=case, follows=order,
                                       new_court=target, facts="逾期未执行")  # fmt: skip
        ruling = measures.draft_measure(matter, officer, type_code=mt.DESIGNATE, court=court, case=case,
                                        follows=order, new_court=world.courts["b"], facts="逾期未执行")  # fmt: skip
        assert ruling.new_court == world.courts["b"]


def page(username: str, url: str) -> str:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username
    response = client.get(url)
    assert response.status_code == 200, (username, url)
    return response.content.decode()


def url(measure: Measure) -> str:
    return f"/matters/measures/{measure.pk}/"


@pytest.mark.django_db(transaction=True)
def test_every_measure_of_the_demo_has_someone_to_act_on_it() -> None:  # noqa: PLR0915
    from zhijian.core.demo import loaders
    from zhijian.supervision.demo import ORDER_AGO, measures_demo

    for loader in loaders():
        loader.fn()
    today = timezone.localdate()
    mine = Measure.objects.select_related("type", "court", "case", "matter")

    # (a) 浑江's order, issued a month ago: four cases overdue, 催办 and 提级/指定 offered
    order = mine.get(type__code=mt.ORDER, court__code="吉0602")
    assert order.state == MeasureState.ISSUED and order.document is not None
    assert order.issued_on == dt.date.fromordinal(today.toordinal() - ORDER_AGO)
    assert order.case_items.count() == 5 and len(measures.overdue_items(order)) == 4
    assert measures.may_urge_order(order)
    html = page("city.officer", url(order))
    assert "发出催办通知" in html and 'id="elevate-offer"' in html
    assert html.count("已有提级执行") == 1 and html.count("已有指定执行") == 1
    html = page("hunjiang.contact", url(order))
    assert "签收督促执行令" in html and "报告已办理" in html and 'id="elevate-offer"' not in html
    assert order.document.number in page("hunjiang.contact", "/matters/workspace/")

    # (b) 江源's order from the scan, awaiting the director
    draft = mine.get(type__code=mt.ORDER, court__code="吉0605")
    assert draft.state == MeasureState.PENDING_DIRECTOR and draft.case_items.exists()
    assert "批准并签发" in page("city.director", url(draft))

    # (d) the rulings after the order: 提级 awaiting the panel, 指定 awaiting the 院长
    elevate = mine.get(type__code=mt.ELEVATE)
    assert elevate.state == MeasureState.DRAFT and elevate.panel_on is None and elevate.ruling_number
    assert elevate.follows_id == order.pk
    assert "记录评议" in page("city.officer", url(elevate))
    designate = mine.get(type__code=mt.DESIGNATE)
    assert (
        designate.state == MeasureState.PENDING_LEADER
        and designate.new_court_id == Court.objects.get(code="吉0605").pk
    )
    assert "批准并签发" in page("city.president", url(designate))

    # (c) 指令纠正 inside its 复议 window
    instruction = mine.get(type__code=mt.INSTRUCT)
    assert instruction.state == MeasureState.ISSUED
    assert "申请复议" in page("hunjiang.contact", url(instruction))

    # (e) 暂缓执行: the case's interval, the 院长 may extend it
    deferral = mine.get(type__code=mt.DEFER)
    assert deferral.state == MeasureState.ISSUED and deferral.defer_start == today
    assert deferral.suspension_id_ref is not None
    assert "批准延长" in page("city.president", url(deferral))

    # (f) 共同执行: tasks of the city court and 浑江, each reports its own
    joint = mine.get(type__code=mt.JOINT)
    assert joint.state == MeasureState.ISSUED
    assert {t.court.code for t in joint.tasks.select_related("court")} == {"吉06", "吉0602"}
    assert "报告完成" in page("hunjiang.contact", url(joint))
    assert "报告完成" in page("city.officer", url(joint))

    # again: nothing more
    count = Measure.objects.count()
    assert measures_demo() == 0 and Measure.objects.count() == count
