"""Idempotent loaders for default courts and demo accounts; everything through the services."""

from __future__ import annotations

from django.db import transaction

from . import services
from .choices import Role
from .defaults import COURTS, LEVELS
from .models import Court, CourtLevel, User

DEMO_PASSWORD = "Demo#2026zj"


def load_levels() -> dict[str, CourtLevel]:
    return {code: services.ensure_level(code, name, rank) for code, name, rank in LEVELS}


@transaction.atomic
def load_default_courts() -> list[str]:
    levels = load_levels()
    created: list[str] = []
    for order, (code, name, short, level, division, supervisor_code) in enumerate(COURTS):
        if Court.objects.filter(code=code).exists():
            continue
        supervisor = Court.objects.get(code=supervisor_code) if supervisor_code else None
        services.create_court(
            actor=None,
            code=code,
            name=name,
            short_name=short,
            level=levels[level],
            division_code=division,
            parent=supervisor,
            supervisor=supervisor,
            sort_order=order * 10,
        )
        created.append(code)
    return created


# username, full name, title, court code, roles
CITY_USERS = [
    ("city.officer", "王监督", "执行监督组法官", [Role.OFFICER]),
    ("city.director", "李局长", "执行局局长", [Role.DIRECTOR]),
    ("city.evaluator", "赵评查", "审管办评查员", [Role.EVALUATOR]),
    ("city.leader", "孙院长", "副院长（分管执行）", [Role.LEADER]),
    ("city.president", "钱院长", "院长（审批监督措施）", [Role.PRESIDENT]),
    ("city.admin", "周管理", "信息技术处", [Role.ADMIN]),
]
BASIC_PREFIX = {
    "吉0602": ("hunjiang", "浑江"),
    "吉0605": ("jiangyuan", "江源"),
    "吉0621": ("fusong", "抚松"),
    "吉0622": ("jingyu", "靖宇"),
    "吉0623": ("changbai", "长白"),
    "吉0681": ("linjiang", "临江"),
}
# 临江 is left without a designated contact so that the Art. 4 warning can be seen in the demo.
UNDESIGNATED_IN_DEMO = {"吉0681"}
SURNAMES = {"contact": "联络", "director": "局长", "handler": "承办"}


@transaction.atomic
def load_demo_users() -> list[tuple[str, str, str, str]]:
    """One user per role per relevant court. Returns (username, name, court, roles) rows."""
    rows: list[tuple[str, str, str, str]] = []
    city = Court.objects.get(code="吉06")

    def ensure(username: str, name: str, title: str, court: Court, roles: list[str]) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.create_user(
                actor=None,
                username=username,
                full_name=name,
                court=court,
                roles=roles,
                password=DEMO_PASSWORD,
                title=title,
                is_demo=True,
            )
        rows.append((username, user.full_name, court.short_name, "、".join(user.role_labels)))
        return user

    for username, name, title, roles in CITY_USERS:
        ensure(username, name, title, city, list(roles))
    for code, (prefix, place) in BASIC_PREFIX.items():
        court = Court.objects.get(code=code)
        contact = ensure(
            f"{prefix}.contact", f"{place}{SURNAMES['contact']}", "执行局内勤", court, [Role.CONTACT]
        )
        ensure(
            f"{prefix}.director", f"{place}{SURNAMES['director']}", "执行局局长", court, [Role.BASIC_DIRECTOR]
        )
        ensure(f"{prefix}.handler", f"{place}{SURNAMES['handler']}", "执行法官", court, [Role.HANDLER])
        if code not in UNDESIGNATED_IN_DEMO and court.contact_id is None:
            services.set_designated_contact(court, actor=None, contact=contact, reason="演示数据")
    return rows
