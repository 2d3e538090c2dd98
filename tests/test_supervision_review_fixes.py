"""What a cold review of the supervision module found, each now a test: deadlines moved only
through the matter, letters voided only as letters, the bureau is the supervising court's own,
multi-letter conclusion, requests closed with the matter, the basic court's view in the API,
extensions in their rule's unit and cap, cases linked after a later import."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from zhijian.core.exceptions import ServiceError
from zhijian.legaltime import services as clock
from zhijian.org import services as org
from zhijian.supervision import services
from zhijian.supervision.models import (
    DeadlinePurpose,
    InfoRequest,
    Letter,
    LetterState,
    MatterDeadline,
    MatterState,
    RequestState,
)

from .conftest import World
from .test_supervision_flow import register, source, sup  # noqa: F401  (fixture)


def issued(world: World, matter: Any, court_key: str = "a") -> Letter:
    if matter.state == MatterState.REVIEWING:
        services.decide_supervise(matter, world.user("city.officer"), finding="passive", opinion="拖延")
    letter = services.draft_letter(
        matter, world.user("city.officer"), court=world.courts[court_key], facts="问题", requirements="要求"
    )
    services.submit_letter(letter, world.user("city.officer"))
    services.approve_letter(letter, world.user("city.director"))
    letter.refresh_from_db()
    return letter


def deadline_of(matter: Any, purpose: str) -> Any:
    return MatterDeadline.objects.filter(matter=matter, purpose=purpose).latest("pk").deadline


@pytest.mark.django_db
def test_a_matter_deadline_is_moved_only_through_the_matter(sup: World, client: Any) -> None:  # noqa: F811
    matter = register(sup, officer=sup.user("city.officer"))
    issued(sup, matter)
    report = deadline_of(matter, DeadlinePurpose.REPORT)
    for call in (
        lambda: clock.extend_deadline(
            report, actor=sup.user("a.director"), length=30, unit="days", reason="想延长"
        ),
        lambda: clock.complete_deadline(
            deadline_of(matter, DeadlinePurpose.SIGN), actor=sup.user("a.contact")
        ),
        lambda: clock.suspend_deadline(
            report, actor=sup.user("city.director"), start=report.start_date, reason="x"
        ),
    ):
        with pytest.raises(ServiceError, match="监督事项"):
            call()
    client.force_login(sup.user("a.director"))
    page = client.get(f"/deadlines/{report.pk}/").content.decode()
    assert "该期限属于监督事项" in page and "标记完成" not in page
    before = report.due_date
    client.post(f"/deadlines/{report.pk}/extend/", {"length": "30", "unit": "days", "reason": "想延长"})
    report.refresh_from_db()
    assert report.due_date == before and report.extensions.count() == 0


@pytest.mark.django_db
def test_a_letter_is_voided_as_a_letter_not_on_the_documents_page(sup: World) -> None:  # noqa: F811
    from zhijian.documents.services import void_document

    matter = register(sup, officer=sup.user("city.officer"))
    letter = issued(sup, matter)
    assert letter.document is not None
    with pytest.raises(ServiceError, match="督办函"):
        void_document(letter.document, actor=sup.user("city.director"), reason="作废")
    services.void_letter(letter, sup.user("city.director"), reason="发错法院")
    letter.refresh_from_db()
    assert letter.state == LetterState.VOID
    assert letter.document is not None and letter.document.status == "void"
    assert deadline_of(matter, DeadlinePurpose.REPORT).completed_on is not None


@pytest.mark.django_db
def test_a_higher_courts_director_does_not_act_for_the_city_bureau(sup: World) -> None:  # noqa: F811
    high = org.create_user(actor=None, username="high.director", full_name="高院局长", court=sup.courts["high"],
                           roles=["director"], password="Xx#2026zhijian")  # fmt: skip
    matter = register(sup, officer=sup.user("city.officer"))
    services.decide_supervise(matter, sup.user("city.officer"), finding="passive", opinion="拖延")
    letter = services.draft_letter(
        matter, sup.user("city.officer"), court=sup.courts["a"], facts="问", requirements="要"
    )
    services.submit_letter(letter, sup.user("city.officer"))
    with pytest.raises(PermissionDenied):
        services.approve_letter(letter, high)
    with pytest.raises(PermissionDenied):
        services.cancel(register(sup), high, reason="x")


@pytest.mark.django_db
def test_reject_then_a_second_letter_accepted_concludes_supervision(sup: World) -> None:  # noqa: F811
    officer, contact, basic = sup.user("city.officer"), sup.user("a.contact"), sup.user("a.director")
    matter = register(sup, officer=officer)

    def report_on(letter: Letter) -> Any:
        services.sign_letter(letter, contact)
        report = services.draft_report(letter, contact, mode="written", text="已办")
        services.submit_report(report, contact)
        services.approve_report(report, basic)
        return report

    first = report_on(issued(sup, matter))
    services.reject_report(first, officer, assessment="未落实")
    matter.refresh_from_db()
    assert matter.state == MatterState.SUPERVISING
    second = report_on(issued(sup, matter))
    services.accept_report(second, officer, assessment="已落实")
    matter.refresh_from_db()
    assert matter.state == MatterState.CONCLUDING


@pytest.mark.django_db
def test_two_courts_one_accepted_one_voided_concludes_supervision(sup: World) -> None:  # noqa: F811
    officer, contact, basic = sup.user("city.officer"), sup.user("a.contact"), sup.user("a.director")
    data = services.MatterInput(title="两院", received_on=dt.date(2026, 11, 2), sources=[source(6)],
                                court_ids=[sup.courts["a"].pk, sup.courts["b"].pk], officer=officer)  # fmt: skip
    matter = services.register_matter(officer, data)
    to_a, to_b = issued(sup, matter, "a"), issued(sup, matter, "b")
    services.sign_letter(to_a, contact)
    report = services.draft_report(to_a, contact, mode="written", text="已办")
    services.submit_report(report, contact)
    services.approve_report(report, basic)
    services.accept_report(report, officer, assessment="采纳")
    matter.refresh_from_db()
    assert matter.state == MatterState.SUPERVISING  # 乙基层's letter is still open
    services.void_letter(to_b, sup.user("city.director"), reason="乙基层已移送")
    matter.refresh_from_db()
    assert matter.state == MatterState.CONCLUDING


@pytest.mark.django_db
def test_unanswered_requests_are_withdrawn_when_the_matter_ends(sup: World) -> None:  # noqa: F811
    officer = sup.user("city.officer")
    matter = register(sup, officer=officer)
    req = services.request_info(matter, officer, court=sup.courts["a"], kind="explain", details="请说明")
    services.propose_reply(matter, officer, finding="correct", opinion="无误")
    services.approve_reply(matter, sup.user("city.director"))
    services.record_reply(matter, officer, mode="written", note="答复")
    services.conclude(matter, officer, summary="办结")
    req.refresh_from_db()
    assert req.state == RequestState.CANCELLED
    assert MatterDeadline.objects.get(request=req).deadline.completed_on is not None
    InfoRequest.objects.filter(pk=req.pk).update(state=RequestState.SENT)
    req.refresh_from_db()
    with pytest.raises(ServiceError, match="已办结"):
        services.answer_request(req, sup.user("a.contact"), answer="迟到的说明")


@pytest.mark.django_db
def test_procuratorate_extension_in_months_within_its_cap(sup: World) -> None:  # noqa: F811
    officer, director = sup.user("city.officer"), sup.user("city.director")
    data = services.MatterInput(
        title="检察建议", received_on=dt.date(2026, 11, 2), court_ids=[sup.courts["a"].pk], officer=officer,
        sources=[source(5, body="市检察院", report_back=True, report_rule="SOURCE_REPLY_PROCURATORATE")],
    )  # fmt: skip
    matter = services.register_matter(officer, data)
    link = MatterDeadline.objects.get(matter=matter, purpose=DeadlinePurpose.SOURCE)
    with pytest.raises(ServiceError, match="1个月"):
        services.request_extension(link, officer, length=2, reason="复杂")
    due = link.deadline.due_date
    ext = services.request_extension(link, officer, length=1, reason="复杂")
    assert ext.period_label == "1个月"
    services.decide_extension(ext, director, approve=True)
    link.deadline.refresh_from_db()
    assert link.deadline.due_date > due


@pytest.mark.django_db
def test_item_one_always_reports_back(sup: World) -> None:  # noqa: F811
    data = services.MatterInput(
        title="上级批示", received_on=dt.date(2026, 11, 2), court_ids=[sup.courts["a"].pk],
        sources=[source(1, instructor="副院长", instruction_date=dt.date(2026, 11, 1))],
    )  # fmt: skip
    matter = services.register_matter(sup.user("city.officer"), data)
    assert matter.sources.get().report_back
    assert deadline_of(matter, DeadlinePurpose.SOURCE).rule_code == "SOURCE_REPLY"


@pytest.mark.django_db
def test_a_case_imported_later_is_linked_and_gets_the_sources_facts(sup: World) -> None:  # noqa: F811
    from zhijian.cases.models import EnforcementCase
    from zhijian.cases.tasks import scan_after_import

    court = sup.courts["a"]
    number = f"（2026）{court.code}执9号"
    data = services.MatterInput(
        title="领导批示", received_on=dt.date(2026, 11, 2), case_numbers=[number],
        sources=[source(3, instructor="院长", instruction_date=dt.date(2026, 11, 1))],
    )  # fmt: skip
    matter = services.register_matter(sup.user("city.officer"), data)
    assert matter.case_links.get().case is None
    case = EnforcementCase.objects.create(number=number, court=court, type_code="执", year=2026, seq=9,
                                          filed_on=dt.date(2026, 1, 5))  # fmt: skip
    scan_after_import.call(0)
    link = matter.case_links.get()
    assert link.case_id == case.pk
    case.refresh_from_db()
    assert case.leadership_since == dt.date(2026, 11, 2)


@pytest.mark.django_db
def test_api_hides_the_review_opinion_and_other_courts_deadlines_from_a_basic_court(sup: World) -> None:  # noqa: F811
    from rest_framework.test import APIClient

    officer = sup.user("city.officer")
    data = services.MatterInput(title="两院", received_on=dt.date(2026, 11, 2), sources=[source(6)],
                                court_ids=[sup.courts["a"].pk, sup.courts["b"].pk], officer=officer)  # fmt: skip
    matter = services.register_matter(officer, data)
    services.decide_supervise(matter, officer, finding="passive", opinion="内部意见：承办人拖延")
    issued(sup, matter, "b")
    client = APIClient()
    client.force_authenticate(sup.user("a.contact"))
    body = client.get(f"/api/v1/matters/{matter.pk}/").json()
    assert body["review_opinion"] == ""
    assert all(d.get("court", {}).get("id") in (None, sup.courts["a"].pk) for d in body["deadlines"])
    listed = client.get("/api/v1/matters/").json()["results"][0]
    assert listed["next_due"] is None  # 乙基层's and the bureau's limits are not 甲基层's


@pytest.mark.django_db
def test_a_refused_form_keeps_what_was_typed(sup: World, client: Any) -> None:  # noqa: F811
    matter = register(sup, officer=sup.user("city.officer"))
    link = MatterDeadline.objects.get(matter=matter, purpose=DeadlinePurpose.CONCLUDE)
    client.force_login(sup.user("city.officer"))
    response = client.post(
        f"/matters/{matter.pk}/do/request_extension/",
        {"link": link.pk, "length": "十天", "reason": "案情复杂需调查"},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "延长天数应为正整数" in page
    assert 'value="案情复杂需调查"' in page and 'value="十天"' in page
    response = client.post(f"/matters/{matter.pk}/do/comment/", {"text": "   "})
    assert "请填写意见" in response.content.decode()


# --- what a tester clicking through every branch found -----------------------------------------


@pytest.mark.django_db
def test_bad_input_on_pages_is_a_message_not_a_500(sup: World, client: Any) -> None:  # noqa: F811
    matter = register(sup, officer=sup.user("city.officer"))
    client.force_login(sup.user("city.officer"))
    response = client.post(
        f"/matters/{matter.pk}/do/request_info/",
        {"kind": "briefing", "court": sup.courts["a"].pk, "details": "汇报", "meeting_at": "2026-02-30T09:00",
         "place": "第一会议室", "attendees": "执行局长"},
    )  # fmt: skip
    assert response.status_code == 400 and "汇报时间" in response.content.decode()
    for query in ("source=²", "court=²", "officer=²"):
        assert client.get(f"/matters/?{query}").status_code == 200


@pytest.mark.django_db
def test_identity_and_dates_are_checked_at_registration(sup: World) -> None:  # noqa: F811
    for kw, message in (
        ({"complainant_id_number": "12345"}, "身份证"),
        ({"complainant_phone": "abc"}, "电话"),
    ):
        with pytest.raises(ServiceError, match=message):
            register(sup, **kw)
    data = services.MatterInput(title="x", received_on=dt.date(2026, 11, 2), court_ids=[sup.courts["a"].pk],
                                sources=[source(3, instructor="院长", instruction_date=dt.date(2099, 12, 25))])  # fmt: skip
    with pytest.raises(ServiceError, match="批示日期不能晚于今天"):
        services.register_matter(sup.user("city.officer"), data)
    assert register(sup, complainant_id_number="22060219800101123X", complainant_phone="0439-3211234")


@pytest.mark.django_db
def test_a_withdrawn_request_is_void_and_counts_for_nothing(sup: World) -> None:  # noqa: F811
    from zhijian.legaltime.services import deadline_status
    from zhijian.notifications.models import Notification

    officer = sup.user("city.officer")
    matter = register(sup, officer=officer)
    req = services.request_info(matter, officer, court=sup.courts["a"], kind="explain", details="请说明")
    services.withdraw_request(req, officer, reason="已查明")
    req.refresh_from_db()
    deadline = MatterDeadline.objects.get(request=req).deadline
    assert deadline_status(deadline) == "closed" and deadline.closed_reason == "通知撤回"
    assert req.document is not None and req.document.status == "void"
    assert Notification.objects.filter(recipient=sup.user("a.contact"), kind="request.withdrawn").exists()


@pytest.mark.django_db
def test_voiding_an_issued_letter_tells_the_court(sup: World) -> None:  # noqa: F811
    from zhijian.notifications.models import Notification

    matter = register(sup, officer=sup.user("city.officer"))
    letter = issued(sup, matter)
    services.void_letter(letter, sup.user("city.director"), reason="发错")
    assert Notification.objects.filter(recipient=sup.user("a.contact"), kind="letter.void").exists()
    assert deadline_of(matter, DeadlinePurpose.SIGN).closed_reason == "督办函作废"


@pytest.mark.django_db
def test_the_bureaus_drafting_stays_in_the_bureau(sup: World, client: Any) -> None:  # noqa: F811
    officer, director = sup.user("city.officer"), sup.user("city.director")
    matter = register(sup, officer=officer)
    services.decide_supervise(matter, officer, finding="unlawful", opinion="内部意见")
    letter = services.draft_letter(matter, officer, court=sup.courts["a"], facts="问题", requirements="要求")
    services.submit_letter(letter, officer)
    services.return_letter(letter, director, comment="督办要求过于笼统")
    services.submit_letter(letter, officer)
    services.approve_letter(letter, director)
    client.force_login(sup.user("a.contact"))
    page = client.get(f"/matters/{matter.pk}/").content.decode()
    assert "过于笼统" not in page and "违法执行行为" not in page and "内部意见" not in page
    assert "签发督办函" in page


@pytest.mark.django_db
def test_nobody_is_notified_of_their_own_action(sup: World) -> None:  # noqa: F811
    from zhijian.notifications.models import Notification

    officer = sup.user("city.officer")
    register(sup, officer=officer)
    assert not Notification.objects.filter(recipient=officer).exists()


# --- 催办 before criticism (the first step of the measures issue) --------------------------------


@pytest.mark.django_db
def test_an_overdue_report_is_urged_once_and_met_by_the_report(sup: World, client: Any) -> None:  # noqa: F811
    import time_machine

    from zhijian.notifications.models import Notification

    officer, contact, basic = sup.user("city.officer"), sup.user("a.contact"), sup.user("a.director")
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0), tick=False):
        data = services.MatterInput(title="逾期未报告", received_on=dt.date(2026, 11, 2), sources=[source(6)],
                                    court_ids=[sup.courts["a"].pk], officer=officer)  # fmt: skip
        matter = services.register_matter(officer, data)
        letter = issued(sup, matter)
        report_link = MatterDeadline.objects.get(matter=matter, purpose=DeadlinePurpose.REPORT)
        with pytest.raises(ServiceError, match="已超期"):
            services.urge(report_link, officer)  # not overdue yet
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0), tick=False):
        client.force_login(officer)
        page = client.get(f"/matters/{matter.pk}/").content.decode()
        assert "发出催办通知" in page
        urge = services.urge(report_link, officer)
        assert urge.deadline.rule_code == "SUP_URGE" and urge.follows == report_link
        assert urge.deadline.due_date == dt.date(2026, 12, 7)  # 5 days: 12-05 is a Saturday → Monday
        with pytest.raises(ServiceError):
            services.urge(report_link, officer)  # once
        assert Notification.objects.filter(recipient=contact, kind="matter.urge").exists()
        org.set_designated_contact(sup.courts["a"], actor=None, contact=sup.user("a.member"))
        urge.deadline.refresh_from_db()
        assert urge.deadline.owner == sup.user("a.member")  # the 催办 moves with the contact too
        org.set_designated_contact(sup.courts["a"], actor=None, contact=contact)
        sup.courts["a"].refresh_from_db()
        letter.court.refresh_from_db()
        from zhijian.documents.models import OfficialDocument

        doc = OfficialDocument.objects.get(kind="reminder")
        assert doc.recipient_court == sup.courts["a"] and "执催" in doc.number
        services.sign_letter(letter, contact)
        report = services.draft_report(letter, contact, mode="written", text="已办")
        services.submit_report(report, contact)
        services.approve_report(report, basic)
    urge.deadline.refresh_from_db()
    assert urge.deadline.completed_on == dt.date(2026, 11, 30) and not urge.deadline.closed_reason
