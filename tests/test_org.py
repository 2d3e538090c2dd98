"""Scoping rules, grants, designated contacts (Art. 4) and the home-page alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhijian.audit.models import AuditEvent
from zhijian.core.exceptions import ServiceError
from zhijian.org import services
from zhijian.org.models import Court, User
from zhijian.org.scoping import is_read_only, visible_court_ids, writable_court_ids

pytestmark = pytest.mark.django_db


def ids(world: Any, *keys: str) -> frozenset[int]:
    return frozenset(world.courts[k].pk for k in keys)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_supervising_roles_see_their_subtree_and_nothing_else(world: Any) -> None:
    for name in ("city.officer", "city.director", "city.evaluator", "city.leader", "city.admin"):
        assert visible_court_ids(fresh(world.user(name))) == ids(world, "city", "a", "b"), name
    assert visible_court_ids(fresh(world.user("x.director"))) == ids(world, "x_city", "x")


def test_basic_court_roles_see_only_their_own_court(world: Any) -> None:
    for name in ("a.contact", "a.director", "a.handler"):
        assert visible_court_ids(fresh(world.user(name))) == ids(world, "a"), name


def test_leadership_reads_but_never_writes(world: Any) -> None:
    leader = fresh(world.user("city.leader"))
    assert is_read_only(leader) and writable_court_ids(leader) == frozenset()
    assert writable_court_ids(fresh(world.user("city.officer"))) == ids(world, "city", "a", "b")


def test_a_high_court_user_sees_every_city_below(world: Any) -> None:
    high_admin = services.create_user(
        actor=None, username="high.admin", full_name="高院管理", court=world.courts["high"], roles=["admin"]
    )
    assert visible_court_ids(high_admin) == frozenset(c.pk for c in world.courts.values())


def test_grants_extend_visibility_for_a_limited_time_and_are_audited(world: Any) -> None:
    evaluator = world.user("x.director")
    now = timezone.now()
    grant = services.create_grant(
        actor=world.user("city.admin"),
        user=evaluator,
        court=world.courts["a"],
        reason="交叉评查",
        valid_until=now + dt.timedelta(days=7),
    )
    assert world.courts["a"].pk in visible_court_ids(fresh(evaluator))
    assert world.courts["a"].pk not in writable_court_ids(fresh(evaluator))
    assert world.courts["b"].pk not in visible_court_ids(fresh(evaluator))
    with time_machine.travel(now + dt.timedelta(days=8), tick=False):
        assert world.courts["a"].pk not in visible_court_ids(fresh(evaluator))
    services.revoke_grant(grant, actor=world.user("city.admin"), reason="结束")
    assert world.courts["a"].pk not in visible_court_ids(fresh(evaluator))
    actions = list(AuditEvent.objects.filter(action__startswith="org.grant").values_list("action", flat=True))
    assert sorted(actions) == ["org.grant.create", "org.grant.revoke"]
    with pytest.raises(ServiceError):
        services.revoke_grant(grant, actor=world.user("city.admin"))


def test_an_admin_cannot_grant_a_court_outside_its_scope(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.create_grant(
            actor=world.user("city.admin"),
            user=world.user("city.officer"),
            court=world.courts["x"],
            reason="越权",
            valid_until=timezone.now() + dt.timedelta(days=1),
        )


def test_granted_court_pages_open_for_the_grantee(world: Any) -> None:
    grantee = world.user("b.director")
    client = Client()
    client.force_login(grantee)
    url = reverse("org:court_detail", args=[world.courts["a"].pk])
    assert client.get(url).status_code == 404
    services.create_grant(
        actor=world.user("city.admin"),
        user=grantee,
        court=world.courts["a"],
        reason="指定执行接收法院",
        valid_until=timezone.now() + dt.timedelta(days=1),
    )
    assert client.get(url).status_code == 200


def test_basic_director_designates_the_contact_through_the_page(world: Any) -> None:
    court = world.courts["a"]
    client = Client()
    client.force_login(world.user("a.director"))
    url = reverse("org:court_contact", args=[court.pk])
    response = client.post(url, {"contact": world.user("a.contact").pk, "deputy": world.user("a.handler").pk})
    assert response.status_code == 302
    court.refresh_from_db()
    assert court.contact == world.user("a.contact") and court.deputy_contact == world.user("a.handler")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "org.court.contact" and event.actor_username == "a.director"
    # posting the same form again changes nothing and writes nothing
    before = AuditEvent.objects.count()
    client.post(url, {"contact": world.user("a.contact").pk, "deputy": world.user("a.handler").pk})
    assert AuditEvent.objects.count() == before


def test_contact_must_belong_to_the_court(world: Any) -> None:
    court = world.courts["a"]
    with pytest.raises(ServiceError, match="必须是"):
        services.set_designated_contact(
            court, actor=world.user("city.admin"), contact=world.user("b.director")
        )
    client = Client()
    client.force_login(world.user("a.director"))
    response = client.post(
        reverse("org:court_contact", args=[court.pk]), {"contact": world.user("b.director").pk}
    )
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    court.refresh_from_db()
    assert court.contact_id is None


def test_city_director_and_admin_are_warned_of_courts_without_a_contact(world: Any) -> None:
    services.set_designated_contact(world.courts["a"], actor=None, contact=world.user("a.contact"))
    for name in ("city.director", "city.admin"):
        client = Client()
        client.force_login(world.user(name))
        html = client.get(reverse("core:home")).content.decode()
        assert "测试乙基层尚未指定执行监督联络专人（第四条）" in html, name
        assert "测试甲基层尚未指定" not in html
        assert "测试外市基层" not in html
    officer = Client()
    officer.force_login(world.user("city.officer"))
    assert "尚未指定执行监督联络专人" not in officer.get(reverse("core:home")).content.decode()
    basic = Client()
    basic.force_login(world.user("b.director"))
    assert "请指定本院执行监督联络专人" in basic.get(reverse("core:home")).content.decode()


def test_supervision_links_cannot_form_a_cycle(world: Any) -> None:
    city = world.courts["city"]
    with pytest.raises(ServiceError, match="循环"):
        services.update_court(city, actor=None, supervisor=world.courts["a"])
    city.refresh_from_db()
    assert city.supervisor == world.courts["high"]


def test_admin_cannot_reassign_supervision(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.update_court(
            world.courts["a"], actor=world.user("city.admin"), supervisor=world.courts["x_city"]
        )
    assert Court.objects.get(pk=world.courts["a"].pk).supervisor == world.courts["city"]


def test_admin_cannot_demote_itself_or_disable_itself(world: Any) -> None:
    admin = world.user("city.admin")
    with pytest.raises(ServiceError):
        services.update_user(admin, actor=admin, roles=["officer"])
    with pytest.raises(ServiceError):
        services.update_user(admin, actor=admin, is_active=False)
    assert fresh(admin).role_codes == {"admin"}
