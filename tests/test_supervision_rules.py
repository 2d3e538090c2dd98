"""Every state × action of the supervision workflow: the allowed ones succeed, all others are
refused and change nothing. And the time limits that depend on the calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from zhijian.audit.models import AuditEvent
from zhijian.core.exceptions import ServiceError
from zhijian.supervision import services, workflow
from zhijian.supervision.models import (
    DeadlinePurpose,
    InfoRequest,
    Letter,
    LetterState,
    Matter,
    MatterDeadline,
    MatterState,
    Report,
    ReportState,
    RequestState,
)

from .conftest import World
from .test_supervision_flow import register, sup  # noqa: F401  (fixture)

MatterCall = Callable[[World, Matter], Any]

# A valid call of every matter action, by a user allowed to take it.
MATTER_CALLS: dict[str, MatterCall] = {
    "assign": lambda w, m: services.assign(m, w.user("city.director"), w.user("city.officer")),
    "edit": lambda w, m: services.update_matter(m, w.user("city.officer"), title="新事由"),
    "add_source": lambda w, m: services.add_source(
        m, w.user("city.officer"), __import__("tests.test_supervision_flow", fromlist=["source"]).source(6)
    ),
    "attach": lambda w, m: services.add_attachments(m, w.user("city.officer"), [_pdf()]),
    "request_info": lambda w, m: services.request_info(
        m, w.user("city.officer"), court=w.courts["a"], kind="explain", details="请说明"
    ),
    "propose_reply": lambda w, m: services.propose_reply(
        m, w.user("city.officer"), finding="correct", opinion="无误"
    ),
    "decide_supervise": lambda w, m: services.decide_supervise(
        m, w.user("city.officer"), finding="passive", opinion="拖延"
    ),
    "approve_reply": lambda w, m: services.approve_reply(m, w.user("city.director")),
    "return_reply": lambda w, m: services.return_reply(m, w.user("city.director"), comment="再核实"),
    "record_reply": lambda w, m: services.record_reply(
        m, w.user("city.officer"), mode="written", note="答复"
    ),
    "draft_letter": lambda w, m: services.draft_letter(
        m, w.user("city.officer"), court=w.courts["a"], facts="问题", requirements="要求"
    ),
    "finish_supervision": lambda w, m: services.finish_supervision(
        m, w.user("city.director"), reason="已采取措施"
    ),
    "conclude": lambda w, m: services.conclude(m, w.user("city.officer"), summary="办结"),
    "report_to_source": lambda w, m: services.report_to_source(
        m.sources.get(), w.user("city.officer"), note="报告", issue_letter=False
    ),
    "cancel": lambda w, m: services.cancel(m, w.user("city.director"), reason="重复登记"),
    "comment": lambda w, m: services.comment(m, w.user("city.officer"), text="意见"),
    "decide_extension": lambda w, m: services.decide_extension(
        m.extension_requests.get(), w.user("city.director"), approve=True
    ),
    "request_extension": lambda w, m: services.request_extension(
        MatterDeadline.objects.filter(matter=m, purpose=DeadlinePurpose.CONCLUDE).get(),
        w.user("city.officer"),
        length=5,
        reason="复杂",
    ),  # fmt: skip
}


def _pdf() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def _snapshot(matter: Matter) -> tuple[Any, ...]:
    matter.refresh_from_db()
    return (
        matter.state, matter.title, matter.officer_id, matter.finding,
        matter.letters.count(), matter.requests.count(), matter.sources.count(), matter.attachments.count(),
        matter.timeline.count(), matter.extension_requests.count(),
    )  # fmt: skip


def test_the_table_lists_every_action_once_and_only_known_states() -> None:
    from zhijian.supervision.models import MeasureState

    enums = {
        "matter": MatterState, "letter": LetterState, "report": ReportState, "request": RequestState,
        "measure": MeasureState,
    }  # fmt: skip
    for name, table in workflow.TABLES.items():
        known = set(enums[name].values)
        for action, row in table.items():
            assert row.sources <= known, (name, action)
            assert row.target is None or row.target in known, (name, action)
            assert row.roles and row.label


@pytest.mark.django_db
@pytest.mark.parametrize("state", [s for s in MatterState.values])
def test_every_matter_action_in_every_state(sup: World, state: str) -> None:  # noqa: F811
    """Put a matter in ``state`` (as data) and try every action: those the table allows from it
    succeed; every other one is refused and leaves the matter, its items and the audit trail
    exactly as they were."""
    for action, call in MATTER_CALLS.items():
        matter = register(sup, officer=sup.user("city.officer"), title=f"{state}-{action}")
        # a source that must be reported back, for report_to_source
        matter.sources.update(report_back=True)
        Matter.objects.filter(pk=matter.pk).update(state=state)
        matter.refresh_from_db()
        allowed = workflow.allowed("matter", action, state)
        if action == "decide_extension":  # something to decide, put there as data
            from zhijian.supervision.models import ExtensionRequest

            ExtensionRequest.objects.create(
                matter=matter, link=MatterDeadline.objects.get(matter=matter, purpose=DeadlinePurpose.CONCLUDE),
                court=matter.supervising_court, length=5, reason="复杂", requested_by=sup.user("city.officer"),
            )  # fmt: skip
        before, events = _snapshot(matter), AuditEvent.objects.count()
        if allowed:
            call(sup, matter)
            assert AuditEvent.objects.count() > events, (state, action)
        else:
            with pytest.raises((ServiceError, PermissionDenied)):
                call(sup, matter)
            assert _snapshot(matter) == before, (state, action)
            assert AuditEvent.objects.count() == events, (state, action)


def _letter_in(world: World, state: str) -> Letter:
    matter = register(world, officer=world.user("city.officer"))
    services.decide_supervise(matter, world.user("city.officer"), finding="passive", opinion="拖延")
    letter = services.draft_letter(
        matter, world.user("city.officer"), court=world.courts["a"], facts="问题", requirements="要求"
    )
    Letter.objects.filter(pk=letter.pk).update(state=state)
    letter.refresh_from_db()
    return letter


LETTER_CALLS: dict[str, Callable[[World, Letter], Any]] = {
    "edit": lambda w, x: services.edit_letter(
        x, w.user("city.officer"), facts="新", requirements="新", report_length=None
    ),
    "submit": lambda w, x: services.submit_letter(x, w.user("city.officer")),
    "approve": lambda w, x: services.approve_letter(x, w.user("city.director")),
    "return": lambda w, x: services.return_letter(x, w.user("city.director"), comment="改"),
    "sign": lambda w, x: services.sign_letter(x, w.user("a.contact")),
    "draft_report": lambda w, x: services.draft_report(x, w.user("a.contact"), mode="written", text="报告"),
    "void": lambda w, x: services.void_letter(x, w.user("city.director"), reason="作废"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("state", LetterState.values)
def test_every_letter_action_in_every_state(sup: World, state: str) -> None:  # noqa: F811
    for action, call in LETTER_CALLS.items():
        letter = _letter_in(sup, state)
        events = AuditEvent.objects.count()
        if workflow.allowed("letter", action, state):
            call(sup, letter)
            assert AuditEvent.objects.count() > events, (state, action)
        else:
            with pytest.raises((ServiceError, PermissionDenied)):
                call(sup, letter)
            letter.refresh_from_db()
            assert letter.state == state and letter.reports.count() == 0, (state, action)
            assert AuditEvent.objects.count() == events, (state, action)


REPORT_CALLS: dict[str, Callable[[World, Report], Any]] = {
    "edit": lambda w, r: services.edit_report(r, w.user("a.contact"), mode="written", text="改"),
    "submit": lambda w, r: services.submit_report(r, w.user("a.contact")),
    "approve": lambda w, r: services.approve_report(r, w.user("a.director")),
    "return": lambda w, r: services.return_report(r, w.user("a.director"), comment="改"),
    "accept": lambda w, r: services.accept_report(r, w.user("city.officer"), assessment="采纳"),
    "reject": lambda w, r: services.reject_report(r, w.user("city.officer"), assessment="不采纳"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("state", ReportState.values)
def test_every_report_action_in_every_state(sup: World, state: str) -> None:  # noqa: F811
    for action, call in REPORT_CALLS.items():
        letter = _letter_in(sup, LetterState.SIGNED)
        report = services.draft_report(letter, sup.user("a.contact"), mode="written", text="报告")
        Report.objects.filter(pk=report.pk).update(state=state)
        report.refresh_from_db()
        events = AuditEvent.objects.count()
        if workflow.allowed("report", action, state):
            call(sup, report)
            assert AuditEvent.objects.count() > events, (state, action)
        else:
            with pytest.raises((ServiceError, PermissionDenied)):
                call(sup, report)
            report.refresh_from_db()
            assert report.state == state, (state, action)
            assert AuditEvent.objects.count() == events, (state, action)


@pytest.mark.django_db
@pytest.mark.parametrize("state", RequestState.values)
def test_every_request_action_in_every_state(sup: World, state: str) -> None:  # noqa: F811
    calls: dict[str, Callable[[InfoRequest], Any]] = {
        "answer": lambda r: services.answer_request(r, sup.user("a.contact"), answer="已说明"),
        "withdraw": lambda r: services.withdraw_request(r, sup.user("city.officer"), reason="不需要了"),
    }
    for action, call in calls.items():
        matter = register(sup, officer=sup.user("city.officer"))
        Matter.objects.filter(pk=matter.pk).update(state=MatterState.REVIEWING)
        req = services.request_info(
            matter, sup.user("city.officer"), court=sup.courts["a"], kind="file", details="调卷"
        )
        InfoRequest.objects.filter(pk=req.pk).update(state=state)
        req.refresh_from_db()
        events = AuditEvent.objects.count()
        if workflow.allowed("request", action, state):
            call(req)
            assert AuditEvent.objects.count() > events
        else:
            with pytest.raises((ServiceError, PermissionDenied)):
                call(req)
            req.refresh_from_db()
            assert req.state == state and AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_wrong_side_is_refused_even_in_the_right_state(sup: World) -> None:  # noqa: F811
    letter = _letter_in(sup, LetterState.ISSUED)
    for user in ("city.officer", "city.director", "b.director", "a.handler", "city.leader"):
        with pytest.raises(PermissionDenied):
            services.sign_letter(letter, sup.user(user))
    letter = _letter_in(sup, LetterState.PENDING)
    for user in ("city.officer", "a.contact", "a.director", "x.director"):
        with pytest.raises(PermissionDenied):
            services.approve_letter(letter, sup.user(user))


@pytest.mark.django_db
def test_sup_letter_across_national_day(sup: World) -> None:  # noqa: F811
    """5 calendar days from a 督办 decision on 2026-09-28 end on 10-03, inside the National Day
    break (10-03…10-07), so the letter is due on the first working day after it."""
    from .test_supervision_flow import source

    with time_machine.travel(dt.datetime(2026, 9, 28, 10, 0), tick=False):
        data = services.MatterInput(
            title="国庆前决定督办", received_on=dt.date(2026, 9, 27), sources=[source(6, received_on=dt.date(2026, 9, 27))],
            court_ids=[sup.courts["a"].pk], officer=sup.user("city.officer"),
        )  # fmt: skip
        matter = services.register_matter(sup.user("city.officer"), data)
        services.decide_supervise(matter, sup.user("city.officer"), finding="passive", opinion="拖延")
    deadline = MatterDeadline.objects.get(matter=matter, purpose=DeadlinePurpose.LETTER).deadline
    assert deadline.rule_code == "SUP_LETTER"
    assert deadline.raw_end == dt.date(2026, 10, 3)
    assert deadline.due_date == dt.date(2026, 10, 8)


@pytest.mark.django_db
def test_expedited_matter_uses_the_shortened_limits(sup: World) -> None:  # noqa: F811
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0), tick=False):
        matter = register(
            sup,
            officer=sup.user("city.officer"),
            expedited=True,
            expedited_reason="群体事件",
            expedited_by="市委政法委",
        )
    review = MatterDeadline.objects.get(matter=matter, purpose=DeadlinePurpose.REVIEW).deadline
    assert review.expedited and review.length == 3
    assert review.due_date == dt.date(2026, 11, 5)


@pytest.mark.django_db
def test_file_request_extension_capped_at_ten_days(sup: World) -> None:  # noqa: F811
    matter = register(sup, officer=sup.user("city.officer"))
    req = services.request_info(
        matter, sup.user("city.officer"), court=sup.courts["a"], kind="file", details="调卷"
    )
    link = MatterDeadline.objects.get(request=req)
    with pytest.raises(ServiceError, match="不得超过5日"):  # refused when asked, not only when approved
        services.request_extension(link, sup.user("a.contact"), length=6, reason="卷宗较多")
    ext = services.request_extension(link, sup.user("a.contact"), length=5, reason="卷宗较多")
    services.decide_extension(ext, sup.user("city.director"), approve=True)
    link.deadline.refresh_from_db()
    assert link.deadline.extensions.count() == 1


@pytest.mark.django_db
def test_list_explains_an_impossible_date(sup: World, client: Any) -> None:  # noqa: F811
    client.force_login(sup.user("city.officer"))
    response = client.get("/matters/?from=2026-02-30")
    assert response.status_code == 200
    assert "不是有效日期" in response.content.decode()
