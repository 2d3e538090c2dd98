"""Accountability: navigation and audit labels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse

from zhijian.audit.labels import ACTION_LABELS
from zhijian.core.registry import HomeItem, NavItem, register_home_provider, register_nav
from zhijian.org.choices import Role

register_nav(
    NavItem("责任追究", "追责登记", "accountability:register", icon="exclamation-octagon", order=700)
)
ACTION_LABELS.update(
    {
        "accountability.propose": "提出追责建议（通报批评或移送纪检监察）",
        "accountability.decide": "决定追责建议",
    }
)


@register_home_provider
def proposal_todos(user: Any) -> Iterator[HomeItem]:
    from .models import Proposal, ProposalState

    if user.has_role(Role.DIRECTOR):
        n = Proposal.objects.filter(
            matter__supervising_court_id=user.court_id, state=ProposalState.PROPOSED
        ).count()
        if n:
            yield HomeItem("todo", f"{n} 条追责建议待您决定", url=reverse("accountability:register") + "?state=proposed",
                           level="danger", count=n)  # fmt: skip
