"""Organisation: navigation, home-page alerts (Art. 4 contacts), search over users and courts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.urls import reverse

from zhijian.core.registry import (
    HomeItem,
    NavItem,
    SearchHit,
    register_home_provider,
    register_nav,
    register_search_provider,
)

from .choices import Role

register_nav(NavItem("工作台", "首页", "core:home", icon="house", order=0))
register_nav(NavItem("组织机构", "法院", "org:court_list", icon="bank", order=800))
register_nav(NavItem("组织机构", "人员名录", "org:user_list", icon="people", order=810))
register_nav(
    NavItem(
        "组织机构",
        "承办人（案件数据）",
        "org:person_list",
        icon="person-vcard",
        roles=frozenset({Role.ADMIN}),
        order=820,
    )
)


@register_home_provider
def missing_contacts(user: Any) -> Iterator[HomeItem]:
    """Art. 4: every basic court designates a contact. City directors and administrators see
    a warning for each court in their scope without one; a basic court's 执行局长 gets a 待办."""
    from .models import Court

    if user.has_role(Role.DIRECTOR, Role.ADMIN) or user.is_superuser:
        missing = Court.objects.visible_to(user).basic().filter(is_active=True, contact__isnull=True)
        for court in missing:
            yield HomeItem(
                "alert",
                f"{court.short_name}尚未指定执行监督联络专人（第四条）",
                url=reverse("org:court_detail", args=[court.pk]),
                level="warning",
            )
    if user.has_role(Role.BASIC_DIRECTOR) and user.court is not None and user.court.contact_id is None:
        yield HomeItem(
            "todo",
            "请指定本院执行监督联络专人（第四条）",
            url=reverse("org:court_contact", args=[user.court_id]),
            level="warning",
        )


@register_home_provider
def users_without_roles(user: Any) -> Iterator[HomeItem]:
    from .models import User

    if not (user.has_role(Role.ADMIN) or user.is_superuser):
        return
    count = User.objects.visible_to(user).filter(is_active=True, role_assignments__isnull=True).count()
    if count:
        yield HomeItem(
            "todo",
            f"{count} 个启用的账号尚未分配角色",
            url=reverse("org:user_list"),
            level="info",
            count=count,
        )


@register_search_provider
def search_org(user: Any, query: str) -> Iterator[SearchHit]:
    from .models import Court, User

    courts = Court.objects.visible_to(user).filter(
        Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__iexact=query)
    )[:10]
    for court in courts:
        yield SearchHit("法院", court.name, court.get_absolute_url(), subtitle=court.code)
    users = (
        User.objects.visible_to(user)
        .filter(Q(full_name__icontains=query) | Q(username__icontains=query))
        .select_related("court")[:10]
    )
    for found in users:
        yield SearchHit(
            "人员",
            found.display_name,
            found.get_absolute_url(),
            subtitle=f"{found.court.short_name if found.court else ''} · {found.username}",
        )


register_nav(
    NavItem("系统管理", "后台管理", "admin:index", icon="gear", roles=frozenset({Role.ADMIN}), order=950)
)
