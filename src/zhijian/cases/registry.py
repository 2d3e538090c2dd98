"""Cases: navigation and the top-bar search by 案号 and party name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.urls import reverse

from zhijian.audit.labels import ACTION_LABELS
from zhijian.core.registry import (
    HomeItem,
    NavItem,
    SearchHit,
    register_home_provider,
    register_nav,
    register_search_provider,
)
from zhijian.org.choices import Role

from .uploads import IMPORT_ROLES

register_nav(NavItem("案件", "执行案件", "cases:case_list", icon="folder2-open", order=300))
register_nav(NavItem("案件", "检测线索", "cases:scan", icon="radar", order=310))
register_nav(NavItem("案件", "导入案件", "cases:import", icon="upload", roles=IMPORT_ROLES, order=320))
register_nav(NavItem("案件", "导入记录", "cases:import_list", icon="journal-arrow-up", order=330))
register_nav(
    NavItem(
        "系统管理", "导入别名", "cases:aliases", icon="translate", roles=frozenset({Role.ADMIN}), order=925
    )
)
ACTION_LABELS.update(
    {
        "cases.export": "导出执行案件",
        "cases.import": "导入执行案件",
        "cases.import.upload": "上传案件导入文件",
        "cases.import.errors_export": "导出导入错误清单",
        "cases.scan": "运行检测扫描",
        "cases.candidates.decide": "确认或排除线索",
    }
)


@register_home_provider
def candidate_counts(user: Any) -> Iterator[HomeItem]:
    """City officers and directors: new candidates per court (待办); a basic court's director:
    its own court's open candidates, as an early warning."""
    from django.db.models import Count

    from .models import CandidateState, ScanCandidate

    new = ScanCandidate.objects.visible_to(user).filter(state=CandidateState.NEW)
    url = reverse("cases:scan")
    if user.has_role(Role.OFFICER, Role.DIRECTOR):
        for row in (
            new.values("court_id", "court__short_name").annotate(n=Count("id")).order_by("court__sort_order")
        ):
            yield HomeItem(
                "todo", f"{row['court__short_name']}：{row['n']} 条检测线索待确认", url=f"{url}?court={row['court_id']}",
                level="warning", count=row["n"],
            )  # fmt: skip
    else:
        open_ones = (
            ScanCandidate.objects.visible_to(user)
            .filter(state__in=[CandidateState.NEW, CandidateState.CONFIRMED])
            .exclude(rule__startswith="art13")
        )
        if user.has_role(Role.BASIC_DIRECTOR, Role.CONTACT):
            cases = open_ones.values("case_id").distinct().count()
            if cases:
                yield HomeItem(
                    "alert",
                    f"本院有 {cases} 件案件被检测为超期未执结、应作未作或久拖不结（预警）",
                    url=url,
                    level="warning",
                    count=cases,
                )
        person = getattr(user, "person", None) if user.has_role(Role.HANDLER) else None
        if person is not None:
            cases = open_ones.filter(case__handler=person).values("case_id").distinct().count()
            if cases:
                yield HomeItem(
                    "alert",
                    f"您承办的 {cases} 件案件被检测为超期或应作未作（预警）",
                    url=f"{reverse('cases:case_list')}?handler={person.name}",
                    level="warning",
                    count=cases,
                )


@register_home_provider
def granted_case_counts(user: Any) -> Iterator[HomeItem]:
    """A court's users: the cases designated to it (指定执行) or taken up by it (提级执行)."""
    from .models import CaseGrant, CaseStatus

    if user.court_id is None:
        return
    n = (
        CaseGrant.objects.live()
        .filter(court_id=user.court_id, case__status=CaseStatus.OPEN)
        .values("case_id")
        .distinct()
        .count()
    )
    if n:
        yield HomeItem(
            "todo",
            f"指定或提级由本院执行的未结案件 {n} 件",
            url=f"{reverse('cases:case_list')}?granted=1",
            level="info",
            count=n,
        )


@register_search_provider
def search_cases(user: Any, query: str) -> Iterator[SearchHit]:
    from .access import cases_visible_to
    from .views import number_fragment

    number = number_fragment(query)
    # the cases of the courts the user sees, and those opened to them (指定/提级执行)
    cases = (
        cases_visible_to(user)
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


# the deadline board counts and audit labels of the case module
from . import board  # noqa: E402, F401
