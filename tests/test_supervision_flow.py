"""Supervision matters: the main path and its branches through the services, time limits on the
legal clock, court scoping of the items, and compare-and-swap under a double click."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from zhijian.audit.models import AuditEvent
from zhijian.core.exceptions import Conflict, ServiceError
from zhijian.legaltime.services import seed_rules
from zhijian.org import services as org
from zhijian.supervision import services
from zhijian.supervision.models import (
    DeadlinePurpose,
    LetterState,
    Matter,
    MatterDeadline,
    MatterState,
    ReportState,
    SourceCategory,
)

from .conftest import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def sup(world: World) -> World:
    seed_rules()
    org.set_designated_contact(world.courts["a"], actor=None, contact=world.user("a.contact"))
    world.courts["a"].refresh_from_db()
    return world


def source(item: int, **kw: Any) -> services.SourceInput:
    return services.SourceInput(
        category=SourceCategory.objects.get(item=item),
        body=kw.pop("body", "来信人"),
        received_on=kw.pop("received_on", dt.date(2026, 11, 2)),
        **kw,
    )


def register(world: World, *, items: tuple[int, ...] = (6,), **kw: Any) -> Matter:
    data = services.MatterInput(
        title=kw.pop("title", "反映甲基层法院消极执行"),
        received_on=dt.date(2026, 11, 2),
        sources=[source(i) for i in items],
        court_ids=[world.courts["a"].pk],
        **kw,
    )
    return services.register_matter(world.user("city.officer"), data)


def link(matter: Matter, purpose: str) -> MatterDeadline:
    return (
        MatterDeadline.objects.select_related("deadline").filter(matter=matter, purpose=purpose).latest("pk")
    )


@pytest.mark.django_db
def test_main_path_supervise_report_accept_conclude(sup: World) -> None:
    officer, director = sup.user("city.officer"), sup.user("city.director")
    contact, basic = sup.user("a.contact"), sup.user("a.director")
    matter = register(sup, officer=officer)
    assert matter.state == MatterState.REVIEWING
    assert matter.number.endswith("督0001")
    assert link(matter, DeadlinePurpose.REVIEW).deadline.rule_code == "SUP_REVIEW"
    # sources (6) are petitions: 30 working days to conclude
    assert link(matter, DeadlinePurpose.CONCLUDE).deadline.rule_code == "SUP_CONCLUDE_PETITION"

    services.decide_supervise(matter, officer, finding="passive", opinion="确有拖延")
    assert matter.state == MatterState.SUPERVISING
    assert link(matter, DeadlinePurpose.REVIEW).deadline.completed_on is not None
    letter_due = link(matter, DeadlinePurpose.LETTER).deadline
    assert letter_due.rule_code == "SUP_LETTER" and letter_due.completed_on is None

    letter = services.draft_letter(
        matter, officer, court=sup.courts["a"], facts="反映的问题", requirements="依法处理"
    )
    services.submit_letter(letter, officer)
    with pytest.raises(PermissionDenied):
        services.approve_letter(letter, officer)  # only the director approves
    services.return_letter(letter, director, comment="请补充案号")
    assert letter.state == LetterState.DRAFT
    services.edit_letter(
        letter, officer, facts="反映的问题（补充）", requirements="依法处理", report_length=10
    )
    services.submit_letter(letter, officer)
    services.approve_letter(letter, director)
    letter.refresh_from_db()
    assert letter.state == LetterState.ISSUED and letter.document is not None
    assert "〔" in letter.document.number and letter.contact_at_arrival == contact
    assert link(matter, DeadlinePurpose.LETTER).deadline.completed_on is not None
    report_deadline = link(matter, DeadlinePurpose.REPORT).deadline
    assert report_deadline.length == 10 and report_deadline.owner == contact
    assert link(matter, DeadlinePurpose.SIGN).deadline.rule_code == "SUP_SIGN"

    with pytest.raises(PermissionDenied):
        services.sign_letter(letter, sup.user("b.director"))
    services.sign_letter(letter, contact)
    report = services.draft_report(
        letter, contact, mode="written", text="已依法采取措施",
        files=[SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")],
    )  # fmt: skip
    services.submit_report(report, contact)
    with pytest.raises(PermissionDenied):
        services.approve_report(report, contact)  # the basic court's 执行局长 approves
    services.return_report(report, basic, comment="请补充执行款发放情况")
    assert report.state == ReportState.DRAFT
    services.edit_report(report, contact, mode="written", text="已依法采取措施，执行款已发放")
    services.submit_report(report, contact)
    services.approve_report(report, basic)
    assert report.state == ReportState.SUBMITTED
    assert link(matter, DeadlinePurpose.REPORT).deadline.completed_on is not None

    services.accept_report(report, officer, assessment="报告属实")
    matter.refresh_from_db()
    assert matter.state == MatterState.CONCLUDING
    services.conclude(matter, officer, summary="督办完毕")
    matter.refresh_from_db()
    assert matter.state == MatterState.CONCLUDED
    assert link(matter, DeadlinePurpose.CONCLUDE).deadline.completed_on is not None
    actions = set(
        AuditEvent.objects.filter(action__startswith="supervision.").values_list("action", flat=True)
    )
    assert {
        "supervision.letter.approve",
        "supervision.report.approve",
        "supervision.matter.conclude",
    } <= actions


@pytest.mark.django_db
def test_direct_reply_and_anonymous_archive(sup: World) -> None:
    officer, director = sup.user("city.officer"), sup.user("city.director")
    matter = register(sup, officer=officer, complainant_name="张三")
    services.propose_reply(matter, officer, finding="correct", opinion="执行无误")
    services.return_reply(matter, director, comment="请核实")
    assert matter.state == MatterState.REVIEWING
    services.propose_reply(matter, officer, finding="correct", opinion="执行无误")
    services.approve_reply(matter, director)
    with pytest.raises(ServiceError, match="笔录"):
        services.record_reply(matter, officer, mode="phone", note="电话答复")
    with pytest.raises(ServiceError, match="匿名"):
        services.record_reply(matter, officer, mode="archive", note="存查")
    services.record_reply(matter, officer, mode="written", note="经审查，执行无误。")
    assert matter.state == MatterState.CONCLUDING

    anon = register(sup, officer=officer, anonymous=True)
    services.propose_reply(anon, officer, finding="other", opinion="匿名")
    services.approve_reply(anon, director)
    services.record_reply(anon, officer, mode="archive", note="匿名来信，存查")
    assert anon.state == MatterState.CONCLUDING


@pytest.mark.django_db
def test_double_approval_yields_one_and_a_conflict(sup: World) -> None:
    officer, director = sup.user("city.officer"), sup.user("city.director")
    matter = register(sup, officer=officer)
    services.decide_supervise(matter, officer, finding="passive", opinion="拖延")
    letter = services.draft_letter(matter, officer, court=sup.courts["a"], facts="问题", requirements="要求")
    services.submit_letter(letter, officer)
    stale = type(letter).objects.get(pk=letter.pk)  # the second director's page, loaded before
    services.approve_letter(letter, director)
    numbers = letter.document.number if letter.document else None
    with pytest.raises(Conflict, match="已由他人处理"):
        services.approve_letter(stale, director)  # the state it saw was 待审批: lost the race
    with pytest.raises(ServiceError):
        services.approve_letter(type(letter).objects.get(pk=letter.pk), director)
    letter.refresh_from_db()
    assert letter.document is not None and letter.document.number == numbers  # one number, once


@pytest.mark.django_db
def test_leader_source_marks_case_and_petition_source_counts(sup: World) -> None:
    from zhijian.cases.models import EnforcementCase

    court = sup.courts["a"]
    case = EnforcementCase.objects.create(
        number=f"（2026）{court.code}执1号",
        court=court,
        type_code="执",
        year=2026,
        seq=1,
        filed_on=dt.date(2026, 1, 5),
    )
    data = services.MatterInput(
        title="领导批示", received_on=dt.date(2026, 11, 2),
        sources=[source(1, instructor="王院长", instruction_date=dt.date(2026, 11, 1), report_back=True,
                        report_rule="SOURCE_REPLY")],
        case_numbers=[f"(2026){court.code}执1号"],
    )  # fmt: skip
    matter = services.register_matter(sup.user("city.officer"), data)
    case.refresh_from_db()
    assert case.leadership_since == dt.date(2026, 11, 2)
    assert list(matter.courts.all()) == [court]  # the court came from the case number
    assert link(matter, DeadlinePurpose.SOURCE).deadline.rule_code == "SOURCE_REPLY"
    services.add_source(matter, sup.user("city.officer"), source(6, received_on=dt.date(2026, 11, 3)))
    case.refresh_from_db()
    assert case.petition_count == 1


@pytest.mark.django_db
def test_validation_errors_change_nothing(sup: World) -> None:
    before = Matter.objects.count()
    with pytest.raises(ServiceError, match="批示人"):
        services.register_matter(
            sup.user("city.officer"),
            services.MatterInput(
                title="x",
                received_on=dt.date(2026, 11, 2),
                sources=[source(1)],
                court_ids=[sup.courts["a"].pk],
            ),
        )
    with pytest.raises(ServiceError, match="民初"):
        register(sup, case_numbers=["（2026）测0101民初1号"])
    with pytest.raises(ServiceError, match="下级法院"):
        services.register_matter(
            sup.user("city.officer"),
            services.MatterInput(
                title="x",
                received_on=dt.date(2026, 11, 2),
                sources=[source(6)],
                court_ids=[sup.courts["x"].pk],
            ),
        )
    with pytest.raises(PermissionDenied):
        services.register_matter(
            sup.user("a.contact"),
            services.MatterInput(
                title="x",
                received_on=dt.date(2026, 11, 2),
                sources=[source(6)],
                court_ids=[sup.courts["a"].pk],
            ),
        )
    assert Matter.objects.count() == before


@pytest.mark.django_db
def test_extension_requested_by_court_and_approved_by_director(sup: World) -> None:
    officer, director, contact = sup.user("city.officer"), sup.user("city.director"), sup.user("a.contact")
    matter = register(sup, officer=officer)
    services.decide_supervise(matter, officer, finding="passive", opinion="拖延")
    letter = services.draft_letter(matter, officer, court=sup.courts["a"], facts="问题", requirements="要求")
    services.submit_letter(letter, officer)
    services.approve_letter(letter, director)
    report_link = link(matter, DeadlinePurpose.REPORT)
    due = report_link.deadline.due_date
    ext = services.request_extension(report_link, contact, length=5, reason="案情复杂")
    with pytest.raises(PermissionDenied):
        services.decide_extension(ext, officer, approve=True)
    services.decide_extension(ext, director, approve=True, note="同意")
    report_link.deadline.refresh_from_db()
    assert report_link.deadline.due_date > due
    assert report_link.deadline.extensions.count() == 1


@pytest.mark.django_db
def test_contact_change_moves_open_items(sup: World) -> None:
    officer, director = sup.user("city.officer"), sup.user("city.director")
    matter = register(sup, officer=officer)
    services.decide_supervise(matter, officer, finding="passive", opinion="拖延")
    letter = services.draft_letter(matter, officer, court=sup.courts["a"], facts="问题", requirements="要求")
    services.submit_letter(letter, officer)
    services.approve_letter(letter, director)
    new = sup.user("a.member")
    org.set_designated_contact(sup.courts["a"], actor=None, contact=new)
    assert link(matter, DeadlinePurpose.REPORT).deadline.owner == new
    letter.refresh_from_db()
    assert letter.contact_at_arrival == sup.user("a.contact")
    new.refresh_from_db()
    new.forget_cached_scope()
    old = sup.user("a.contact")
    old.refresh_from_db()
    letter.court.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.sign_letter(letter, old)  # the old contact no longer can
    services.sign_letter(letter, new)  # the new contact acts


@pytest.mark.django_db
def test_letter_document_names_cases_courts_deadline_and_contact(sup: World) -> None:
    """The issued 督办函 is filled with the case list (each with its court), the report deadline
    as the template's closing sentence and the officer as contact; the draft preview says the
    limit starts on issue."""
    import io

    from docx import Document

    from zhijian.cases.models import EnforcementCase
    from zhijian.documents.services import render_preview

    officer, director = sup.user("city.officer"), sup.user("city.director")
    court = sup.courts["a"]
    EnforcementCase.objects.create(
        number=f"（2026）{court.code}执7号",
        court=court,
        type_code="执",
        year=2026,
        seq=7,
        filed_on=dt.date(2026, 1, 5),
    )
    matter = register(sup, officer=officer, case_numbers=[f"（2026）{court.code}执7号"])
    services.decide_supervise(matter, officer, finding="passive", opinion="拖延")
    letter = services.draft_letter(matter, officer, court=court, facts="反映的问题", requirements="依法处理")

    def text(context: dict[str, Any]) -> str:
        data = render_preview(
            kind="sup_letter", issuing_court=matter.supervising_court, context=context, title="督办函"
        )
        doc = Document(io.BytesIO(data))
        cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in doc.paragraphs] + cells)

    draft = text(services.letter_context(matter, letter, None))
    assert "自签发之日起按期限计算" in draft
    services.submit_letter(letter, officer)
    services.approve_letter(letter, director)
    letter.refresh_from_db()
    assert letter.document is not None
    issued = text(letter.document.context)
    due = link(matter, DeadlinePurpose.REPORT).deadline.due_date
    assert f"请于{due.year}年{due.month}月{due.day}日前将办理情况书面报告本院" in issued
    assert f"（2026）{court.code}执7号" in issued and court.name in issued
    assert officer.display_name in issued
