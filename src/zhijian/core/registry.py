"""Extension points other apps register into from their own ``registry.py``.

* ``register_nav``: an entry in the left navigation, shown only to the roles named.
* ``register_home_provider``: a function returning 待办 (items awaiting the user's action) and
  提醒 (alerts) for the home page.
* ``register_search_provider``: a function answering the top-bar search box.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    url_name: str
    icon: str = "circle"
    roles: frozenset[str] | None = None  # None: every signed-in user
    order: int = 100
    superuser_only: bool = False

    def visible_for(self, user: Any) -> bool:
        if self.superuser_only:
            return bool(user.is_superuser)
        return user.is_superuser or self.roles is None or user.has_role(*self.roles)


@dataclass(frozen=True)
class HomeItem:
    kind: Literal["todo", "alert"]
    text: str
    url: str = ""
    level: Literal["info", "warning", "danger"] = "info"
    count: int | None = None


@dataclass(frozen=True)
class SearchHit:
    category: str
    title: str
    url: str
    subtitle: str = ""


@dataclass(frozen=True)
class BoardCount:
    """A count the deadline board shows next to the deadlines (e.g. overdue cases per court),
    linking to the filtered list behind it."""

    group: str
    label: str
    count: int
    url: str


@dataclass
class _Registry:
    nav: list[NavItem] = field(default_factory=list)
    home: list[Callable[[Any], Iterable[HomeItem]]] = field(default_factory=list)
    search: list[Callable[[Any, str], Iterable[SearchHit]]] = field(default_factory=list)
    board: list[Callable[[Any], Iterable[BoardCount]]] = field(default_factory=list)
    # per-user navigation entries (e.g. a user's saved filters): (section, label, url, icon)
    nav_extra: list[Callable[[Any], Iterable[tuple[str, str, str, str]]]] = field(default_factory=list)


registry = _Registry()


def register_nav(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in registry.nav):
        registry.nav.append(item)


def register_nav_provider(
    fn: Callable[[Any], Iterable[tuple[str, str, str, str]]],
) -> Callable[[Any], Iterable[tuple[str, str, str, str]]]:
    """Per-user navigation entries, e.g. the saved filters of the matter list."""
    if fn not in registry.nav_extra:
        registry.nav_extra.append(fn)
    return fn


def register_home_provider(fn: Callable[[Any], Iterable[HomeItem]]) -> Callable[[Any], Iterable[HomeItem]]:
    if fn not in registry.home:
        registry.home.append(fn)
    return fn


def register_search_provider(
    fn: Callable[[Any, str], Iterable[SearchHit]],
) -> Callable[[Any, str], Iterable[SearchHit]]:
    if fn not in registry.search:
        registry.search.append(fn)
    return fn


def register_board_provider(
    fn: Callable[[Any], Iterable[BoardCount]],
) -> Callable[[Any], Iterable[BoardCount]]:
    if fn not in registry.board:
        registry.board.append(fn)
    return fn


def board_counts(user: Any) -> dict[str, list[BoardCount]]:
    """The registered board counts for ``user``, grouped (in registration order)."""
    groups: dict[str, list[BoardCount]] = {}
    for provider in registry.board:
        for item in provider(user):
            groups.setdefault(item.group, []).append(item)
    return groups


SECTION_ORDER = ["工作台", "监督办案", "案件", "质效评查", "责任追究", "组织机构", "系统管理"]


def nav_for(user: Any, current_url_name: str = "") -> list[dict[str, Any]]:
    sections: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(registry.nav, key=lambda i: i.order):
        if not item.visible_for(user):
            continue
        sections.setdefault(item.section, []).append(
            {
                "label": item.label,
                "url": reverse(item.url_name),
                "icon": item.icon,
                "active": item.url_name == current_url_name,
            }
        )
    for provider in registry.nav_extra:
        for section, label, url, icon in provider(user):
            sections.setdefault(section, []).append(
                {"label": label, "url": url, "icon": icon, "active": False}
            )
    order = {name: i for i, name in enumerate(SECTION_ORDER)}
    return [
        {"name": name, "items": items}
        for name, items in sorted(sections.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]


def home_items(user: Any) -> tuple[list[HomeItem], list[HomeItem]]:
    todos: list[HomeItem] = []
    alerts: list[HomeItem] = []
    for provider in registry.home:
        for item in provider(user):
            (todos if item.kind == "todo" else alerts).append(item)
    return todos, alerts


def search(user: Any, query: str, *, limit: int = 20) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for provider in registry.search:
        hits.extend(list(provider(user, query))[:limit])
    return hits
