"""The shell: busy page on a locked SQLite database, IE banner, search scoping, CLI, demo."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from zhijian.audit.models import AuditEvent
from zhijian.org.models import User

from .conftest import PASSWORD


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite locking")
@pytest.mark.django_db(transaction=True)
def test_a_locked_sqlite_database_gives_the_busy_page_and_changes_nothing(world: Any) -> None:
    """Another process holds the write lock longer than the busy timeout: the user gets the
    Chinese 系统繁忙 page (503), never a server error, and nothing is written."""
    contact = world.user("a.contact")
    client = Client()
    client.force_login(world.user("a.director"))
    url = reverse("org:court_contact", args=[world.courts["a"].pk])
    settings_dict = connection.settings_dict
    old_timeout = settings_dict["OPTIONS"]["timeout"]
    connection.close()
    settings_dict["OPTIONS"]["timeout"] = 0.3
    blocker = sqlite3.connect(settings_dict["NAME"], timeout=1)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        before_events = blocker.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0]
        response = client.post(url, {"contact": contact.pk})
        assert response.status_code == 503
        html = response.content.decode()
        assert "系统繁忙，请稍后重试" in html and "数据未发生任何变化" in html
    finally:
        blocker.rollback()
        blocker.close()
        connection.close()
        settings_dict["OPTIONS"]["timeout"] = old_timeout
    world.courts["a"].refresh_from_db()
    assert world.courts["a"].contact_id is None
    assert AuditEvent.objects.count() == before_events


def test_sqlite_runs_with_wal_immediate_and_a_long_busy_timeout(settings: Any) -> None:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite settings")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] >= 20


@pytest.mark.django_db
def test_ie_mode_visitors_see_a_banner(client: Client) -> None:
    ie = "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"
    assert (
        "极速模式" in client.get("/accounts/login/", HTTP_USER_AGENT=ie).content.decode().split("<header")[0]
    )
    chrome = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0 Safari/537.36"
    assert "IE 兼容模式" not in client.get("/accounts/login/", HTTP_USER_AGENT=chrome).content.decode()


@pytest.mark.django_db
def test_search_finds_users_and_courts_within_scope(world: Any) -> None:
    client = Client()
    client.force_login(world.user("a.director"))
    html = client.get(reverse("core:search"), {"q": "成员"}).content.decode()
    assert "成员-a" in html and "成员-b" not in html and "成员-city" not in html
    city = Client()
    city.force_login(world.user("city.officer"))
    html = city.get(reverse("core:search"), {"q": "基层"}).content.decode()
    assert "测试甲基层" in html and "测试乙基层" in html and "测试外市基层" not in html
    assert "没有找到" in city.get(reverse("core:search"), {"q": "不存在的名字"}).content.decode()


@pytest.mark.django_db
def test_unknown_and_foreign_urls_answer_404_in_chinese(world: Any) -> None:
    client = Client()
    client.force_login(world.user("a.director"))
    response = client.get(reverse("org:user_detail", args=[world.users["b.member"].pk]))
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
    assert client.get("/org/users/999999/").status_code == 404
    assert client.get("/no/such/page/").status_code == 404


@pytest.mark.django_db
def test_responses_carry_a_request_id_and_security_headers(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert len(response["X-Request-ID"]) == 32
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_client_ip_comes_from_x_forwarded_for_only_through_a_trusted_proxy(world: Any, settings: Any) -> None:
    client = Client()
    client.post(
        "/accounts/login/",
        {"username": "city.officer", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert AuditEvent.objects.order_by("-seq").first().client_ip == "203.0.113.5"  # type: ignore[union-attr]
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    Client().post(
        "/accounts/login/",
        {"username": "city.officer", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.9",
    )
    assert AuditEvent.objects.order_by("-seq").first().client_ip == "1.2.3.4"  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_demo_loads_idempotently_through_the_services(capsys: Any) -> None:
    from zhijian.audit.verify import verify_chain
    from zhijian.cli import main

    main(["zhijian", "demo", "--json"])
    first = json.loads(capsys.readouterr().out)
    assert first["password"] and len(first["accounts"]) == 24
    events = AuditEvent.objects.count()
    users = User.objects.count()
    main(["zhijian", "demo", "--json"])
    json.loads(capsys.readouterr().out)
    assert AuditEvent.objects.count() == events > 0
    assert User.objects.count() == users == 24
    assert verify_chain(None).ok
    # every demo account logs in through the real form to its own home page
    for account in first["accounts"]:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": account["username"], "password": first["password"]}
        )
        assert response.status_code == 302, account["username"]
        home = client.get("/").content.decode()
        assert f"{account['name']}，您好" in home, account["username"]


def test_cli_overview_is_chinese(capsys: Any) -> None:
    from zhijian.cli import main

    main(["zhijian"])
    out = capsys.readouterr().out
    assert "verify-audit" in out and "演示数据" in out


def test_server_error_page_is_chinese_and_needs_no_database(rf: Any) -> None:
    from zhijian.core.views import server_error

    request = rf.get("/")
    request.request_id = "abc123"
    response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and "系统错误" in html and "abc123" in html
