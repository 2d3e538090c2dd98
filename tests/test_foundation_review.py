"""Holes found by a cold review of the foundation, kept closed."""

from __future__ import annotations

import datetime as dt
import io
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhijian.audit.chain import GENESIS_HASH, compute_hash
from zhijian.audit.models import AuditChainHead, AuditEvent
from zhijian.audit.services import record
from zhijian.audit.verify import verify_chain
from zhijian.core.exceptions import ServiceError
from zhijian.org import services
from zhijian.org.models import Court, User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_a_write_grant_does_not_make_an_administrator_of_the_other_court(world: Any) -> None:
    services.create_grant(
        actor=world.user("x.admin"),
        user=world.user("city.admin"),
        court=world.courts["x"],
        reason="指定执行接收法院",
        valid_until=timezone.now() + dt.timedelta(days=30),
        allow_write=True,
    )
    admin = User.objects.get(username="city.admin")
    target = world.users["x.member"]
    with pytest.raises(PermissionDenied):
        services.set_user_password(target, actor=admin, password="New#Passw0rd123")
    with pytest.raises(PermissionDenied):
        services.create_user(
            actor=admin, username="backdoor", full_name="后门", court=world.courts["x"], roles=["handler"]
        )
    with pytest.raises(PermissionDenied):
        services.create_grant(
            actor=admin,
            user=admin,
            court=world.courts["x"],
            reason="续期",
            valid_until=timezone.now() + dt.timedelta(days=3650),
        )
    client = client_for(world, "city.admin")
    assert "成员-x" not in client.get("/admin/org/user/").content.decode()
    assert client.get(f"/admin/org/user/{target.pk}/change/").status_code == 302


def test_an_administrator_cannot_touch_a_superuser(world: Any) -> None:
    root = services.create_user(
        actor=None,
        username="root",
        full_name="超级",
        court=world.courts["city"],
        password=PASSWORD,
        is_superuser=True,
    )
    admin = world.user("city.admin")
    with pytest.raises(PermissionDenied):
        services.set_user_password(root, actor=admin, password="New#Passw0rd123")
    with pytest.raises(PermissionDenied):
        services.update_user(root, actor=admin, is_active=False)
    client = client_for(world, "city.admin")
    assert "超级" not in client.get("/admin/org/user/").content.decode()


def test_the_admins_password_change_is_the_audited_one(world: Any) -> None:
    response = client_for(world, "city.admin").get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")


def test_no_view_on_site_shortcut_in_the_admin(world: Any) -> None:
    assert client_for(world, "city.admin").get("/admin/r/1/1/").status_code == 404


def test_only_system_administrators_see_court_less_events_and_grants_do_not_open_audit(world: Any) -> None:
    record("accounts.login_failed", actor=None, actor_name="（登录失败）nobody", after={"username": "nobody"})
    record("org.court.update", actor=None, target=world.courts["b"], reason="乙院事件")
    services.create_grant(
        actor=None, user=world.user("a.director"), court=world.courts["b"], reason="查看",
        valid_until=timezone.now() + dt.timedelta(days=3),
    )  # fmt: skip
    assert "nobody" not in client_for(world, "x.admin").get(reverse("audit:event_list")).content.decode()
    assert "nobody" in client_for(world, "city.admin").get(reverse("audit:event_list")).content.decode()
    html = client_for(world, "a.director").get(reverse("audit:event_list")).content.decode()
    assert "乙院事件" not in html and "测试乙基层</td>" not in html


def test_a_checkpoint_write_failure_does_not_turn_a_done_change_into_an_error(
    world: Any, settings: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings.AUDIT_CHECKPOINT_FILE = blocker / "cannot" / "checkpoints.log"  # parent is a file
    response = client_for(world, "a.director").post(
        reverse("org:court_contact", args=[world.courts["a"].pk]), {"contact": world.user("a.contact").pk}
    )
    assert response.status_code == 302
    assert Court.objects.get(pk=world.courts["a"].pk).contact == world.user("a.contact")


@pytest.mark.django_db(transaction=True)
def test_a_very_long_user_name_on_the_login_form_is_audited_not_a_500(world: Any) -> None:
    response = Client().post(reverse("accounts:login"), {"username": "长" * 140, "password": "x"})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="accounts.login_failed").exists()


def test_a_busy_database_outside_a_view_still_gets_the_busy_page(rf: Any) -> None:
    from zhijian.core.views import server_error

    request = rf.get("/")
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = server_error(request)
    assert response.status_code == 503 and "系统繁忙" in response.content.decode()


def test_bulk_delete_is_all_or_nothing(world: Any) -> None:
    client = client_for(world, "city.admin")
    ids = [world.users["a.member"].pk, world.user("city.admin").pk]
    response = client.post(
        "/admin/org/user/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}, follow=True
    )
    assert "未删除任何对象" in response.content.decode()
    assert User.objects.filter(pk__in=ids).count() == 2


def test_only_system_administrators_change_a_court_code(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.update_court(world.courts["x_city"], actor=world.user("x.admin"), code="吉06")
    services.update_court(world.courts["a"], actor=world.user("city.admin"), code="测0109")


def test_a_contact_who_moves_court_stops_being_its_contact(world: Any) -> None:
    contact = world.user("a.contact")
    services.set_designated_contact(world.courts["a"], actor=None, contact=contact)
    services.update_user(contact, actor=None, court=world.courts["b"], roles=["contact"])
    assert Court.objects.get(pk=world.courts["a"].pk).contact is None
    html = (
        client_for(world, "x.director")
        .get(reverse("org:user_detail", args=[world.users["x.member"].pk]))
        .content.decode()
    )
    assert "测试甲基层" not in html


def test_designating_a_contact_is_for_basic_courts(world: Any) -> None:
    with pytest.raises(ServiceError, match="只在基层法院"):
        services.set_designated_contact(world.courts["city"], actor=None, contact=world.user("city.officer"))


def test_exports_do_not_carry_formulas(world: Any) -> None:
    from openpyxl import load_workbook

    record(
        "org.court.update", actor=None, target=world.courts["city"], reason='=HYPERLINK("http://x","点我")'
    )
    client = client_for(world, "city.director")
    sheet = load_workbook(io.BytesIO(client.get(reverse("audit:event_export")).content)).active
    assert sheet is not None
    reasons = [c.value for c in sheet["H"][1:]]
    assert '\'=HYPERLINK("http://x","点我")' in reasons and all(c.data_type != "f" for c in sheet["H"])
    csv_text = client.get(reverse("audit:event_export"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text


def test_the_hash_has_a_fixed_known_answer() -> None:
    """Changing the canonical serialisation would orphan every existing chain: pin it."""
    row = {
        "seq": 1,
        "created_at": dt.datetime(2026, 11, 28, 2, 3, 4, 567890, tzinfo=dt.UTC),
        "actor_id": None,
        "actor_username": "",
        "actor_name": "系统",
        "court_id": 7,
        "court_name": "白山市浑江区人民法院",
        "action": "org.court.contact",
        "target_type": "org.Court",
        "target_id": "7",
        "target_repr": "白山市浑江区人民法院",
        "before": {"contact": None},
        "after": {"contact": 12, "金额": "1.50"},
        "reason": "",
        "request_id": "",
        "client_ip": "",
        "prev_hash": GENESIS_HASH,
    }
    import hashlib

    assert hashlib.sha256(KNOWN_CANONICAL_JSON.encode("utf-8")).hexdigest() == KNOWN_HASH
    assert compute_hash(row) == KNOWN_HASH


# sorted keys, no spaces, UTF-8 text (not \\u escapes), UTC microsecond timestamp, decimals as strings
KNOWN_CANONICAL_JSON = '{"action":"org.court.contact","actor_id":null,"actor_name":"系统","actor_username":"","after":{"contact":12,"金额":"1.50"},"before":{"contact":null},"client_ip":"","court_id":7,"court_name":"白山市浑江区人民法院","created_at":"2026-11-28T02:03:04.567890+00:00","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","reason":"","request_id":"","seq":1,"target_id":"7","target_repr":"白山市浑江区人民法院","target_type":"org.Court"}'
KNOWN_HASH = "7d1b3263d988fc6dbb3c879e835c1ecee55ff9d9c6b11e7edea753a15ee0e465"


def test_the_verifier_survives_a_garbled_checkpoint_file(world: Any, tmp_path: Path) -> None:
    record("org.court.update", actor=None, target=world.courts["a"])
    path = tmp_path / "ck.log"
    path.write_bytes(
        b'\xff\xfe garbage\n{"seq": 1e999, "hash": "x"}\n{"seq": 1.5, "hash": "' + b"0" * 64 + b'"}\n'
    )
    result = verify_chain(path)
    assert not result.ok and len(result.problems) >= 3


def test_a_deleted_head_row_is_reported_and_its_rebuild_is_recorded(world: Any) -> None:
    record("org.court.update", actor=None, target=world.courts["a"])
    AuditChainHead.objects.all().delete()
    assert "链头记录缺失" in " ".join(verify_chain(None).problems)
    record("org.court.update", actor=None, target=world.courts["a"])
    assert AuditEvent.objects.filter(action="audit.head.rebuilt").exists()
    assert verify_chain(None).ok


@pytest.mark.django_db(transaction=True)
def test_verifying_while_others_write_raises_no_false_alarm(
    world: Any, settings: Any, tmp_path: Path
) -> None:
    from django.db import connections

    from zhijian.audit.services import append_checkpoint

    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "ck.log"
    for seq, digest in AuditEvent.objects.order_by("seq").values_list("seq", "hash"):
        append_checkpoint(seq, digest)  # the chain so far, as a fresh file
    court = world.courts["a"]
    done = threading.Event()

    def writer() -> None:
        try:
            while not done.is_set():
                record("org.court.update", actor=None, target=court)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        results = [verify_chain(settings.AUDIT_CHECKPOINT_FILE) for _ in range(8)]
    finally:
        done.set()
        thread.join()
    assert all(r.ok for r in results), [r.problems for r in results if not r.ok]


def test_client_ip_ignores_a_forwarded_header_that_is_not_an_address(world: Any, settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    Client().post(
        reverse("accounts:login"),
        {"username": "city.officer", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="x" * 200,
    )
    assert AuditEvent.objects.order_by("-seq").first().client_ip == "10.0.0.2"  # type: ignore[union-attr]


def test_audit_list_filters_by_user(world: Any) -> None:
    record(
        "org.court.update", actor=world.user("a.contact"), target=world.courts["a"], reason="联络专人的事件"
    )
    record("org.court.update", actor=world.user("a.handler"), target=world.courts["a"], reason="承办人的事件")
    html = (
        client_for(world, "a.director")
        .get(reverse("audit:event_list"), {"user": "a.contact"})
        .content.decode()
    )
    body = html.split("<tbody>")[1]
    assert "人员-a.contact" in body and "人员-a.handler" not in body
