"""Legal clock: navigation, home-page 待办 (my deadlines) and alerts (next year's holidays)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone

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

register_nav(NavItem("工作台", "时限看板", "legaltime:board", icon="alarm", order=10))
register_nav(NavItem("工作台", "期限计算器", "legaltime:calculator", icon="calculator", order=20))
register_nav(NavItem("系统管理", "期限规则", "legaltime:rule_list", icon="list-ol", order=920))
register_nav(
    NavItem(
        "系统管理",
        "节假日安排",
        "legaltime:holiday_calendar",
        icon="calendar3",
        roles=frozenset({Role.ADMIN}),
        order=930,
    )
)

ACTION_LABELS.update(
    {
        "legaltime.deadline.create": "新建期限",
        "legaltime.deadline.extend": "延长期限",
        "legaltime.deadline.suspend": "期限中止",
        "legaltime.deadline.resume": "期限恢复计算",
        "legaltime.deadline.complete": "期限完成",
        "legaltime.deadline.close": "期限撤销（不计）",
        "legaltime.deadline.reassign": "期限改由他人负责",
        "legaltime.calendar.save": "保存节假日安排",
        "legaltime.calendar.recompute": "重新计算期限",
        "legaltime.rule.seed": "载入默认期限规则",
        "legaltime.rule.revise": "修订期限规则",
        "legaltime.board.export": "导出时限看板",
    }
)


@register_home_provider
def my_deadlines(user: Any) -> Iterator[HomeItem]:
    from . import services
    from .models import Deadline

    today = timezone.localdate()
    mine = Deadline.objects.visible_to(user).open().filter(owner=user, suspended_since__isnull=True)
    overdue = mine.filter(due_date__lt=today).count()
    soon = mine.filter(due_date__gte=today, due_date__lte=services.due_soon_limit(today)).count()
    board = reverse("legaltime:board")
    if overdue:
        yield HomeItem(
            "todo",
            f"我负责的期限已超期 {overdue} 项",
            url=f"{board}?status=overdue&mine=on",
            level="danger",
            count=overdue,
        )
    if soon:
        yield HomeItem(
            "todo",
            f"我负责的期限即将到期 {soon} 项",
            url=f"{board}?status=due_soon&mine=on",
            level="warning",
            count=soon,
        )
    court_overdue = (
        Deadline.objects.visible_to(user).open().filter(suspended_since__isnull=True, due_date__lt=today)
    )
    if user.has_role(Role.DIRECTOR, Role.BASIC_DIRECTOR) and court_overdue.exists():
        count = court_overdue.count()
        yield HomeItem(
            "alert",
            f"辖区内已超期的期限 {count} 项",
            url=f"{board}?status=overdue",
            level="danger",
            count=count,
        )


@register_home_provider
def next_year_calendar(user: Any) -> Iterator[HomeItem]:
    """From 1 October, administrators are warned while next year's arrangement is missing."""
    from . import services

    if not (user.is_superuser or user.has_role(Role.ADMIN)):
        return
    today = timezone.localdate()
    cal = services.get_calendar()
    url = reverse("legaltime:holiday_calendar")
    if not cal.knows(today.year):
        yield HomeItem(
            "alert",
            f"{today.year}年节假日安排尚未录入，期限均按暂定计算，请立即录入",
            url=f"{url}?year={today.year}",
            level="danger",
        )
    if today.month >= 10 and not cal.knows(today.year + 1):
        yield HomeItem(
            "alert",
            f"{today.year + 1}年节假日安排尚未录入：国务院办公厅通知发布后请及时录入，跨年期限目前按暂定计算",
            url=f"{url}?year={today.year + 1}",
            level="warning",
        )


@register_search_provider
def search_deadlines(user: Any, query: str) -> Iterator[SearchHit]:
    from .models import Deadline

    for d in Deadline.objects.visible_to(user).filter(title__icontains=query).select_related("court")[:10]:
        due = d.due_date.isoformat() if d.due_date else "中止中"
        yield SearchHit("期限", d.title, d.get_absolute_url(), subtitle=f"{d.court.short_name} · 届满 {due}")
