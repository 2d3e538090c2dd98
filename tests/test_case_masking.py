"""Party identity and phone numbers: masked on the case page and in exports, revealed one value
at a time on request, every reveal audited without the value."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhijian.audit.models import AuditEvent
from zhijian.cases.masking import mask_generic, mask_id_number, mask_phone
from zhijian.cases.models import CaseParty, EnforcementCase

ID18 = "220602198001011234"
PHONE = "13812345678"
USCC = "91220600MA0Y12343X"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (ID18, "220602********1234"),
        ("22060219800101123x", "220602********123X"),
        ("２２０６０２１９８００１０１１２３４", "220602********1234"),  # full-width digits
        ("220602 19800101 1234", "220602********1234"),
        ("220602800101123", "220602******123"),  # first-generation 15-digit card
        (USCC, "91**************3X"),
        ("E1234567", "E1****67"),
        ("G12345", "G****5"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_identity_numbers_are_masked_by_kind(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (PHONE, "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("8613812345678", "138****5678"),
        ("0439-3251234", "04********34"),
        ("110", "***"),
        ("", ""),
    ],
)
def test_phone_numbers_are_masked_by_kind(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


def test_at_least_half_of_any_other_value_is_masked() -> None:
    for n in range(1, 30):
        value = "A" * n
        assert mask_generic(value).count("*") * 2 >= n


def make_case(world: Any, key: str = "a", seq: int = 1) -> tuple[EnforcementCase, CaseParty]:
    court = world.courts[key]
    case = EnforcementCase.objects.create(
        number=f"（2026）{court.code}执{seq}号", year=2026, court=court, type_code="执", seq=seq,
        filed_on=dt.date(2026, 3, 2), status="open",
    )  # fmt: skip
    party = CaseParty.objects.create(
        case=case, role="respondent", name="某某公司", id_number=ID18, phone=PHONE
    )
    CaseParty.objects.create(case=case, role="applicant", name="王五", id_number=USCC)
    return case, party


def client_for(world: Any, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


@pytest.mark.django_db
def test_the_case_page_shows_numbers_masked_with_a_reveal_button(world: Any) -> None:
    case, party = make_case(world)
    html = client_for(world, "a.handler").get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "220602********1234" in html and "138****5678" in html and "91**************3X" in html
    assert ID18 not in html and PHONE not in html and USCC not in html
    assert reverse("cases:party_reveal", args=[party.pk, "id_number"]) in html
    assert not AuditEvent.objects.filter(action="cases.party.reveal").exists()


@pytest.mark.django_db
def test_a_reveal_returns_the_value_and_is_audited_without_it(world: Any) -> None:
    case, party = make_case(world)
    url = reverse("cases:party_reveal", args=[party.pk, "id_number"])
    response = client_for(world, "a.handler").post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert ID18 in html and "<html" not in html  # the fragment only
    event = AuditEvent.objects.get(action="cases.party.reveal")
    assert event.actor_username == "a.handler" and event.court_id == world.courts["a"].pk
    assert (event.target_type, event.target_id) == ("cases.EnforcementCase", str(case.pk))
    assert event.after["party"] == party.pk and event.after["field"] == "id_number"
    stored = json.dumps([event.before, event.after, event.reason, event.target_repr], ensure_ascii=False)
    assert ID18 not in stored and "1234" not in stored
    # a supervisor of the city court may too; each reveal is its own event
    response = client_for(world, "city.officer").post(reverse("cases:party_reveal", args=[party.pk, "phone"]))
    assert (
        PHONE in response.content.decode() and "<html" in response.content.decode()
    )  # full page without htmx
    assert AuditEvent.objects.filter(action="cases.party.reveal").count() == 2


@pytest.mark.django_db
def test_another_courts_user_gets_404_and_nothing_is_audited(world: Any) -> None:
    _, party = make_case(world)
    for name in ("b.director", "x.director", "x.admin"):
        response = client_for(world, name).post(reverse("cases:party_reveal", args=[party.pk, "id_number"]))
        assert response.status_code == 404, name
        assert ID18 not in response.content.decode()
    assert not AuditEvent.objects.filter(action="cases.party.reveal").exists()


@pytest.mark.django_db
def test_read_only_leadership_sees_masked_numbers_only(world: Any) -> None:
    case, party = make_case(world)
    client = client_for(world, "city.leader")
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "220602********1234" in html and "cases/parties/" not in html
    assert client.post(reverse("cases:party_reveal", args=[party.pk, "id_number"])).status_code == 403
    assert not AuditEvent.objects.filter(action="cases.party.reveal").exists()


@pytest.mark.django_db
def test_an_unknown_field_is_not_found(world: Any) -> None:
    _, party = make_case(world)
    client = client_for(world, "a.handler")
    assert client.post(f"/cases/parties/{party.pk}/reveal/name/").status_code == 404
    assert client.post(f"/cases/parties/{party.pk}/reveal/password/").status_code == 404


@pytest.mark.django_db
def test_exports_never_contain_a_full_number(world: Any) -> None:
    make_case(world)
    client = client_for(world, "a.director")
    csv_text = client.get(reverse("cases:case_export"), {"format": "csv"}).content.decode("utf-8-sig")
    xlsx = client.get(reverse("cases:case_export")).content
    book = load_workbook(io.BytesIO(xlsx), read_only=True)
    xlsx_text = "\n".join(
        " ".join(str(v) for v in row if v is not None)
        for row in book.worksheets[0].iter_rows(values_only=True)
    )
    for text in (csv_text, xlsx_text):
        assert "被执行人证件号码（已遮蔽）" in text
        assert "220602********1234" in text and "138****5678" in text and "91**************3X" in text
        assert ID18 not in text and PHONE not in text and USCC not in text
