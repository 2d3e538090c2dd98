"""Case pages: list and filters, detail with the time limit explained, search, exports."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhijian.cases.models import CaseParty, EnforcementCase
from zhijian.legaltime.services import seed_rules

pytestmark = pytest.mark.django_db


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def make_case(
    world: Any, key: str, seq: int, *, filed: str, status: str = "open", due: str | None = None
) -> EnforcementCase:
    court = world.courts[key]
    case = EnforcementCase.objects.create(
        number=f"（2026）{court.code}执{seq}号", year=2026, court=court, type_code="执", seq=seq,
        filed_on=dt.date.fromisoformat(filed), status=status, limit_rule="CASE_LIMIT",
        limit_due=dt.date.fromisoformat(due) if due else None,
    )  # fmt: skip
    CaseParty.objects.create(case=case, role="respondent", name=f"被执行人{key}{seq}")
    return case


def test_list_filters_and_overdue(world: Any) -> None:
    make_case(world, "a", 1, filed="2025-01-06", due="2025-07-07")
    make_case(world, "a", 2, filed="2026-11-02", due="2027-05-06")
    make_case(world, "b", 3, filed="2025-01-06", due="2025-07-07")
    client = client_for(world, "a.director")
    html = client.get(reverse("cases:case_list")).content.decode()
    assert "（2026）测0101执1号" in html and "（2026）测0101执2号" in html and "测0102执3号" not in html
    html = client.get(reverse("cases:case_list"), {"overdue": "1"}).content.decode()
    assert "测0101执1号" in html and "测0101执2号" not in html and "超期" in html
    html = client.get(
        reverse("cases:case_list"), {"q": "(2026)测0101执2"}
    ).content.decode()  # half-width brackets
    assert "测0101执2号" in html and "测0101执1号" not in html
    html = (
        client_for(world, "city.officer")
        .get(reverse("cases:case_list"), {"court": world.courts["b"].pk})
        .content.decode()
    )
    assert "测0102执3号" in html and "测0101执1号" not in html


def test_detail_explains_the_time_limit(world: Any) -> None:
    seed_rules()
    case = make_case(world, "a", 1, filed="2026-03-02", due="2026-09-02")
    html = client_for(world, "a.contact").get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "6个月" in html and "2026年9月2日" in html and "被执行人a1" in html
    assert (
        client_for(world, "b.director").get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    )


def test_search_finds_cases_by_number_and_party(world: Any) -> None:
    make_case(world, "a", 7, filed="2026-03-02")
    make_case(world, "b", 8, filed="2026-03-02")
    client = client_for(world, "a.handler")
    assert "（2026）测0101执7号" in client.get(reverse("core:search"), {"q": "测0101执7"}).content.decode()
    html = client.get(reverse("core:search"), {"q": "被执行人"}).content.decode()
    assert "测0101执7号" in html and "测0102执8号" not in html


def test_exports_are_scoped(world: Any) -> None:
    make_case(world, "a", 1, filed="2026-03-02")
    make_case(world, "b", 2, filed="2026-03-02")
    client = client_for(world, "a.director")
    sheet = load_workbook(io.BytesIO(client.get(reverse("cases:case_export")).content)).active
    assert sheet is not None
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["（2026）测0101执1号"]
    csv_text = client.get(reverse("cases:case_export"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "测0101执1号" in csv_text and "测0102" not in csv_text


def test_amounts_are_grouped(world: Any) -> None:
    from decimal import Decimal

    c = make_case(world, "a", 1, filed="2026-03-02")
    EnforcementCase.objects.filter(pk=c.pk).update(amount_applied=Decimal("1234567.5"))
    client = client_for(world, "a.director")
    assert "1,234,567.50" in client.get(reverse("cases:case_list")).content.decode()
    assert "1,234,567.50 元" in client.get(reverse("cases:case_detail", args=[c.pk])).content.decode()
