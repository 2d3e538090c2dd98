"""Shared fixtures: a small court world built through the real services, and personas.

The world: a high court 测试高院 over the city court 测试城中院, which supervises the basic courts
测试甲基层 (A) and 测试乙基层 (B); and another city 测试外市中院 with its basic court 测试外市基层 (X).
Personas are named ``<court>.<role>``: city.officer, city.director, city.evaluator, city.leader,
city.admin, a.contact, a.director, a.handler, b.director, x.director, x.admin.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

PASSWORD = "Test#2026pass"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@dataclass
class World:
    courts: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    def user(self, name: str) -> Any:
        return self.users[name]


PERSONAS: dict[str, tuple[str, list[str]]] = {
    "city.officer": ("city", ["officer"]),
    "city.director": ("city", ["director"]),
    "city.evaluator": ("city", ["evaluator"]),
    "city.leader": ("city", ["leader"]),
    "city.president": ("city", ["president"]),
    "city.admin": ("city", ["admin"]),
    "a.contact": ("a", ["contact"]),
    "a.director": ("a", ["basic_director"]),
    "a.handler": ("a", ["handler"]),
    "b.director": ("b", ["basic_director"]),
    "x.director": ("x", ["director"]),
    "x.admin": ("x", ["admin"]),
}

COURT_SPECS = [
    # key, code, name, short, level, supervisor key
    ("high", "测", "测试高院", "测试高院", "high", None),
    ("city", "测01", "测试城中院", "测试城中院", "intermediate", "high"),
    ("a", "测0101", "测试甲基层", "测试甲基层", "basic", "city"),
    ("b", "测0102", "测试乙基层", "测试乙基层", "basic", "city"),
    ("x_city", "测02", "测试外市中院", "测试外市中院", "intermediate", "high"),
    ("x", "测0201", "测试外市基层", "测试外市基层", "basic", "x_city"),
]


def build_world() -> World:
    from zhijian.org import services
    from zhijian.org.loaders import load_levels

    levels = load_levels()
    world = World()
    for key, code, name, short, level, sup in COURT_SPECS:
        supervisor = world.courts[sup] if sup else None
        world.courts[key] = services.create_court(
            actor=None,
            code=code,
            name=name,
            short_name=short,
            level=levels[level],
            parent=supervisor,
            supervisor=supervisor,
        )
    # the city admin persona of the other city sits at its intermediate court
    for username, (court_key, roles) in PERSONAS.items():
        key = "x_city" if username.startswith("x.") else court_key
        world.users[username] = services.create_user(
            actor=None,
            username=username,
            full_name=f"人员-{username}",
            court=world.courts[key],
            roles=roles,
            password=PASSWORD,
        )
    # one plain user in every court, as a target for user pages
    for key in world.courts:
        world.users[f"{key}.member"] = services.create_user(
            actor=None,
            username=f"{key}.member",
            full_name=f"成员-{key}",
            court=world.courts[key],
            roles=["handler"],
            password=PASSWORD,
        )
    return world


@pytest.fixture
def world(db: Any) -> World:
    return build_world()
