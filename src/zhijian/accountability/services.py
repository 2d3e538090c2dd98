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
        with transaction.atomic():
            proposal, created = Proposal.objects.get_or_create(
                trigger=link.deadline,
                defaults={
                    "kind": ProposalKind.CRITICISM,
                    "target_kind": TargetKind.BUREAU,
                    "court": court,
                    "basis": Basis.ART18 if matter.group_petition else Basis.ART19,
                    "sub_basis": "" if matter.group_petition else SubBasis.ART6,
                    "matter": matter,
                    "trigger_text": f"{court.short_name}经催办仍未按期{'答复通知' if link.request_id else '报告'}"
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
        raise PermissionDenied("只有督办法院的局长可以决定通报批评。")
    reason = reason.strip()
    if not accept and not reason:
        raise ServiceError("不予追究须填写理由。", field="reason")
    if accept and not reason:
        raise ServiceError("请填写通报批评的事实与理由。", field="reason")
    target = target_kind or proposal.target_kind
    if target not in TargetKind.values:
        raise ServiceError("请选择通报对象。", field="target_kind")
    if target != TargetKind.BUREAU and not persons.strip():
        raise ServiceError("通报执行局长或直接责任人的，须填写人员姓名。", field="persons")
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
        if accept:
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
                        f"依照《白山市中级人民法院执行局关于执行监督和质效管理工作的规定（试行）》{basis}，"
                        f"决定对{who}予以通报批评。",
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
