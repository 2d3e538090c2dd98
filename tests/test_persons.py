"""Persons of the case data (承办人): administrators list them, link them to login accounts,
merge duplicates and split namesakes — each audited, each only within the courts they
administer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from zhijian.audit.models import AuditEvent
from zhijian.cases.models import EnforcementCase
from zhijian.core.exceptions import ServiceError
from zhijian.org import services
from zhijian.org.models import Person

pytestmark = pytest.mark.django_db


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def person(world: Any, key: str, name: str, note: str = "") -> Person:
    return Person.objects.create(court=world.courts[key], name=name, note=note)


def cases_for(world: Any, handler: Person, seqs: range, *, ambiguous: bool = False) -> list[EnforcementCase]:
    court = handler.court
    return [
        EnforcementCase.objects.create(
            number=f"（2026）{court.code}执{seq}号",
            year=2026,
            court=court,
            type_code="执",
            seq=seq,
            filed_on=dt.date(2026, 3, 2),
            status="open",
            handler=handler,
            handler_ambiguous=ambiguous,
        )  # fmt: skip
        for seq in seqs
    ]


def test_the_list_shows_counts_accounts_and_namesakes_of_administered_courts_only(world: Any) -> None:
    zhang1 = person(world, "a", "张三")
    person(world, "a", "张三", note="执行二团队")
    li = person(world, "a", "李四")
    wang = person(world, "b", "王五")
    person(world, "x", "赵六")
    cases_for(world, zhang1, range(1, 4))
    cases_for(world, li, range(4, 6), ambiguous=True)
    services.link_person(wang, actor=None, user=world.user("b.member"))
    client = client_for(world, "city.admin")
    html = client.get(reverse("org:person_list")).content.decode()
    assert "张三" in html and "王五" in html and "成员-b" in html and "赵六" not in html
    assert html.count("本院另有同名人员") == 2 and "2 件待核" in html
    rows = client.get(reverse("org:person_list"), {"same": "1"}).content.decode()
    assert "张三" in rows and "李四" in rows and "王五" not in rows
    rows = client.get(reverse("org:person_list"), {"court": world.courts["b"].pk}).content.decode()
    assert "王五" in rows and "张三" not in rows
    rows = client.get(reverse("org:person_list"), {"q": "李"}).content.decode()
    assert "李四" in rows and "张三" not in rows
    html = client_for(world, "x.admin").get(reverse("org:person_list")).content.decode()
    assert "赵六" in html and "张三" not in html
    for name in ("a.director", "city.director", "a.handler"):
        assert client_for(world, name).get(reverse("org:person_list")).status_code == 403


def test_an_administrator_cannot_touch_another_courts_persons(world: Any) -> None:
    theirs = person(world, "a", "张三")
    mine = person(world, "x", "张三")
    cases_for(world, theirs, range(1, 3))
    client = client_for(world, "x.admin")
    before = AuditEvent.objects.count()
    for name in (
        "org:person_detail",
        "org:person_link",
        "org:person_merge",
        "org:person_split",
        "org:person_note",
    ):
        url = reverse(name, args=[theirs.pk])
        response = (
            client.get(url) if name == "org:person_detail" else client.post(url, {"note": "甲", "ids": "1"})
        )
        assert response.status_code == 404, name
    # nor pull it into one of its own persons
    client.post(reverse("org:person_merge", args=[mine.pk]), {"other": theirs.pk})
    assert Person.objects.filter(pk=theirs.pk).exists() and AuditEvent.objects.count() == before
    with pytest.raises(PermissionDenied):
        services.merge_persons(mine, theirs, actor=world.user("x.admin"))
    with pytest.raises(PermissionDenied):
        services.split_person(
            theirs, actor=world.user("x.admin"), note="甲", case_numbers=["（2026）测0101执1号"]
        )


def test_link_and_unlink_a_login_account_of_the_same_court(world: Any) -> None:
    zhang = person(world, "a", "张三")
    client = client_for(world, "city.admin")
    url = reverse("org:person_link", args=[zhang.pk])
    client.post(url, {"user": world.user("b.member").pk})  # another court's account
    zhang.refresh_from_db()
    assert zhang.user is None
    client.post(url, {"user": world.user("a.member").pk})
    zhang.refresh_from_db()
    assert zhang.user == world.user("a.member")
    assert AuditEvent.objects.filter(action="org.person.link", target_id=str(zhang.pk)).count() == 1
    html = client.get(reverse("org:person_detail", args=[zhang.pk])).content.decode()
    assert "成员-a（a.member）" in html
    client.post(url, {"user": ""})
    zhang.refresh_from_db()
    assert zhang.user is None


def test_merge_moves_every_case_deletes_the_duplicate_and_is_audited(world: Any) -> None:
    keep = person(world, "a", "张三")
    dup = person(world, "a", "张叁")
    cases_for(world, keep, range(1, 3))
    moved_cases = cases_for(world, dup, range(3, 6))
    services.link_person(dup, actor=None, user=world.user("a.member"))
    response = client_for(world, "city.admin").post(
        reverse("org:person_merge", args=[keep.pk]), {"other": dup.pk, "reason": "同一人，录入错字"}
    )
    assert response.status_code == 302
    assert not Person.objects.filter(pk=dup.pk).exists()
    assert EnforcementCase.objects.filter(handler=keep).count() == 5
    assert all(
        c.handler_id == keep.pk for c in EnforcementCase.objects.filter(pk__in=[c.pk for c in moved_cases])
    )
    keep.refresh_from_db()
    assert keep.user == world.user("a.member")  # the account follows the merged person
    event = AuditEvent.objects.get(action="org.person.merge")
    assert event.after["cases_moved"] == 3 and event.after["merged_id"] == dup.pk
    assert event.before["merged"]["name"] == "张叁" and event.reason == "同一人，录入错字"
    assert event.court_id == world.courts["a"].pk and event.actor_username == "city.admin"


def test_merge_is_refused_across_courts_with_itself_and_between_two_accounts(world: Any) -> None:
    admin = world.user("city.admin")
    a1, a2, b1 = person(world, "a", "张三"), person(world, "a", "张三"), person(world, "b", "张三")
    with pytest.raises(ServiceError, match="同一法院"):
        services.merge_persons(a1, b1, actor=admin)
    with pytest.raises(ServiceError, match="自己"):
        services.merge_persons(a1, a1, actor=admin)
    services.link_person(a1, actor=admin, user=world.user("a.member"))
    services.link_person(a2, actor=admin, user=world.user("a.handler"))
    with pytest.raises(ServiceError, match="不同的登录账号"):
        services.merge_persons(a1, a2, actor=admin)
    assert Person.objects.count() == 3 and not AuditEvent.objects.filter(action="org.person.merge").exists()


def test_split_moves_ticked_and_pasted_cases_to_a_new_namesake(world: Any) -> None:
    zhang = person(world, "a", "张三")
    cases = cases_for(world, zhang, range(1, 7), ambiguous=True)
    client = client_for(world, "city.admin")
    html = client.get(reverse("org:person_detail", args=[zhang.pk])).content.decode()
    assert "（2026）测0101执6号" in html and "同名待核" in html
    response = client.post(
        reverse("org:person_split", args=[zhang.pk]),
        {
            "note": "执行二团队",
            "ids": [cases[0].pk, cases[1].pk],
            "numbers": "(2026)测0101执3号\n（２０２６）测0101执4号、（2026）测0101执2号",
        },
    )
    new = Person.objects.exclude(pk=zhang.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("org:person_detail", args=[new.pk])
    assert (new.court, new.name, new.note) == (zhang.court, "张三", "执行二团队")
    moved = EnforcementCase.objects.filter(handler=new)
    assert sorted(c.seq for c in moved) == [1, 2, 3, 4] and not moved.filter(handler_ambiguous=True).exists()
    assert EnforcementCase.objects.filter(handler=zhang, handler_ambiguous=True).count() == 2
    event = AuditEvent.objects.get(action="org.person.split")
    assert event.after["cases_moved"] == 4 and event.after["split_from"] == zhang.pk
    assert "（2026）测0101执3号" in event.after["case_numbers"] and event.target_id == str(new.pk)
    # the namesakes link to each other; the original gets a distinguishing note too
    html = client.get(reverse("org:person_detail", args=[new.pk])).content.decode()
    assert reverse("org:person_detail", args=[zhang.pk]) in html and "同名 2 人" in html
    client.post(reverse("org:person_note", args=[zhang.pk]), {"note": "  执行一团队 "})
    zhang.refresh_from_db()
    assert zhang.note == "执行一团队"
    assert AuditEvent.objects.get(action="org.person.update").after == {"name": "张三", "note": "执行一团队"}


def test_split_refuses_unknown_numbers_and_a_missing_note_keeping_the_input(world: Any) -> None:
    zhang, li = person(world, "a", "张三"), person(world, "a", "李四")
    cases_for(world, zhang, range(1, 3))
    cases_for(world, li, range(3, 4))
    client = client_for(world, "city.admin")
    url = reverse("org:person_split", args=[zhang.pk])
    response = client.post(url, {"note": "二团队", "numbers": "（2026）测0101执1号\n（2026）测0101执3号"})
    html = response.content.decode()
    assert response.status_code == 200 and "以下案号不是张三承办的案件：（2026）测0101执3号" in html
    assert "二团队" in html and "（2026）测0101执3号</textarea>" in html
    response = client.post(url, {"note": "", "numbers": "（2026）测0101执1号"})
    assert "请填写新人员的备注" in response.content.decode()
    response = client.post(url, {"note": "二团队"})
    assert "请勾选或粘贴" in response.content.decode()
    assert Person.objects.count() == 2 and EnforcementCase.objects.filter(handler=zhang).count() == 2
    assert not AuditEvent.objects.filter(action="org.person.split").exists()


def test_read_only_leadership_cannot_use_the_person_pages(world: Any) -> None:
    zhang = person(world, "a", "张三")
    client = client_for(world, "city.leader")
    assert client.get(reverse("org:person_list")).status_code == 403
    assert client.post(reverse("org:person_split", args=[zhang.pk]), {"note": "x"}).status_code == 403
