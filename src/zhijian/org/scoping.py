"""The one place that decides which courts a user may see and act for.

* A user sees their own court.
* A holder of a supervising role (监督员, 局长, 评查员, 院领导, 系统管理员) also sees every court
  that their court supervises, directly or indirectly — the subtree — never a sibling court or
  another city.
* Read-only roles (院领导（查阅）) never write.
* Explicit, time-limited grants (``AccessGrant``) extend visibility to one more court, and
  writing there only when the grant says so.

Results are cached on the user instance for the life of the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .choices import READ_ONLY_ROLES, SUPERVISING_ROLES

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User


def supervised_subtree_ids(court_id: int) -> set[int]:
    """The ids of ``court_id`` and of every court below it in the supervision tree."""
    from .models import Court

    children: dict[int, list[int]] = {}
    for pk, supervisor_id in Court.objects.values_list("pk", "supervisor_id"):
        if supervisor_id is not None:
            children.setdefault(supervisor_id, []).append(pk)
    result = {court_id}
    frontier = [court_id]
    while frontier:
        current = frontier.pop()
        for child in children.get(current, ()):
            if child not in result:
                result.add(child)
                frontier.append(child)
    return result


def _grant_court_ids(user: User, *, write: bool) -> set[int]:
    from .models import AccessGrant

    grants = AccessGrant.objects.current().filter(user=user)
    if write:
        grants = grants.filter(allow_write=True)
    return set(grants.values_list("court_id", flat=True))


def _all_court_ids() -> set[int]:
    from .models import Court

    return set(Court.objects.values_list("pk", flat=True))


def _court_ids(user: User | AnonymousUser, *, write: bool) -> frozenset[int]:
    """Own court, plus the subtree for supervising roles, plus current grants. For ``write``,
    read-only roles do not count and only grants that allow writing do."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cache_key = "_writable_court_ids" if write else "_visible_court_ids"
    cached: frozenset[int] | None = user.__dict__.get(cache_key)
    if cached is not None:
        return cached
    ids: set[int] = set()
    if user.is_superuser:
        ids = _all_court_ids()
    else:
        roles = user.role_codes - READ_ONLY_ROLES if write else user.role_codes
        if user.court_id is not None and roles:
            if roles & SUPERVISING_ROLES:
                ids |= supervised_subtree_ids(user.court_id)
            else:
                ids.add(user.court_id)
        elif user.court_id is not None and not write:
            ids.add(user.court_id)  # a user without roles still sees their own court
        if roles or not write:
            ids |= _grant_court_ids(user, write=write)
    result = frozenset(ids)
    user.__dict__[cache_key] = result
    return result


def visible_court_ids(user: User | AnonymousUser) -> frozenset[int]:
    return _court_ids(user, write=False)


def writable_court_ids(user: User | AnonymousUser) -> frozenset[int]:
    return _court_ids(user, write=True)


def administered_court_ids(user: User | AnonymousUser) -> frozenset[int]:
    """Courts whose users, persons, grants and settings a 系统管理员 administers: their own court
    and its supervision subtree — never courts reached through a grant (a grant lets a user see or
    act on another court's matters, not administer it)."""
    from .choices import Role

    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(_all_court_ids())
    if user.court_id is None or not user.has_role(Role.ADMIN):
        return frozenset()
    return frozenset(supervised_subtree_ids(user.court_id))


def is_system_admin(user: User | AnonymousUser) -> bool:
    """May maintain system-wide configuration (national calendar, time-limit rules): a superuser,
    or a 系统管理员 of a court listed in ZHIJIAN_HOME_COURTS."""
    from django.conf import settings

    from .choices import Role

    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    court = user.court
    return bool(
        user.has_role(Role.ADMIN) and court is not None and court.code in settings.ZHIJIAN_HOME_COURTS
    )


def is_read_only(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return True
    if user.is_superuser:
        return False
    return not (user.role_codes - READ_ONLY_ROLES)
