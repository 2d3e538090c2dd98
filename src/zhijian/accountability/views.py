"""The register page: proposals and decisions per year and court; the director decides."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from zhijian.core.access import NOT_FOUND, acting_user, view_access
from zhijian.core.exceptions import ServiceError
from zhijian.org.choices import SUPERVISING_ROLES, Role
from zhijian.org.models import Court
from zhijian.org.scoping import visible_court_ids

from . import services
from .models import Basis, Proposal, ProposalKind, ProposalState, TargetKind


@view_access()
def register(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if user.has_role(Role.DIRECTOR, Role.OFFICER):
        services.sync_proposals()  # limits that passed since the last daily run
    qs = Proposal.objects.visible_to(user).select_related("court", "matter", "decided_by", "document")
    if not (user.is_superuser or user.role_codes & SUPERVISING_ROLES):
        # a basic court reads the criticisms decided against it — never proposals pending or
        # dismissed, nor discipline transfers (the bureau's and the 纪检监察 body's business)
        qs = qs.filter(kind=ProposalKind.CRITICISM, state=ProposalState.ACCEPTED)
    year = request.GET.get("year", "").strip()
    court = request.GET.get("court", "").strip()
    state = request.GET.get("state", "").strip()
    if year.isdecimal():
        qs = qs.filter(year=int(year))
    if court.isdecimal():
        qs = qs.filter(court_id=int(court))
    if state in ProposalState.values:
        qs = qs.filter(state=state)
    rows = list(qs[:500])
    for row in rows:
        row.can_decide = row.state == ProposalState.PROPOSED and services.may_decide(user, row)  # type: ignore[attr-defined]
    return render(
        request,
        "accountability/register.html",
        {
            "rows": rows,
            "params": {"year": year, "court": court, "state": state},
            "courts": Court.objects.filter(pk__in=visible_court_ids(user), supervisor__isnull=False).order_by(
                "sort_order", "code"
            ),
            "states": ProposalState.choices,
            "targets": TargetKind.choices,
            "bases": Basis.choices,
            "this_year": timezone.localdate().year,
        },
    )


@view_access(roles={Role.DIRECTOR}, write=True, post_only=True)
def decide(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    pk = str(request.POST.get("proposal", ""))
    if not pk.isdecimal():
        messages.error(request, "请求缺少要决定的追责建议。")
        return redirect("accountability:register")
    proposal = Proposal.objects.visible_to(user).filter(pk=int(pk)).first()
    if proposal is None:
        raise Http404(NOT_FOUND)
    try:
        done = services.decide(
            proposal, user, accept=request.POST.get("accept") == "1", reason=str(request.POST.get("reason", "")),
            target_kind=str(request.POST.get("target_kind", "")), persons=str(request.POST.get("persons", "")),
        )  # fmt: skip
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accountability:register")
    if done.document is not None and done.kind == "discipline":
        messages.success(request, f"已决定移送纪检监察，移送函文号 {done.document.number}。")
    elif done.document is not None:
        messages.success(request, f"已决定通报批评，文号 {done.document.number}。")
    else:
        messages.success(request, "已决定不予追究。")
    return redirect("accountability:register")


@view_access(roles={Role.DIRECTOR, Role.OFFICER}, write=True, post_only=True)
def propose(request: HttpRequest) -> HttpResponse:
    """A discipline transfer proposed from a matter's page (移送纪检监察建议)."""
    from zhijian.core.access import scoped_or_404
    from zhijian.supervision.models import Matter

    user = acting_user(request)
    pk = str(request.POST.get("matter", ""))
    if not pk.isdecimal():
        messages.error(request, "请求缺少监督事项。")
        return redirect("accountability:register")
    matter = scoped_or_404(Matter.objects.all(), user, int(pk))
    court = str(request.POST.get("court", ""))
    try:
        services.propose_discipline(
            matter, user, court_id=int(court) if court.isdecimal() else 0,
            target_kind=str(request.POST.get("target_kind", "")), persons=str(request.POST.get("persons", "")),
            reason=str(request.POST.get("reason", "")), sub_basis=str(request.POST.get("sub_basis", "")),
        )  # fmt: skip
    except ServiceError as exc:
        from zhijian.supervision.views import detail_context

        messages.error(request, exc.message)
        return render(request, "supervision/matter_detail.html", detail_context(request, matter, failed="discipline"),
                      status=400)  # fmt: skip
    messages.success(request, "已提出移送纪检监察建议，待局长决定。")
    return redirect(matter.get_absolute_url())
