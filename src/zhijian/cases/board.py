"""The case module's additions to other pages: overdue cases per court on the deadline board
(linking to the filtered case list), and the labels of its audit actions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from zhijian.audit.labels import ACTION_LABELS
from zhijian.core.registry import BoardCount, register_board_provider

from .models import CaseStatus, EnforcementCase

ACTION_LABELS.update(
    {
        "cases.import_events": "导入流程节点",
        "cases.candidates.export": "导出检测线索",
        "cases.recompute": "重新计算案件期限",
        "cases.attention.leadership": "标记领导督办案件",
        "cases.attention.media": "标记媒体、社会关注案件",
        "cases.attention.leadership.clear": "取消领导督办标记",
        "cases.attention.media.clear": "取消媒体、社会关注标记",
        "cases.suspension.add": "登记暂缓执行等不计入期限的期间",
        "cases.suspension.change": "变更暂缓执行等不计入期限的期间",
        "cases.suspension.remove": "删除暂缓执行等不计入期限的期间",
        "cases.grant.add": "指定/提级执行：向接收法院开放案件",
        "cases.grant.revoke": "撤销指定/提级执行的案件开放",
    }
)


@register_board_provider
def overdue_cases(user: Any) -> Iterator[BoardCount]:
    """Open cases past their enforcement time limit, per court the user may see."""
    today = timezone.localdate()
    rows = (
        EnforcementCase.objects.visible_to(user)
        .filter(status=CaseStatus.OPEN, limit_due__lt=today)
        .values("court_id", "court__short_name", "court__sort_order")
        .annotate(n=Count("id"))
        .order_by("court__sort_order")
    )
    base = reverse("cases:case_list")
    for row in rows:
        yield BoardCount(
            "超期未结执行案件",
            row["court__short_name"],
            row["n"],
            f"{base}?{urlencode({'court': row['court_id'], 'overdue': 1})}",
        )
