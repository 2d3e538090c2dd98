"""Parties on the case page and in exports: identity and phone numbers masked, revealed one
value at a time through an audited htmx POST (``party_services.reveal_party``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from zhijian.core.access import NOT_FOUND, acting_user, view_access
from zhijian.core.exceptions import ServiceError

from .access import cases_visible_to
from .masking import FIELD_LABELS, mask
from .models import CaseParty, EnforcementCase
from .party_services import can_reveal, reveal_party

PARTY_FIELDS = ("id_number", "phone")


def party_rows(case: EnforcementCase, user: Any) -> list[dict[str, Any]]:
    """The case's parties for the case page: each with its masked values and whether the user
    may ask to see them in full."""
    allowed = can_reveal(user)
    rows = []
    for party in case.parties.all():
        cells = [
            {
                "party": party,
                "field": field,
                "label": FIELD_LABELS[field],
                "masked": mask(field, getattr(party, field)),
                "can_reveal": allowed,
            }
            for field in PARTY_FIELDS
        ]
        rows.append({"party": party, "cells": cells})
    return rows


def masked_columns(parties: Iterable[CaseParty], role: str) -> list[str]:
    """Export cells for one role: names, masked 证件号码, masked 联系电话 (each joined by 、, a
    missing value as —; a column is empty when no party of the role has the value)."""
    chosen = [p for p in parties if p.role == role]
    cells = ["、".join(p.name for p in chosen)]
    for field in PARTY_FIELDS:
        values = [mask(field, getattr(p, field)) for p in chosen]
        cells.append("、".join(v or "—" for v in values) if any(values) else "")
    return cells


MASKED_EXPORT_HEADERS = [
    "申请执行人",
    "申请执行人证件号码（已遮蔽）",
    "申请执行人联系电话（已遮蔽）",
    "被执行人",
    "被执行人证件号码（已遮蔽）",
    "被执行人联系电话（已遮蔽）",
]


def export_party_cells(case: EnforcementCase) -> list[str]:
    """The six party cells of one exported case (parties prefetched)."""
    parties = list(case.parties.all())
    return masked_columns(parties, CaseParty.Role.APPLICANT) + masked_columns(
        parties, CaseParty.Role.RESPONDENT
    )


@view_access(obj="party", write=True, post_only=True)
def party_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """One full value, audited; answers the fragment that replaces the masked one (htmx), or a
    small page when posted without htmx."""
    user = acting_user(request)
    if field not in PARTY_FIELDS:
        raise Http404(NOT_FOUND)
    try:
        party = CaseParty.objects.select_related("case").get(pk=pk, case__in=cases_visible_to(user))
    except (CaseParty.DoesNotExist, ValueError) as exc:
        raise Http404(NOT_FOUND) from exc
    cell: dict[str, Any] = {"party": party, "field": field, "label": FIELD_LABELS[field]}
    try:
        cell["value"] = reveal_party(party, actor=user, field=field)
    except ServiceError as exc:
        cell["error"] = exc.message
    template = "cases/_party_value.html" if getattr(request, "htmx", False) else "cases/party_reveal.html"
    return render(request, template, {"cell": cell, "case": party.case})
