"""The administrators' back office: scoped, and every save goes through the services (audited)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from zhijian.audit.models import AuditEvent
from zhijian.audit.verify import verify_chain
from zhijian.org.models import AccessGrant, Person, User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def admin_client(world: Any, name: str = "city.admin") -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def user_form(user: User, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": user.username,
        "full_name": user.full_name,
        "court": user.court_id,
        "roles": sorted(user.role_codes),
        "title": user.title,
        "phone": user.phone,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "new_password": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_only_administrators_enter_the_admin(world: Any) -> None:
    for name in ("city.director", "city.officer", "a.director", "city.leader"):
        response = admin_client(world, name).get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], name
    assert admin_client(world).get("/admin/").status_code == 200


def test_a_role_change_in_the_admin_is_in_the_audit_chain(world: Any) -> None:
    target = world.users["a.member"]
    client = admin_client(world)
    url = f"/admin/org/user/{target.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, user_form(target, roles=["handler", "contact"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    target.forget_cached_scope()
    assert target.role_codes == {"handler", "contact"}
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "org.user.update"
    assert event.actor_username == "city.admin"
    assert event.before["roles"] == ["handler"] and event.after["roles"] == ["contact", "handler"]
    assert verify_chain(None).ok


def test_admin_creates_a_user_with_a_validated_password(world: Any) -> None:
    client = admin_client(world)
    court = world.courts["b"]
    weak = client.post(
        "/admin/org/user/add/",
        {
            "username": "new.user",
            "full_name": "新用户",
            "court": court.pk,
            "roles": ["handler"],
            "new_password": "123",
        },
    )
    assert weak.status_code == 200 and not User.objects.filter(username="new.user").exists()
    ok = client.post(
        "/admin/org/user/add/",
        {
            "username": "new.user",
            "full_name": "新用户",
            "court": court.pk,
            "roles": ["handler"],
            "is_active": "on",
            "new_password": PASSWORD,
        },
    )
    assert ok.status_code == 302
    created = User.objects.get(username="new.user")
    assert created.check_password(PASSWORD) and created.role_codes == {"handler"}
    assert AuditEvent.objects.filter(action="org.user.create", target_id=str(created.pk)).exists()


def test_admin_of_another_city_cannot_see_or_change_our_users(world: Any) -> None:
    client = admin_client(world, "x.admin")
    for url in ("/admin/org/user/", "/admin/org/person/", "/admin/org/accessgrant/", "/admin/org/court/"):
        listing = client.get(url).content.decode()
        for name in ("测试甲基层", "测试乙基层", "测试城中院", "人员-a.director"):
            assert name not in listing, (url, name)
    assert "成员-x" in client.get("/admin/org/user/").content.decode()
    target = world.users["a.member"]
    response = client.get(f"/admin/org/user/{target.pk}/change/")
    assert response.status_code == 302  # Django admin: "does not exist" → back to the index
    before = AuditEvent.objects.count()
    client.post(f"/admin/org/user/{target.pk}/change/", user_form(target, full_name="篡改"))
    target.refresh_from_db()
    assert target.full_name == "成员-a" and AuditEvent.objects.count() == before


def test_admin_cannot_put_a_user_into_a_court_outside_its_scope(world: Any) -> None:
    client = admin_client(world)
    target = world.users["a.member"]
    response = client.post(
        f"/admin/org/user/{target.pk}/change/", user_form(target, court=world.courts["x"].pk)
    )
    assert response.status_code == 200  # form error: not a valid choice
    target.refresh_from_db()
    assert target.court_id == world.courts["a"].pk


def test_designating_a_contact_in_the_admin_goes_through_the_service(world: Any) -> None:
    client = admin_client(world)
    court = world.courts["a"]
    contact = world.user("a.contact")
    data = {
        "code": court.code,
        "name": court.name,
        "short_name": court.short_name,
        "level": court.level_id,
        "division_code": "",
        "contact": contact.pk,
        "deputy_contact": "",
        "is_active": "on",
        "sort_order": 0,
    }
    response = client.post(f"/admin/org/court/{court.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    court.refresh_from_db()
    assert court.contact_id == contact.pk
    assert AuditEvent.objects.order_by("-seq").first().action == "org.court.contact"  # type: ignore[union-attr]


def test_person_link_and_grant_are_audited(world: Any) -> None:
    client = admin_client(world)
    court = world.courts["a"]
    response = client.post(
        "/admin/org/person/add/",
        {"court": court.pk, "name": "张承办", "note": "", "user": world.users["a.member"].pk},
    )
    assert response.status_code == 302
    person = Person.objects.get(name="张承办")
    assert person.user_id == world.users["a.member"].pk
    actions = list(AuditEvent.objects.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == ["org.person.link", "org.person.create"]

    response = client.post(
        "/admin/org/accessgrant/add/",
        {
            "user": world.users["b.member"].pk,
            "court": court.pk,
            "reason": "评查活动",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
            "valid_until_0": "2099-01-01",
            "valid_until_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    grant = AccessGrant.objects.get()
    assert grant.granted_by == world.user("city.admin")
    assert AuditEvent.objects.order_by("-seq").first().action == "org.grant.create"  # type: ignore[union-attr]


def test_city_admin_edits_its_own_court_and_adds_a_basic_court(world: Any) -> None:
    client = admin_client(world)
    city = world.courts["city"]
    data = {
        "code": city.code,
        "name": city.name,
        "short_name": "新简称",
        "level": city.level_id,
        "division_code": "",
        "contact": "",
        "deputy_contact": "",
        "is_active": "on",
        "sort_order": 0,
    }
    response = client.post(f"/admin/org/court/{city.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    city.refresh_from_db()
    assert city.short_name == "新简称" and city.supervisor == world.courts["high"]
    added = client.post(
        "/admin/org/court/add/",
        {
            "code": "测0103",
            "name": "测试丙基层",
            "short_name": "丙",
            "level": world.courts["a"].level_id,
            "division_code": "",
            "parent": city.pk,
            "supervisor": city.pk,
            "contact": "",
            "deputy_contact": "",
            "is_active": "on",
            "sort_order": 0,
        },
    )
    assert added.status_code == 302, added.content.decode()[:3000]
    assert AuditEvent.objects.filter(action="org.court.create", target_repr="测试丙基层").exists()
