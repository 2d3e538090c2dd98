"""Cases: navigation and the top-bar search by 案号 and party name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.urls import reverse

from zhijian.audit.labels import ACTION_LABELS
from zhijian.core.registry import NavItem, SearchHit, register_nav, register_search_provider

register_nav(NavItem("案件", "执行案件", "cases:case_list", icon="folder2-open", order=300))
ACTION_LABELS.update({"cases.export": "导出执行案件"})


@register_search_provider
def search_cases(user: Any, query: str) -> Iterator[SearchHit]:
    from .models import EnforcementCase
    from .numbers import clean_text

    number = clean_text(query).replace("(", "（").replace(")", "）")
    cases = (
        EnforcementCase.objects.visible_to(user)
        .filter(Q(number__contains=number) | Q(parties__name__contains=query.strip()))
        .select_related("court")
        .distinct()[:10]
    )
    for case in cases:
        yield SearchHit(
            "执行案件",
            case.number,
            reverse("cases:case_detail", args=[case.pk]),
            subtitle=f"{case.court.short_name} · 立案 {case.filed_on}",
        )
