"""The accountability register's first rows: a criticism is proposed only after a 催办 has
passed unmet, routed to Art. 18 for a group-petition matter and to Art. 19 (violating Art. 6)
otherwise; the supervising court's 局长 decides, and an accepted one gets its 通报批评决定."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from zhijian.accountability.models import Basis, Proposal, ProposalState, SubBasis
from zhijian.accountability.services import decide, sync_proposals
from zhijian.core.exceptions import ServiceError
from zhijian.supervision import services
from zhijian.supervision.models import DeadlinePurpose, MatterDeadline

from .conftest import World
from .test_supervision_flow import source, sup  # noqa: F401  (fixture)


def overdue_report(world: World, *, group: bool = False) -> Any:
    officer, director = world.user("city.officer"), world.user("city.director")
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0), tick=False):
        data = services.MatterInput(title="逾期未报告", received_on=dt.date(2026, 11, 2), sources=[source(6)],
                                    court_ids=[world.courts["a"].pk], officer=officer, group_petition=group)  # fmt: skip
        matter = services.register_matter(officer, data)
        services.decide_supervise(matter, officer, finding="passive", opinion="拖延")
        letter = services.draft_letter(
            matter, officer, court=world.courts["a"], facts="问", requirements="要"
        )
        services.submit_letter(letter, officer)
        services.approve_letter(letter, director)
    return matter, MatterDeadline.objects.get(matter=matter, purpose=DeadlinePurpose.REPORT)


@pytest.mark.django_db
def test_no_proposal_before_a_urge_and_one_after_it_passes(sup: World) -> None:  # noqa: F811
    matter, report = overdue_report(sup)
    assert sync_proposals(dt.date(2026, 12, 30)) == 0  # overdue, but never chased: nothing
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0), tick=False):
        urge = services.urge(report, sup.user("city.officer"))
    assert sync_proposals(urge.deadline.due_date) == 0  # the 催办 limit has not passed yet
    assert sync_proposals(dt.date(2026, 12, 8)) == 1
    assert sync_proposals(dt.date(2026, 12, 9)) == 0  # once
    proposal = Proposal.objects.get()
    assert proposal.basis == Basis.ART19 and proposal.sub_basis == SubBasis.ART6
    assert proposal.court == sup.courts["a"] and proposal.matter == matter


@pytest.mark.django_db
def test_a_group_petition_matter_is_routed_to_article_18(sup: World) -> None:  # noqa: F811
    _matter, report = overdue_report(sup, group=True)
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0), tick=False):
        services.urge(report, sup.user("city.officer"))
    sync_proposals(dt.date(2026, 12, 8))
    assert Proposal.objects.get().basis == Basis.ART18


@pytest.mark.django_db
def test_the_director_decides_and_the_decision_is_a_numbered_document(sup: World, client: Any) -> None:  # noqa: F811
    _matter, report = overdue_report(sup)
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0), tick=False):
        services.urge(report, sup.user("city.officer"))
    sync_proposals(dt.date(2026, 12, 8))
    proposal = Proposal.objects.get()
    with pytest.raises(PermissionDenied):
        decide(proposal, sup.user("city.officer"), accept=True, reason="x")
    with pytest.raises(PermissionDenied):
        decide(proposal, sup.user("a.director"), accept=False, reason="x")
    with pytest.raises(ServiceError, match="理由"):
        decide(proposal, sup.user("city.director"), accept=False)
    with pytest.raises(ServiceError, match="人员姓名"):
        decide(
            proposal, sup.user("city.director"), accept=True, reason="经催办仍未报告", target_kind="director"
        )
    done = decide(proposal, sup.user("city.director"), accept=True, reason="经催办仍未报告")
    assert done.state == ProposalState.ACCEPTED and done.year is not None
    assert done.document is not None and "执通" in done.document.number
    assert done.document.recipient_court == sup.courts["a"]
    client.force_login(sup.user("a.director"))
    page = client.get("/accountability/").content.decode()
    assert done.document.number in page and "决定通报批评" not in page  # its own row, read only
    client.force_login(sup.user("b.director"))
    assert done.document.number not in client.get("/accountability/").content.decode()


@pytest.mark.django_db
def test_the_decision_template_is_in_file_format(sup: World) -> None:  # noqa: F811
    import io

    from docx import Document

    from zhijian.documents.services import render_preview

    data = render_preview(kind="criticism_decision", issuing_court=sup.courts["city"],
                          context={"paragraphs": ["事实"]}, title="关于予以通报批评的决定")  # fmt: skip
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert f"{sup.courts['city'].name}文件" in text
