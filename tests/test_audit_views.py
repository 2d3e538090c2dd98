"""The read-only audit list: who may read it, filters, scoped exports (themselves audited)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhijian.audit.models import AuditEvent
from zhijian.audit.services import record

pytestmark = pytest.mark.django_db


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


@pytest.fixture
def events(world: Any) -> None:
    for key in ("a", "b", "x"):
        record("org.court.update", actor=None, target=world.courts[key], reason=f"事件-{key}")


def test_only_directors_and_administrators_read_the_audit_list(world: Any, events: None) -> None:
    for name in ("city.officer", "city.evaluator", "city.leader", "a.contact", "a.handler"):
        assert client_for(world, name).get(reverse("audit:event_list")).status_code == 403, name
    for name in ("city.director", "city.admin", "a.director"):
        assert client_for(world, name).get(reverse("audit:event_list")).status_code == 200, name


def test_basic_director_reads_only_its_own_courts_events(world: Any, events: None) -> None:
    html = client_for(world, "a.director").get(reverse("audit:event_list")).content.decode()
    assert "测试甲基层" in html and "测试乙基层" not in html and "测试外市基层" not in html


def test_filters_by_court_action_user_and_date(world: Any, events: None) -> None:
    client = client_for(world, "city.director")
    url = reverse("audit:event_list")
    by_court = client.get(url, {"court": world.courts["b"].pk}).content.decode()
    assert "测试乙基层" in by_court and "测试甲基层</td>" not in by_court
    by_action = client.get(url, {"action": "org.user.create"}).content.decode()
    assert "新建用户" in by_action and "修改法院" not in by_action.split("<tbody>")[1]
    none = client.get(url, {"date_from": "2000-01-01", "date_to": "2000-01-02"}).content.decode()
    assert "没有符合条件的审计事件" in none
    bad = client.get(url, {"date_from": "2026-02-30"})  # an impossible date is ignored, not a 500
    assert bad.status_code == 200


def test_export_xlsx_and_csv_are_scoped_and_audited(world: Any, events: None) -> None:
    client = client_for(world, "a.director")
    before = AuditEvent.objects.count()
    response = client.get(reverse("audit:event_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "序号"
    courts = {row[4] for row in rows[1:]}
    assert courts == {"测试甲基层"}
    response = client.get(reverse("audit:event_export"), {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0][0] == "序号" and {row[4] for row in parsed[1:]} == {"测试甲基层"}
    exports = AuditEvent.objects.filter(action="audit.export").order_by("seq")
    assert AuditEvent.objects.count() == before + 2 and exports.count() == 2


def test_event_detail_shows_the_hashes(world: Any, events: None) -> None:
    event = AuditEvent.objects.filter(court_id=world.courts["a"].pk).order_by("-seq").first()
    assert event is not None
    html = client_for(world, "city.admin").get(event.get_absolute_url()).content.decode()
    assert event.hash in html and event.prev_hash in html


def test_the_admin_history_of_an_object_is_its_audit_trail(world: Any) -> None:
    user = world.users["a.member"]
    client = client_for(world, "city.admin")
    response = client.get(f"/admin/org/user/{user.pk}/history/")
    assert response.status_code == 302 and f"target=org.User:{user.pk}" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "成员-a（a.member）" in html and "测试乙基层" not in html.split("<tbody>")[1]


def test_a_reversed_date_range_is_read_the_right_way_round(world: Any, events: None) -> None:
    client = client_for(world, "city.director")
    today = __import__("datetime").date.today()
    html = client.get(
        reverse("audit:event_list"), {"date_from": today.isoformat(), "date_to": "2020-01-01"}
    ).content.decode()
    assert "没有符合条件的审计事件" not in html
