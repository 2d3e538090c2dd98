"""Proposals of criticism (通报批评) and the director's decision.

A proposal is made by the system, never by hand, only after a 催办: when a SUP_URGE limit of a
supervision matter has passed unmet (the report or answer it chased still missing). Routing: a
group-petition matter (群体上访) → Art. 18; otherwise Art. 19, sub-basis “violating Art. 6” (the
court did not report as required). The director of the supervising court decides: accepted → a
numbered 通报批评决定 (GB/T 9704 文件格式) addressed to the court, counted in the decision's year;
dismissed → with a reason. Every change audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.core.exceptions import Conflict, ServiceError
from zhijian.documents.models import OfficialDocument
from zhijian.legaltime.defaults import SEED
from zhijian.org.choices import Role
from zhijian.org.models import User

from .models import Basis, Proposal, ProposalKind, ProposalState, SubBasis, TargetKind


def sync_proposals(today: dt.date | None = None) -> int:
    """Propose a criticism for every 催办 limit that has passed unmet; idempotent (one proposal per
    limit). Returns how many were made."""
    from zhijian.supervision.models import DeadlinePurpose, MatterDeadline

    today = today or timezone.localdate()
    made = 0
    overdue = MatterDeadline.objects.select_related("matter", "deadline__court", "follows").filter(
        purpose=DeadlinePurpose.URGE,
        deadline__completed_on__isnull=True,
        deadline__due_date__lt=today,
        deadline__proposal__isnull=True,
    )
    for link in overdue:
        matter, court = link.matter, link.deadline.court
        if not matter.is_open:
            continue
        what = "通知答复" if link.request_id is not None else "督办报告"
        if link.measure_id is not None:
            what = "督促执行令"
        with transaction.atomic():
            proposal, created = Proposal.objects.get_or_create(
                trigger=link.deadline,
                defaults={
                    "kind": ProposalKind.CRITICISM,
                    "target_kind": TargetKind.BUREAU,
                    "court": court,
                    "basis": Basis.ART18 if matter.group_petition else Basis.ART19,
                    "sub_basis": ""
                    if matter.group_petition
                    else (SubBasis.ART7 if link.measure_id is not None else SubBasis.ART6),
                    "matter": matter,
                    "trigger_text": f"{court.short_name}经催办仍未按期{_missed(link)}"
                    f"（{matter.number}，催办期限{link.deadline.due_date}届满）",
                },
            )
            if not created:
                continue
            record(
                "accountability.propose",
                actor=None,
                target=proposal,
                court=court,
                after={"matter": matter.number, "basis": proposal.basis, "what": what},
            )
            from zhijian.notifications.services import notify

            directors = User.objects.filter(
                court_id=matter.supervising_court_id, is_active=True, role_assignments__role=Role.DIRECTOR
            )
            notify(
                directors, kind="accountability.proposal", title=f"通报批评建议待决定：{proposal.trigger_text}",
                url="/accountability/", key=f"proposal:{proposal.pk}", court=court,
            )  # fmt: skip
        made += 1
    return made


def _missed(link: object) -> str:
    if getattr(link, "measure_id", None) is not None:
        return "执行督促执行令"
    return "答复通知" if getattr(link, "request_id", None) else "报告"


def may_propose(actor: User | None, matter: object) -> bool:
    """The supervising court's 监督员 or 局长 propose a discipline transfer."""
    if actor is None or actor.is_superuser:
        return True
    return bool(
        actor.has_role(Role.OFFICER, Role.DIRECTOR)
        and actor.court_id == getattr(matter, "supervising_court_id", None)
        and actor.is_active
    )


def propose_discipline(
    matter: object,
    actor: User | None,
    *,
    court_id: int,
    target_kind: str,
    persons: str,
    reason: str,
    sub_basis: str = "",
) -> Proposal:
    """移送纪检监察: proposed by hand (a criticism never is) by the officer or 局长 when the facts
    of a matter show a violation of discipline; the 局长 decides like a criticism."""
    from zhijian.supervision.models import Matter

    assert isinstance(matter, Matter)
    if not may_propose(actor, matter):
        raise PermissionDenied("只有督办法院的监督员或局长可以提出移送纪检监察建议。")
    court = matter.courts.filter(pk=court_id).first()
    if court is None:
        raise ServiceError("请选择本事项的被监督法院。", field="court")
    if target_kind not in TargetKind.values:
        raise ServiceError("请选择移送对象。", field="target_kind")
    persons, reason = persons.strip(), reason.strip()
    if target_kind != TargetKind.BUREAU and not persons:
        raise ServiceError("移送执行局长或直接责任人的，须填写人员姓名。", field="persons")
    if not reason:
        raise ServiceError("请填写移送的事实与理由。", field="reason")
    if len(reason) > 300 or len(persons) > 200:
        raise ServiceError("事实与理由不超过300字，人员不超过200字。", field="reason")
    basis = Basis.ART18 if matter.group_petition else Basis.ART19
    if basis == Basis.ART19 and sub_basis not in SubBasis.values:
        raise ServiceError("请选择第十九条的具体情形（违反第六条、第七条或第八条）。", field="sub_basis")
    with transaction.atomic():
        proposal = Proposal.objects.create(
            kind=ProposalKind.DISCIPLINE, target_kind=target_kind, court=court, persons=persons, basis=basis,
            sub_basis=sub_basis if basis == Basis.ART19 else "", matter=matter, trigger_text=reason,
        )  # fmt: skip
        record("accountability.propose", actor=actor, target=proposal, court=court,
               after={"matter": matter.number, "kind": proposal.kind, "basis": basis})  # fmt: skip
        from zhijian.notifications.services import notify

        directors = User.objects.filter(
            court_id=matter.supervising_court_id, is_active=True, role_assignments__role=Role.DIRECTOR
        ).exclude(pk=actor.pk if actor is not None else None)
        notify(directors, kind="accountability.proposal", title=f"移送纪检监察建议待决定：{court.short_name}",
               url="/accountability/", key=f"proposal:{proposal.pk}", court=court)  # fmt: skip
    return proposal


def may_decide(actor: User | None, proposal: Proposal) -> bool:
    if actor is None or actor.is_superuser:
        return True
    return bool(actor.has_role(Role.DIRECTOR) and actor.court_id == proposal.matter.supervising_court_id)


def decide(
    proposal: Proposal,
    actor: User | None,
    *,
    accept: bool,
    reason: str = "",
    target_kind: str = "",
    persons: str = "",
) -> Proposal:
    """The director's decision. Accepting issues the 通报批评决定 (its 文号 allocated now)."""
    if not may_decide(actor, proposal):
        raise PermissionDenied("只有督办法院的局长可以决定追责建议。")
    reason = reason.strip()
    if not accept and not reason:
        raise ServiceError("不予追究须填写理由。", field="reason")
    what = "移送纪检监察" if proposal.kind == ProposalKind.DISCIPLINE else "通报批评"
    if accept and not reason:
        raise ServiceError(f"请填写{what}的事实与理由。", field="reason")
    target = target_kind or proposal.target_kind
    persons = persons.strip() or proposal.persons  # the proposal's names unless the 局长 changes them
    if target not in TargetKind.values:
        raise ServiceError(f"请选择{what}的对象。", field="target_kind")
    if target != TargetKind.BUREAU and not persons.strip():
        raise ServiceError(f"{what}执行局长或直接责任人的，须填写人员姓名。", field="persons")
    today = timezone.localdate()
    with transaction.atomic():
        state = ProposalState.ACCEPTED if accept else ProposalState.DISMISSED
        updated = Proposal.objects.filter(pk=proposal.pk, state=ProposalState.PROPOSED).update(
            state=state, decided_by=actor, decided_on=today, year=today.year if accept else None,
            reason=reason[:300], target_kind=target, persons=persons.strip()[:200],
        )  # fmt: skip
        if updated != 1:
            raise Conflict()
        proposal.refresh_from_db()
        if accept and proposal.kind == ProposalKind.DISCIPLINE:
            proposal.document = _transfer_letter(proposal, actor, reason)
            proposal.save(update_fields=["document"])
        elif accept:
            from zhijian.documents.services import issue_document

            matter = proposal.matter
            who = {
                TargetKind.BUREAU: f"{proposal.court.name}执行局",
                TargetKind.DIRECTOR: f"{proposal.court.name}执行局局长{proposal.persons}",
                TargetKind.PERSON: f"{proposal.court.name}{proposal.persons}",
            }[TargetKind(target)]
            basis = Basis(proposal.basis).label + (
                f"（{SubBasis(proposal.sub_basis).label}）" if proposal.sub_basis else ""
            )
            proposal.document = issue_document(
                actor=actor,
                kind="criticism_decision",
                issuing_court=matter.supervising_court,
                recipient_court=proposal.court,
                title=f"关于对{who}予以通报批评的决定",
                context={
                    "paragraphs": [
                        f"{proposal.trigger_text}。",
                        reason,
                        f"依照{SEED}{basis}，决定对{who}予以通报批评。",
                        "望各基层人民法院引以为戒，严格按照要求办理执行监督事项。",
                    ],
                },
                owner=proposal,
                addressee="各基层人民法院执行局",
                cc=["市委政法委", "市人大常委会内务司法工作委员会"],
            )
            proposal.save(update_fields=["document"])
        record(
            "accountability.decide",
            actor=actor,
            target=proposal,
            court=proposal.court,
            after={
                "state": state,
                "year": proposal.year,
                "target": target,
                "persons": proposal.persons,
                "document": proposal.document.number if proposal.document else None,
            },  # fmt: skip
            reason=reason,
        )
    return proposal


def _transfer_letter(proposal: Proposal, actor: User | None, reason: str) -> OfficialDocument:
    """The 移送纪检监察函 (执移): the facts and the basis, to the court's 纪检监察 body."""
    from zhijian.documents.services import issue_document

    matter = proposal.matter
    who = {
        TargetKind.BUREAU: f"{proposal.court.name}执行局",
        TargetKind.DIRECTOR: f"{proposal.court.name}执行局局长{proposal.persons}",
        TargetKind.PERSON: f"{proposal.court.name}{proposal.persons}",
    }[TargetKind(proposal.target_kind)]
    basis = Basis(proposal.basis).label + (
        f"（{SubBasis(proposal.sub_basis).label}）" if proposal.sub_basis else ""
    )
    return issue_document(
        actor=actor, kind="discipline_transfer", issuing_court=matter.supervising_court,
        recipient_court=None,  # to the 纪检监察 body, not to the court concerned
        title=f"关于移送{who}涉嫌违纪问题线索的函",
        context={"paragraphs": [
            f"本院在办理监督事项{matter.number}（{matter.title}）中发现，{proposal.trigger_text}",
            reason,
            f"依照{SEED}{basis}，"
            "现将有关问题线索移送你组，请依纪依法处理，并将处理结果函告本院执行局。",
        ]},
        owner=proposal, addressee=ADDRESSEE_DISCIPLINE,
    )  # fmt: skip


# The body a discipline transfer is addressed to (local practice: the court's stationed
# 纪检监察组); configuration, not law.
ADDRESSEE_DISCIPLINE = "驻院纪检监察组"


def proposal_digest(today: dt.date) -> Iterable[tuple[User, str, str, str]]:
    """Daily: make the proposals that are due, and tell each city 局长 how many await a decision."""
    sync_proposals(today)
    pending = Proposal.objects.filter(state=ProposalState.PROPOSED).select_related("matter")
    by_court: dict[int, int] = {}
    for proposal in pending:
        by_court[proposal.matter.supervising_court_id] = (
            by_court.get(proposal.matter.supervising_court_id, 0) + 1
        )
    for court_id, count in by_court.items():
        for user in User.objects.filter(
            court_id=court_id, is_active=True, role_assignments__role=Role.DIRECTOR
        ):
            yield user, f"{count} 条通报批评建议待决定", "", "/accountability/"
