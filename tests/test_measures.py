"""Supervision measures (Arts. 2, 7, 8): transitions and their preconditions, an order over 50
cases, 暂缓执行 on the case's time limit, 催办 before any proposal, Art. 18/19 routing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from zhijian.accountability.models import Basis, Proposal, SubBasis
from zhijian.accountability.services import decide, sync_proposals
from zhijian.cases.models import CaseParty, CaseStatus, EnforcementCase, ScanCandidate
from zhijian.cases.scans import run_scans
from zhijian.core.exceptions import ServiceError
from zhijian.legaltime.periods import add_months
from zhijian.legaltime.services import calculate, rule_in_force, seed_rules
from zhijian.org import services as org
from zhijian.supervision import measure_types as mt
from zhijian.supervision import measures, services
from zhijian.supervision.models import (
    DeadlinePurpose,
    Matter,
    MatterDeadline,
    MatterState,
    MeasureApproval,
    MeasureState,
    SourceCategory,
)

from .conftest import World

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 2, 10, 0)


def at(day: str) -> Any:
    return time_machine.travel(dt.datetime.fromisoformat(day + "T10:00:00"), tick=False)


@pytest.fixture
def sup(world: World) -> World:
    seed_rules()
    org.set_designated_contact(world.courts["a"], actor=None, contact=world.user("a.contact"))
    world.courts["a"].refresh_from_db()
    return world


def make_case(
    world: World, seq: int, *, key: str = "a", due: str = "2026-10-30", filed: str = "2026-04-01"
) -> EnforcementCase:
    court = world.courts[key]
    case = EnforcementCase.objects.create(
        number=f"（2026）{court.code}执{seq}号", year=2026, court=court, type_code="执", seq=seq,
        status=CaseStatus.OPEN, filed_on=dt.date.fromisoformat(filed), limit_due=dt.date.fromisoformat(due),
        limit_rule="CASE_LIMIT",
    )  # fmt: skip
    CaseParty.objects.create(case=case, role=CaseParty.Role.APPLICANT, name=f"申请人{seq}")
    CaseParty.objects.create(case=case, role=CaseParty.Role.RESPONDENT, name=f"被执行人{seq}")
    return case


def supervising_matter(world: World) -> Matter:
    officer = world.user("city.officer")
    data = services.MatterInput(
        title="反映甲基层法院消极执行",
        received_on=dt.date(2026, 11, 2),
        sources=[
            services.SourceInput(
                category=SourceCategory.objects.get(item=6), body="来信人", received_on=dt.date(2026, 11, 2)
            )
        ],  # fmt: skip
        court_ids=[world.courts["a"].pk],
        officer=officer,
    )
    matter = services.register_matter(officer, data)
    services.decide_supervise(matter, officer, finding="passive", opinion="确有拖延")
    return matter


def issue(measure: Any, world: World) -> Any:
    measures.submit_measure(measure, world.user("city.officer"))
    measures.approve_measure(measure, world.user("city.director"))
    if measure.state == MeasureState.PENDING_LEADER:
        measures.leader_approve(measure, world.user("city.president"))
    measure.refresh_from_db()
    return measure


def order_links(measure: Any) -> list[MatterDeadline]:
    return list(
        MatterDeadline.objects.filter(measure=measure, purpose=DeadlinePurpose.ORDER).select_related(
            "deadline"
        )
    )


def test_order_from_scan_over_50_cases_concludes_only_with_the_last(sup: World) -> None:
    officer, contact = sup.user("city.officer"), sup.user("a.contact")
    with at("2026-11-02"):
        cases = [make_case(sup, n) for n in range(1, 51)]
        run_scans(today=dt.date(2026, 11, 2))
        ids = list(ScanCandidate.objects.filter(rule="art7a").values_list("pk", flat=True))
        assert len(ids) == 50
        order = measures.order_from_candidates(ids, officer)
        assert order.type.code == mt.ORDER and order.state == MeasureState.DRAFT
        assert order.case_items.count() == 50 and order.ground == "art7a"
        assert ScanCandidate.objects.filter(pk__in=ids, state="confirmed").count() == 50
        matter = order.matter
        assert matter.state == MatterState.SUPERVISING and matter.court_links.count() == 1
        # a second batch of the same court joins the same draft order, never listing a case twice
        extra = make_case(sup, 51)
        run_scans(today=dt.date(2026, 11, 2))
        again = measures.order_from_candidates(
            ScanCandidate.objects.filter(case__in=[extra, cases[0]]).values_list("pk", flat=True), officer
        )
        assert again.pk == order.pk and order.case_items.count() == 51
        measures.remove_case(order.case_items.get(case=extra), officer)
        order = issue(order, sup)
        assert order.state == MeasureState.ISSUED and order.document is not None
        links = order_links(order)
        assert len(links) == 50
        expected = calculate(dt.date(2026, 11, 2), length=30, unit="days").due
        assert {link.deadline.due_date for link in links} == {expected}
        # every applicant is told in writing (执行程序解释第十一条)
        from zhijian.documents.models import OfficialDocument

        assert OfficialDocument.objects.filter(kind="applicant_notice").count() == 50
        # the Art. 5 letter limit is met by the order
        assert not MatterDeadline.objects.filter(
            matter=matter, purpose=DeadlinePurpose.LETTER, deadline__completed_on__isnull=True
        ).exists()
        measures.sign_measure(order, contact)
    with at("2026-11-10"):
        for case in cases[:25]:  # concluded, as a later import shows
            EnforcementCase.objects.filter(pk=case.pk).update(status=CaseStatus.CONCLUDED,
                                                              concluded_on=dt.date(2026, 11, 9))  # fmt: skip
        assert measures.resolve_from_cases() == 25
        items = list(order.case_items.filter(resolved_on__isnull=True).order_by("pk"))
        for item in items[:-1]:
            measures.report_case(item, contact, note="已执结")
        order.refresh_from_db()
        assert order.state == MeasureState.SIGNED  # one case still open
        matter.refresh_from_db()
        assert matter.state == MatterState.SUPERVISING
        # the officer refuses one report: that case is open again
        refused = items[0]
        measures.reopen_case(refused, officer, reason="未见结案材料")
        refused.refresh_from_db()
        assert refused.resolved_on is None
        measures.report_case(refused, contact, note="已执结，补充结案裁定")
        measures.report_case(items[-1], contact, note="已执结")
        order.refresh_from_db()
        matter.refresh_from_db()
        assert order.state == MeasureState.DONE and matter.state == MatterState.CONCLUDING
        assert all(link.deadline.completed_on for link in order_links(order))


def test_no_elevation_before_the_order_deadline_then_proposed(sup: World) -> None:
    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1)
        order = measures.draft_measure(
            matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="超期未结",
            cases=[measures.CaseLine(case=case, rule="art7a", length=10)],
        )  # fmt: skip
        issue(order, sup)
        due = order_links(order)[0].deadline.due_date
        assert due == calculate(dt.date(2026, 11, 2), length=10, unit="days").due
        with pytest.raises(ServiceError, match="期限届满仍未执行的，方可"):
            measures.draft_measure(
                matter, officer, type_code=mt.ELEVATE, court=sup.courts["a"], facts="x", case=case
            )
        assert measures.elevation_suggestions(matter) == []
    with at(str(due)):
        assert measures.elevation_suggestions(matter) == []  # the last day still counts
    with at(str(due + dt.timedelta(days=1))):
        assert [i.case_id for i in measures.elevation_suggestions(matter)] == [case.pk]
        ruling = measures.draft_measure(
            matter, officer, type_code=mt.DESIGNATE, court=sup.courts["a"], facts="逾期未执行", case=case,
            new_court=sup.courts["b"], follows=order,
        )  # fmt: skip
        assert [p["name"] for p in ruling.parties] == ["申请人1", "被执行人1"]
        with pytest.raises(ServiceError, match="合议庭评议"):
            measures.submit_measure(ruling, officer)
        measures.record_panel(ruling, officer, presiding="张审", judges="李审、王审", clerk="赵书",
                              opinion="甲法院逾期未执行，应指定乙法院执行")  # fmt: skip
        with pytest.raises(ServiceError, match="执监"):
            measures.edit_measure(ruling, officer, facts="逾期未执行", ruling_number="（2026）测01执5号",
                                  ruling_items="由乙法院执行", parties=ruling.parties)  # fmt: skip
        measures.edit_measure(ruling, officer, facts="逾期未执行", ruling_number="（2026）测01执监5号",
                              ruling_items="（2026）测0101执1号一案由测试乙基层执行。", parties=ruling.parties)  # fmt: skip
        ruling = issue(ruling, sup)
        steps = list(MeasureApproval.objects.filter(measure=ruling).values_list("step", flat=True))
        assert steps == ["panel", "director", "leader"]
        assert ruling.state == MeasureState.ISSUED and ruling.document.number == "（2026）测01执监5号"
        # the designated court now has the case in its scope — that case only
        from zhijian.cases.access import access_case

        assert access_case(sup.user("b.director"), case.pk).pk == case.pk
        # the order's item for the case left the list: the order is done
        order.refresh_from_db()
        assert order.state == MeasureState.DONE
        measures.link_case(ruling, officer, number="（2026）测0102执99号")
        ruling.refresh_from_db()
        assert ruling.state == MeasureState.DONE and ruling.new_case_number == "（2026）测0102执99号"


def test_no_correction_ruling_inside_the_reconsideration_window(sup: World) -> None:
    officer, director, contact = sup.user("city.officer"), sup.user("city.director"), sup.user("a.contact")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1, due="2027-03-01")
        instruction = measures.draft_measure(matter, officer, type_code=mt.INSTRUCT, court=sup.courts["a"],
                                             facts="违法扣划案外人存款", case=case)  # fmt: skip
        issue(instruction, sup)
        assert measures._window(instruction) is None  # the window runs from receipt (签收)
        measures.sign_measure(instruction, contact)
        window = measures._window(instruction)
        assert window is not None and window.deadline.rule_code == "SUP_RECONSIDER"
        assert window.deadline.start_date == dt.date(2026, 11, 2)
        ok, why = measures.may_correct(instruction)
        assert not ok and "尚未届满" in why
        with pytest.raises(ServiceError, match="尚未届满"):
            measures.draft_measure(matter, officer, type_code=mt.CORRECT, court=sup.courts["a"], facts="x",
                                   case=case, follows=instruction)  # fmt: skip
        # the court asks for 复议 inside the window; the 局长 rejects it → 裁定纠正 is possible
        with pytest.raises(PermissionDenied):
            measures.request_reconsider(instruction, sup.user("b.director"), reason="无错误")
        measures.request_reconsider(instruction, contact, reason="扣划的是被执行人存款")
        assert instruction.state == MeasureState.RECONSIDERING
        ok, _ = measures.may_correct(instruction)
        assert not ok
        measures.decide_reconsider(instruction, director, grant=False, note="经查系案外人存款")
        ok, _ = measures.may_correct(instruction)
        assert ok
        ruling = measures.draft_measure(matter, officer, type_code=mt.CORRECT, court=sup.courts["a"],
                                        facts="x", case=case, follows=instruction)  # fmt: skip
        assert ruling.state == MeasureState.DRAFT


def test_correction_ruling_after_the_window_closed_unused(sup: World) -> None:
    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1, due="2027-03-01")
        instruction = measures.draft_measure(matter, officer, type_code=mt.INSTRUCT, court=sup.courts["a"],
                                             facts="违法扣划", case=case)  # fmt: skip
        issue(instruction, sup)
        measures.sign_measure(instruction, sup.user("a.contact"))
        due = measures._window(instruction).deadline.due_date
    with at(str(due)):
        assert not measures.may_correct(instruction)[0]
    with at(str(due + dt.timedelta(days=1))):
        with pytest.raises(ServiceError, match="期间已届满"):
            measures.request_reconsider(instruction, sup.user("a.contact"), reason="晚了")
        assert measures.may_correct(instruction)[0]
        ruling = measures.draft_measure(matter, officer, type_code=mt.CORRECT, court=sup.courts["a"], facts="未纠正",
                                        case=case, follows=instruction)  # fmt: skip
        measures.record_panel(
            ruling, officer, presiding="张审", judges="李审、王审", clerk="赵书", opinion="应予纠正"
        )
        measures.edit_measure(ruling, officer, facts="未纠正", ruling_number="（2026）测01执监7号",
                              ruling_items="撤销扣划裁定。", parties=ruling.parties)  # fmt: skip
        issue(ruling, sup)
        instruction.refresh_from_db()
        assert instruction.state == MeasureState.DONE and instruction.result_note == "已裁定纠正"


def test_deferral_moves_the_case_due_date_and_back(sup: World) -> None:
    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1, due="2026-12-15", filed="2026-06-01")
        from zhijian.cases.recompute import recompute_ids

        recompute_ids([case.pk])
        case.refresh_from_db()
        original = case.limit_due
        deferral = measures.draft_measure(matter, officer, type_code=mt.DEFER, court=sup.courts["a"],
                                          facts="案外人异议审查期间", case=case, defer_months=1)  # fmt: skip
        with pytest.raises(ServiceError, match="1至3"):
            measures.draft_measure(matter, officer, type_code=mt.DEFER, court=sup.courts["a"], facts="x", case=case,
                                   defer_months=4)  # fmt: skip
        issue(deferral, sup)
        case.refresh_from_db()
        assert deferral.defer_end == add_months(dt.date(2026, 11, 2), 1)
        assert case.limit_due is not None and original is not None and case.limit_due > original
        moved = case.limit_due
        # the 院长 extends it (the 局长 may not)
        with pytest.raises(PermissionDenied):
            measures.extend_deferral(deferral, sup.user("city.director"), months=1, reason="异议未审结")
        measures.extend_deferral(deferral, sup.user("city.president"), months=1, reason="异议未审结")
        case.refresh_from_db()
        assert case.limit_due > moved
        # withdrawn on its first day: the interval is gone and the due date is as it was
        measures.withdraw_measure(deferral, sup.user("city.director"), reason="异议已撤回")
        case.refresh_from_db()
        assert case.limit_due == original


def test_deferral_ended_early_counts_only_the_days_it_ran(sup: World) -> None:
    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1, due="2026-12-15", filed="2026-06-01")
        from zhijian.cases.recompute import recompute_ids

        recompute_ids([case.pk])
        case.refresh_from_db()
        original = case.limit_due
        deferral = measures.draft_measure(matter, officer, type_code=mt.DEFER, court=sup.courts["a"],
                                          facts="暂缓", case=case, defer_months=3)  # fmt: skip
        issue(deferral, sup)
    with at("2026-11-12"):
        measures.end_deferral(deferral, officer, reason="情况消除")
        case.refresh_from_db()
        assert deferral.state == MeasureState.DONE
        # exactly the days it ran: a twin case given the interval 11-02..11-12 directly
        from zhijian.cases.flags import add_suspension

        twin = make_case(sup, 2, due="2026-12-15", filed="2026-06-01")
        add_suspension(twin, kind="deferred", start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 12),
                       origin="对照", actor=None)  # fmt: skip
        twin.refresh_from_db()
        assert original is not None and case.limit_due == twin.limit_due and case.limit_due > original


def test_urge_before_proposal_and_art19_art7_routing(sup: World) -> None:
    officer, director = sup.user("city.officer"), sup.user("city.director")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1)
        order = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="超期",
                                       cases=[measures.CaseLine(case=case, length=5)])  # fmt: skip
        issue(order, sup)
        assert not measures.may_urge_order(order)
        due = order_links(order)[0].deadline.due_date
    later = due + dt.timedelta(days=1)
    with at(str(later)):
        assert sync_proposals(later) == 0  # overdue, but no 催办 yet: no proposal
        assert measures.may_urge_order(order)
        urge = measures.urge_order(order, officer)
        assert not measures.may_urge_order(order)
        with pytest.raises(ServiceError):
            measures.urge_order(order, officer)
    after = urge.deadline.due_date + dt.timedelta(days=1)
    with at(str(after)):
        assert sync_proposals(after) == 1
        proposal = Proposal.objects.get()
        assert proposal.basis == Basis.ART19 and proposal.sub_basis == SubBasis.ART7
        assert "督促执行令" in proposal.trigger_text
        decide(proposal, director, accept=True, reason="经催办仍未执行")
        proposal.refresh_from_db()
        assert proposal.document is not None and proposal.year == after.year


def test_urge_met_when_the_overdue_cases_are_resolved(sup: World) -> None:
    officer, contact = sup.user("city.officer"), sup.user("a.contact")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1)
        order = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="超期",
                                       cases=[measures.CaseLine(case=case, length=5)])  # fmt: skip
        issue(order, sup)
        due = order_links(order)[0].deadline.due_date
    with at(str(due + dt.timedelta(days=1))):
        urge = measures.urge_order(order, officer)
        measures.report_case(order.case_items.get(), contact, note="已执结")
        urge.deadline.refresh_from_db()
        assert urge.deadline.completed_on is not None
    with at(str(due + dt.timedelta(days=20))):
        assert sync_proposals() == 0


def test_group_petition_routes_to_art18(sup: World) -> None:
    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        Matter.objects.filter(pk=matter.pk).update(group_petition=True)
        matter.refresh_from_db()
        order = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="超期",
                                       cases=[measures.CaseLine(case=make_case(sup, 1), length=5)])  # fmt: skip
        issue(order, sup)
        due = order_links(order)[0].deadline.due_date
    with at(str(due + dt.timedelta(days=1))):
        urge = measures.urge_order(order, officer)
    with at(str(urge.deadline.due_date + dt.timedelta(days=1))):
        sync_proposals()
        assert Proposal.objects.get().basis == Basis.ART18


def test_joint_enforcement_tasks_and_who_reports_them(sup: World) -> None:
    officer, contact = sup.user("city.officer"), sup.user("a.contact")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1)
        joint = measures.draft_measure(
            matter, officer, type_code=mt.JOINT, court=sup.courts["a"], facts="重大案件", case=case,
            tasks=[measures.TaskLine(court=sup.courts["city"], task="查控被执行人异地财产", length=10),
                   measures.TaskLine(court=sup.courts["a"], task="评估拍卖查封房产", length=30)],
        )  # fmt: skip
        with pytest.raises(ServiceError, match="辖区"):
            measures.draft_measure(matter, officer, type_code=mt.PLAN, court=sup.courts["a"], facts="x", case=case,
                                   tasks=[measures.TaskLine(court=sup.courts["x"], task="y", length=5)])  # fmt: skip
        issue(joint, sup)
        city_task, court_task = list(joint.tasks.order_by("pk"))
        assert city_task.deadline_links.get().deadline.due_date is not None
        with pytest.raises(PermissionDenied):
            measures.report_task(city_task, contact, note="x")  # not the court's task
        measures.report_task(court_task, contact, note="已委托评估")
        joint.refresh_from_db()
        assert joint.state == MeasureState.ISSUED
        measures.report_task(city_task, officer, note="已查控")
        joint.refresh_from_db()
        assert joint.state == MeasureState.DONE


def test_instruction_with_a_deferral_notice(sup: World) -> None:
    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1, due="2027-01-15")
        instruction = measures.draft_measure(matter, officer, type_code=mt.INSTRUCT, court=sup.courts["a"],
                                             facts="拍卖程序违法", case=case, defer_months=2)  # fmt: skip
        issue(instruction, sup)
        companion = instruction.followed_by.get()
        assert companion.type.code == mt.DEFER and companion.state == MeasureState.ISSUED
        assert companion.document is not None and companion.defer_end is not None
        # the 复议 is granted: the instruction and its deferral are withdrawn
        measures.request_reconsider(instruction, sup.user("a.contact"), reason="程序合法")
        measures.decide_reconsider(instruction, sup.user("city.director"), grant=True, note="复议成立")
        companion.refresh_from_db()
        assert instruction.state == MeasureState.WITHDRAWN and companion.state == MeasureState.WITHDRAWN


def test_roles_and_states_of_measure_actions(sup: World) -> None:
    officer, director, contact = sup.user("city.officer"), sup.user("city.director"), sup.user("a.contact")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        order = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="超期",
                                       cases=[measures.CaseLine(case=make_case(sup, 1))])  # fmt: skip
        with pytest.raises(PermissionDenied):
            measures.draft_measure(matter, contact, type_code=mt.ORDER, court=sup.courts["a"], facts="x",
                                   cases=[measures.CaseLine(case=make_case(sup, 2))])  # fmt: skip
        with pytest.raises(ServiceError, match="已列入"):
            measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="x",
                                   cases=[measures.CaseLine(case=order.case_items.get().case)])  # fmt: skip
        with pytest.raises(ServiceError):
            measures.sign_measure(order, contact)  # a draft is not signed
        measures.submit_measure(order, officer)
        with pytest.raises(PermissionDenied):
            measures.approve_measure(order, officer)
        with pytest.raises(PermissionDenied):
            measures.approve_measure(order, sup.user("city.president"))
        measures.return_measure(order, director, comment="请补充事实")
        assert order.state == MeasureState.DRAFT
        measures.submit_measure(order, officer)
        measures.approve_measure(order, director)
        assert order.state == MeasureState.ISSUED  # an order needs no 院领导 by default
        with pytest.raises(PermissionDenied):
            measures.sign_measure(order, sup.user("b.director"))
        measures.sign_measure(order, contact)
        with pytest.raises(ServiceError):
            services.finish_supervision(matter, director, reason="结束")
        measures.withdraw_measure(order, director, reason="案件已移送")
        order.refresh_from_db()
        assert order.document.status == "void"
        assert all(link.deadline.closed_reason == "措施撤销" for link in order_links(order))


def test_measure_pages_and_api_are_court_scoped(sup: World, client: Any) -> None:
    """A measure addressed to court a: its page, its actions, its documents and the API's measure
    list are a's and the city's — never b's (404 on URL guessing, not 403)."""
    from rest_framework.test import APIClient

    from zhijian.api.tokens import issue_token

    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        order = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="超期",
                                       cases=[measures.CaseLine(case=make_case(sup, 1))])  # fmt: skip
        issue(order, sup)
        url = f"/matters/measures/{order.pk}/"
        client.force_login(sup.user("a.contact"))
        page = client.get(url)
        assert page.status_code == 200 and "签收督促执行令" in page.content.decode()
        response = client.post(f"{url}do/sign/")
        assert response.status_code == 302
        order.refresh_from_db()
        assert order.state == MeasureState.SIGNED
        for outsider in ("b.director", "x.director"):
            client.force_login(sup.user(outsider))
            assert client.get(url).status_code == 404
            assert client.post(
                f"{url}do/report_case/", {"item": order.case_items.get().pk, "note": "x"}
            ).status_code in (403, 404)
        assert order.case_items.get().resolved_on is None
        # the API: the matter detail lists the measure for the city and court a only
        for name, expected in (("city.officer", 1), ("a.contact", 1)):
            api = APIClient()
            token, _ = issue_token(sup.user(name), actor=sup.user(name))
            api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            data = api.get(f"/api/v1/matters/{matter.pk}/").json()
            assert len(data["measures"]) == expected and data["measures"][0]["type"] == "order"
        # the designated-court side: a bad action name is a 404, an empty report a Chinese 400
        client.force_login(sup.user("a.contact"))
        assert client.post(f"{url}do/nonsense/").status_code == 404
        bad = client.post(f"{url}do/report_case/", {"item": order.case_items.get().pk, "note": ""})
        assert bad.status_code == 400 and "请填写办理情况" in bad.content.decode()


def test_new_measure_form_keeps_input_on_error(sup: World, client: Any) -> None:
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        client.force_login(sup.user("city.officer"))
        url = f"/matters/{matter.pk}/measures/new/?type=order"
        assert client.get(url).status_code == 200
        response = client.post(url, {"type": "order", "court": sup.courts["a"].pk, "facts": "超期未结",
                                     "cases": "（2026）测0101执999号"})  # fmt: skip
        text = response.content.decode()
        assert (
            response.status_code == 200
            and "系统中没有案件（2026）测0101执999号" in text
            and "超期未结" in text
        )
        assert not matter.measures.exists()
        make_case(sup, 7)
        response = client.post(url, {"type": "order", "court": sup.courts["a"].pk, "facts": "超期未结",
                                     "cases": "（2026）测0101执7号 12"})  # fmt: skip
        assert response.status_code == 302
        order = matter.measures.get()
        assert order.case_items.get().length == 12


# --- every measure action from every state --------------------------------------------------------


def _calls(sup: World) -> dict[str, tuple[str, Any]]:
    """action → (measure type it is tried on, call(measure))."""
    officer, director, president = (
        sup.user("city.officer"),
        sup.user("city.director"),
        sup.user("city.president"),
    )
    contact = sup.user("a.contact")
    return {
        "edit": (mt.ORDER, lambda m: measures.edit_measure(m, officer, facts="改")),
        "record_panel": (mt.ELEVATE, lambda m: measures.record_panel(
            m, officer, presiding="张", judges="李、王", clerk="赵", opinion="评议")),
        "submit": (mt.ORDER, lambda m: measures.submit_measure(m, officer)),
        "approve": (mt.ORDER, lambda m: measures.approve_measure(m, director)),
        "leader_approve": (mt.ELEVATE, lambda m: measures.leader_approve(m, president)),
        "return": (mt.ORDER, lambda m: measures.return_measure(
            m, president if m.state == MeasureState.PENDING_LEADER else director, comment="退回")),
        "sign": (mt.ORDER, lambda m: measures.sign_measure(m, contact)),
        "report_case": (mt.ORDER, lambda m: measures.report_case(m.case_items.first(), contact, note="已办")),
        "reopen_case": (mt.ORDER, lambda m: measures.reopen_case(m.case_items.first(), officer, reason="不认可")),
        "request_reconsider": (mt.INSTRUCT, lambda m: measures.request_reconsider(m, contact, reason="异议")),
        "decide_reconsider": (mt.INSTRUCT, lambda m: measures.decide_reconsider(m, director, grant=False, note="驳回")),
        "report_corrected": (mt.INSTRUCT, lambda m: measures.report_corrected(m, contact, note="已纠正")),
        "report_task": (mt.JOINT, lambda m: measures.report_task(m.tasks.first(), contact, note="完成")),
        "link_case": (mt.ELEVATE, lambda m: measures.link_case(m, officer, number="（2026）测01执1号")),
        "extend_deferral": (mt.DEFER, lambda m: measures.extend_deferral(m, president, months=1, reason="延长")),
        "end_deferral": (mt.DEFER, lambda m: measures.end_deferral(m, officer, reason="解除")),
        "urge": (mt.ORDER, lambda m: measures.urge_order(m, officer)),
        "withdraw": (mt.ORDER, lambda m: measures.withdraw_measure(m, director, reason="撤销")),
        "discard": (mt.ORDER, lambda m: measures.discard_measure(m, officer)),
    }  # fmt: skip


def _draft(sup: World, matter: Matter, code: str, seq: int) -> Any:
    officer = sup.user("city.officer")
    case = make_case(sup, seq, due="2027-03-01")
    kwargs: dict[str, Any] = {"case": case}
    if code == mt.ORDER:
        kwargs = {"cases": [measures.CaseLine(case=case)]}
    if code == mt.JOINT:
        kwargs["tasks"] = [measures.TaskLine(court=sup.courts["a"], task="查控", length=5)]
    return measures.draft_measure(
        matter, officer, type_code=code, court=sup.courts["a"], facts="事实", **kwargs
    )


@pytest.mark.parametrize("state", list(MeasureState.values))
def test_every_measure_action_in_every_state(sup: World, state: str) -> None:
    """A measure put in ``state`` (as data): an action the table does not allow from it is refused
    with the state message and changes nothing; an allowed one is never refused for its state."""
    from zhijian.audit.models import AuditEvent
    from zhijian.supervision import workflow
    from zhijian.supervision.models import Measure

    with at("2026-11-02"):
        matter = supervising_matter(sup)
        for n, (action, (code, call)) in enumerate(_calls(sup).items(), start=1):
            # the measures before were put in this state as data: a done one may have concluded it
            Matter.objects.filter(pk=matter.pk).update(state=MatterState.SUPERVISING)
            matter.refresh_from_db()
            measure = _draft(sup, matter, code, n)
            Measure.objects.filter(pk=measure.pk).update(state=state)
            measure.refresh_from_db()
            before = (AuditEvent.objects.count(), measure.state, measure.updated_at)
            try:
                call(measure)
            except ServiceError as exc:
                refused_for_state = "当前状态" in exc.message
                assert refused_for_state != workflow.allowed("measure", action, state), (
                    action,
                    state,
                    exc.message,
                )
            except PermissionDenied:
                pytest.fail(f"{action} in {state}: the acting role should be the table's")
            else:
                assert workflow.allowed("measure", action, state), (action, state)
                continue
            measure.refresh_from_db()
            if not workflow.allowed("measure", action, state):
                assert (AuditEvent.objects.count(), measure.state, measure.updated_at) == before, action


def test_discipline_transfer_proposed_by_hand_and_decided_by_the_director(sup: World) -> None:
    from zhijian.accountability.models import ProposalKind, ProposalState
    from zhijian.accountability.services import propose_discipline

    officer, director = sup.user("city.officer"), sup.user("city.director")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        with pytest.raises(PermissionDenied):
            propose_discipline(matter, sup.user("a.contact"), court_id=sup.courts["a"].pk, target_kind="person",
                               persons="张某", reason="违规", sub_basis="art7")  # fmt: skip
        with pytest.raises(ServiceError, match="具体情形"):
            propose_discipline(matter, officer, court_id=sup.courts["a"].pk, target_kind="person", persons="张某",
                               reason="违规")  # fmt: skip
        with pytest.raises(ServiceError, match="人员姓名"):
            propose_discipline(matter, officer, court_id=sup.courts["a"].pk, target_kind="person", persons="",
                               reason="违规", sub_basis="art7")  # fmt: skip
        proposal = propose_discipline(matter, officer, court_id=sup.courts["a"].pk, target_kind="person",
                                      persons="张某", reason="承办人伪造执行笔录", sub_basis="art7")  # fmt: skip
        assert proposal.kind == ProposalKind.DISCIPLINE and proposal.basis == Basis.ART19
        with pytest.raises(PermissionDenied):
            decide(proposal, officer, accept=True, reason="x", target_kind="person", persons="张某")
        decide(proposal, director, accept=True, reason="经核实属实", target_kind="person", persons="张某")
        proposal.refresh_from_db()
        assert proposal.state == ProposalState.ACCEPTED and proposal.document.kind == "discipline_transfer"
        assert "张某" in proposal.document.title


def test_draft_preview_and_drafts_hidden_from_the_court(sup: World, client: Any) -> None:
    import io

    from docx import Document

    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        order = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="超期未结的事实",
                                       cases=[measures.CaseLine(case=make_case(sup, 1), length=10)])  # fmt: skip
        client.force_login(sup.user("city.director"))
        response = client.get(f"/matters/measures/{order.pk}/preview/")
        assert response.status_code == 200
        word = Document(io.BytesIO(response.content))
        text = "\n".join(p.text for p in word.paragraphs) + "".join(
            c.text for t in word.tables for r in t.rows for c in r.cells
        )
        due = calculate(dt.date(2026, 11, 2), length=10, unit="days").due
        assert "超期未结的事实" in text and "（2026）测0101执1号" in text
        assert f"{due.year}年{due.month}月{due.day}日" in text
        # the court does not see the draft, nor its preview
        client.force_login(sup.user("a.contact"))
        assert client.get(f"/matters/measures/{order.pk}/").status_code == 404
        assert client.get(f"/matters/measures/{order.pk}/preview/").status_code == 404
        page = client.get(f"/matters/{matter.pk}/").content.decode()
        assert f"/matters/measures/{order.pk}/" not in page
        client.force_login(officer)
        assert f"/matters/measures/{order.pk}/" in client.get(f"/matters/{matter.pk}/").content.decode()


def test_unsigned_instruction_window_runs_from_the_sign_limit(sup: World) -> None:
    """A court that never signs cannot hold the 复议 window open: it runs from the last day to
    sign; asking for 复议 before signing counts as receipt."""
    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1, due="2027-03-01")
        instruction = measures.draft_measure(matter, officer, type_code=mt.INSTRUCT, court=sup.courts["a"],
                                             facts="违法扣划", case=case)  # fmt: skip
        issue(instruction, sup)
        sign_due = MatterDeadline.objects.get(
            measure=instruction, purpose=DeadlinePurpose.SIGN
        ).deadline.due_date
        expected = calculate(sign_due, rule=rule_in_force("SUP_RECONSIDER", sign_due)).due
        assert measures.window_end(instruction) == expected
    with at(str(expected)):
        assert not measures.may_correct(instruction)[0]
    with at(str(expected + dt.timedelta(days=1))):
        assert measures.may_correct(instruction)[0]
        with pytest.raises(ServiceError, match="期间已届满"):
            measures.request_reconsider(instruction, sup.user("a.contact"), reason="晚了")


def test_reconsideration_before_signing_counts_as_receipt(sup: World) -> None:
    officer, contact = sup.user("city.officer"), sup.user("a.contact")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        instruction = measures.draft_measure(matter, officer, type_code=mt.INSTRUCT, court=sup.courts["a"],
                                             facts="违法扣划", case=make_case(sup, 1, due="2027-03-01"))  # fmt: skip
        issue(instruction, sup)
        measures.request_reconsider(instruction, contact, reason="扣划合法")
        instruction.refresh_from_db()
        assert instruction.signed_at is not None and instruction.signed_by == contact
        assert MatterDeadline.objects.get(
            measure=instruction, purpose=DeadlinePurpose.SIGN
        ).deadline.completed_on
        measures.decide_reconsider(instruction, sup.user("city.director"), grant=False, note="驳回")
        assert instruction.state == MeasureState.SIGNED
        with pytest.raises(ServiceError, match="已申请过复议"):
            measures.request_reconsider(instruction, contact, reason="再次")


def test_the_court_never_sees_the_bureaus_drafting(sup: World, client: Any) -> None:
    """Drafts, returns with the 局长's comments, a draft withdrawn, the approval chain: the
    bureau's own — not on the court's matter page, measure page, workspace or API."""
    from rest_framework.test import APIClient

    from zhijian.api.tokens import issue_token

    officer, director, contact = sup.user("city.officer"), sup.user("city.director"), sup.user("a.contact")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        draft = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="内部事实甲",
                                       cases=[measures.CaseLine(case=make_case(sup, 1))])  # fmt: skip
        measures.submit_measure(draft, officer)
        measures.return_measure(draft, director, comment="局长内部意见乙")
        measures.withdraw_measure(draft, director, reason="内部撤销丙")
        issued = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="正式事实",
                                        cases=[measures.CaseLine(case=make_case(sup, 2))])  # fmt: skip
        measures.submit_measure(issued, officer)
        measures.return_measure(issued, director, comment="局长内部意见丁")
        issue(issued, sup)
        client.force_login(contact)
        assert client.get(f"/matters/measures/{draft.pk}/").status_code == 404
        assert client.get(f"/matters/measures/{draft.pk}/preview/").status_code == 404
        pages = client.get(f"/matters/{matter.pk}/").content.decode()
        pages += client.get(f"/matters/measures/{issued.pk}/").content.decode()
        pages += client.get("/matters/workspace/").content.decode()
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(contact, actor=contact)[0].key}")
        pages += api.get(f"/api/v1/matters/{matter.pk}/").content.decode()
        for secret in ("内部事实甲", "局长内部意见乙", "内部撤销丙", "局长内部意见丁", "审批流程"):
            assert secret not in pages, secret
        assert "正式事实" in pages


def test_rulings_recheck_their_preconditions_when_approved(sup: World) -> None:
    officer, director, contact = sup.user("city.officer"), sup.user("city.director"), sup.user("a.contact")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1, due="2027-03-01")
        instruction = measures.draft_measure(matter, officer, type_code=mt.INSTRUCT, court=sup.courts["a"],
                                             facts="违法扣划", case=case)  # fmt: skip
        issue(instruction, sup)
        measures.request_reconsider(instruction, contact, reason="异议")
        measures.decide_reconsider(instruction, director, grant=False, note="驳回")
        ruling = measures.draft_measure(matter, officer, type_code=mt.CORRECT, court=sup.courts["a"], facts="未纠正",
                                        case=case, follows=instruction)  # fmt: skip
        with pytest.raises(ServiceError, match="不能重复"):
            measures.draft_measure(matter, officer, type_code=mt.CORRECT, court=sup.courts["a"], facts="再一份",
                                   case=case, follows=instruction)  # fmt: skip
        measures.record_panel(ruling, officer, presiding="张", judges="李、王", clerk="赵", opinion="应纠正")
        measures.edit_measure(ruling, officer, facts="未纠正", ruling_number="（2026）测01执监9号",
                              ruling_items="撤销扣划。", parties=ruling.parties)  # fmt: skip
        measures.submit_measure(ruling, officer)
        # meanwhile the court corrects: the ruling can no longer be issued
        measures.report_corrected(instruction, contact, note="已解除扣划")
        with pytest.raises(ServiceError, match="尚未纠正"):
            measures.approve_measure(ruling, director)
        ruling.refresh_from_db()
        assert ruling.state == MeasureState.PENDING_DIRECTOR and ruling.document is None


def test_a_task_court_not_on_the_matter_can_open_and_report(sup: World, client: Any) -> None:
    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        joint = measures.draft_measure(
            matter, officer, type_code=mt.JOINT, court=sup.courts["a"], facts="跨区财产",
            tasks=[measures.TaskLine(court=sup.courts["b"], task="查封乙区房产", length=10)],
        )  # fmt: skip
        issue(joint, sup)
        client.force_login(sup.user("b.director"))
        assert client.get(f"/matters/measures/{joint.pk}/").status_code == 200
        assert "查封乙区房产" in client.get("/matters/workspace/").content.decode()


def test_a_refused_report_sets_the_urge_running_again(sup: World) -> None:
    officer, contact = sup.user("city.officer"), sup.user("a.contact")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        order = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="超期",
                                       cases=[measures.CaseLine(case=make_case(sup, 1), length=5)])  # fmt: skip
        issue(order, sup)
        due = order_links(order)[0].deadline.due_date
    with at(str(due + dt.timedelta(days=1))):
        urge = measures.urge_order(order, officer)
        measures.report_case(order.case_items.get(), contact, note="已执结（不实）")
        urge.deadline.refresh_from_db()
        assert urge.deadline.completed_on is not None
        measures.reopen_case(order.case_items.get(), officer, reason="未见结案材料")
        urge.deadline.refresh_from_db()
        assert urge.deadline.completed_on is None
    with at(str(urge.deadline.due_date + dt.timedelta(days=1))):
        assert sync_proposals() == 1


def test_the_companion_deferral_ends_when_the_instruction_is_carried_out(sup: World) -> None:
    officer, contact = sup.user("city.officer"), sup.user("a.contact")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        case = make_case(sup, 1, due="2026-12-15", filed="2026-06-01")
        instruction = measures.draft_measure(matter, officer, type_code=mt.INSTRUCT, court=sup.courts["a"],
                                             facts="拍卖程序违法", case=case, defer_months=2)  # fmt: skip
        companion = instruction.followed_by.get()
        with pytest.raises(ServiceError, match="一并签发"):
            measures.submit_measure(companion, officer)
        issue(instruction, sup)
    with at("2026-11-12"):
        measures.report_corrected(instruction, contact, note="已重新评估")
        companion.refresh_from_db()
        assert companion.state == MeasureState.DONE
        from zhijian.cases.models import CaseSuspension

        assert CaseSuspension.objects.get(case=case, kind="deferred").end == dt.date(2026, 11, 12)
        matter.refresh_from_db()
        assert matter.state == MatterState.CONCLUDING


def test_link_case_checks_the_new_court_and_deferral_refuses_a_listed_case(sup: World) -> None:
    officer = sup.user("city.officer")
    with at("2026-11-02"):
        matter = supervising_matter(sup)
        listed = make_case(sup, 1, due="2027-03-01")
        order = measures.draft_measure(matter, officer, type_code=mt.ORDER, court=sup.courts["a"], facts="超期",
                                       cases=[measures.CaseLine(case=listed, length=5)])  # fmt: skip
        issue(order, sup)
        with pytest.raises(ServiceError, match="不能同时进行"):
            measures.draft_measure(
                matter, officer, type_code=mt.DEFER, court=sup.courts["a"], facts="x", case=listed
            )
        other = make_case(sup, 2, due="2027-03-01")
        ruling = measures.draft_measure(matter, officer, type_code=mt.DESIGNATE, court=sup.courts["a"], facts="x",
                                        case=other, new_court=sup.courts["b"])  # fmt: skip
        measures.record_panel(
            ruling, officer, presiding="张", judges="李、王", clerk="赵", opinion="指定乙院"
        )
        with pytest.raises(ServiceError, match="不能重复"):
            measures.record_panel(
                ruling, officer, presiding="张", judges="张、王", clerk="赵", opinion="重复"
            )
        measures.edit_measure(ruling, officer, facts="x", ruling_number="（2026）测01执监3号", ruling_items="由乙院执行。",
                              parties=ruling.parties)  # fmt: skip
        issue(ruling, sup)
        with pytest.raises(ServiceError, match="测试乙基层"):
            measures.link_case(ruling, officer, number="（2026）测0101执300号")  # the original court's number
        measures.link_case(ruling, officer, number="（2026）测0102执300号")
        ruling.refresh_from_db()
        assert ruling.new_case_number == "（2026）测0102执300号"
