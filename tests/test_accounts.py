"""Login, lock-out, disabled accounts, session expiry, password change, CSRF — all audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhijian.audit.models import AuditEvent
from zhijian.org import services

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_chinese(client: Client) -> None:
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html and "用户登录" in html and "密码" in html


def test_login_lands_on_home_and_is_audited(world: Any, client: Client) -> None:
    response = post_login(client, "city.director", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    home = client.get(reverse("core:home"))
    assert "人员-city.director，您好" in home.content.decode()
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "accounts.login"
    assert event.actor_username == "city.director" and event.client_ip == "10.0.0.1"


def test_wrong_password_gives_a_chinese_message_and_is_audited(world: Any, client: Client) -> None:
    response = post_login(client, "city.director", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "accounts.login_failed"
    assert event.after == {"username": "city.director"}
    assert "_auth_user_id" not in client.session


def test_disabled_user_is_told_so_only_with_the_right_password(world: Any, client: Client) -> None:
    user = world.user("a.handler")
    services.update_user(user, actor=None, is_active=False)
    assert "该账号已停用" in post_login(client, "a.handler", PASSWORD).content.decode()
    wrong = post_login(client, "a.handler", "nope").content.decode()
    assert "该账号已停用" not in wrong and "用户名或密码错误" in wrong
    assert "_auth_user_id" not in client.session


def test_lockout_is_by_username_never_by_ip_alone(world: Any, settings: Any) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    office = Client()
    for _ in range(limit):
        post_login(office, "a.contact", "wrong", ip="10.1.1.1")
    locked = post_login(office, "a.contact", PASSWORD, ip="10.1.1.1")
    assert locked.status_code == 429
    assert "已被临时锁定 30 分钟" in locked.content.decode()
    assert AuditEvent.objects.filter(action="accounts.lockout").exists()
    # A colleague on the same court PC (same public address) still logs in.
    colleague = Client()
    assert post_login(colleague, "a.director", PASSWORD, ip="10.1.1.1").status_code == 302
    # The locked account stays locked from another address too (lock-out by user name).
    assert post_login(Client(), "a.contact", PASSWORD, ip="10.9.9.9").status_code == 429
    # After the cool-off the account works again.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=False):
        assert post_login(Client(), "a.contact", PASSWORD, ip="10.1.1.1").status_code == 302


def test_session_expires_after_thirty_idle_minutes(world: Any, client: Client, settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_login(client, "city.officer", PASSWORD)
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(reverse("core:home")).status_code == 200  # activity renews the session
    with time_machine.travel(start + dt.timedelta(minutes=58), tick=False):
        assert client.get(reverse("core:home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=89), tick=False):
        response = client.get(reverse("core:home"))
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        page = client.get(response["Location"])
        assert "登录超时" in page.content.decode()


def test_logout_is_post_only_and_audited(world: Any, client: Client) -> None:
    client.force_login(world.user("city.officer"))
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert AuditEvent.objects.order_by("-seq").first().action == "accounts.logout"  # type: ignore[union-attr]
    assert client.get(reverse("core:home")).status_code == 302


def test_password_change_enforces_strength_and_is_audited(world: Any, client: Client) -> None:
    user = world.user("a.handler")
    client.force_login(user)
    url = reverse("accounts:password_change")
    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    html = weak.content.decode()
    assert weak.status_code == 200 and "太短" in html and "只包含数字" in html
    mismatch = client.post(
        url, {"old_password": PASSWORD, "new_password1": "Abcdef#12345", "new_password2": "x"}
    )
    assert "两次输入的新密码不一致" in mismatch.content.decode()
    wrong_old = client.post(
        url, {"old_password": "x", "new_password1": "Abcdef#12345", "new_password2": "Abcdef#12345"}
    )
    assert "当前密码不正确" in wrong_old.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    ok = client.post(
        url, {"old_password": PASSWORD, "new_password1": "Abcdef#12345", "new_password2": "Abcdef#12345"}
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Abcdef#12345")
    assert client.get(reverse("core:home")).status_code == 200  # still signed in
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "accounts.password.change"
    assert "Abcdef" not in str(event.after) and "Abcdef" not in str(event.before)


def test_forged_csrf_token_is_refused_in_chinese_and_changes_nothing(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    user = world.user("a.director")
    client.force_login(user)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("org:court_contact", args=[world.courts["a"].pk]),
        {"contact": world.user("a.contact").pk, "csrfmiddlewaretoken": "forged"},
    )
    assert response.status_code == 403
    assert "页面已过期或请求无效" in response.content.decode()
    world.courts["a"].refresh_from_db()
    assert world.courts["a"].contact_id is None
    assert AuditEvent.objects.count() == before


def test_keepalive_renews_the_session(world: Any, client: Client) -> None:
    client.force_login(world.user("city.officer"))
    assert client.post(reverse("accounts:keepalive")).status_code == 204
