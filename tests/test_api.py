"""The JSON API: schema, court scoping identical to the pages, read-only leadership."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_schema_is_served_to_signed_in_users(world: Any) -> None:
    assert Client().get("/api/schema/").status_code in (401, 403)
    response = client_for(world, "a.contact").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "执监 API"
    assert {"/api/v1/courts/", "/api/v1/users/", "/api/v1/me/"} <= set(schema["paths"])


def test_court_list_is_scoped(world: Any) -> None:
    names = {c["name"] for c in client_for(world, "a.director").get("/api/v1/courts/").json()["results"]}
    assert names == {"测试甲基层"}
    names = {c["name"] for c in client_for(world, "city.officer").get("/api/v1/courts/").json()["results"]}
    assert names == {"测试城中院", "测试甲基层", "测试乙基层"}


def test_another_courts_object_is_404(world: Any) -> None:
    client = client_for(world, "a.director")
    assert client.get(f"/api/v1/courts/{world.courts['b'].pk}/").status_code == 404
    assert client.get(f"/api/v1/users/{world.users['b.member'].pk}/").status_code == 404
    assert client.get(f"/api/v1/users/{world.users['a.member'].pk}/").status_code == 200


def test_me_lists_roles_and_courts(world: Any) -> None:
    data = client_for(world, "city.leader").get("/api/v1/me/").json()
    assert data["roles"] == ["leader"] and data["writable_courts"] == []
    assert sorted(data["visible_courts"]) == sorted(world.courts[k].pk for k in ("city", "a", "b"))


def test_api_is_read_only_for_now(world: Any) -> None:
    client = client_for(world, "city.admin")
    assert client.post("/api/v1/courts/", {"code": "x"}).status_code == 405
