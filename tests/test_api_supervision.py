"""The JSON API of supervision matters and documents: per-user tokens, court scoping identical to
the pages, registration and every step of the main path through the API, refusals in Chinese,
and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from zhijian.api.tokens import issue_token
from zhijian.audit.models import AuditEvent
from zhijian.legaltime.services import seed_rules
from zhijian.org import services as org
from zhijian.supervision import services
from zhijian.supervision.models import Matter, MatterState, SourceCategory

from .conftest import World

pytestmark = pytest.mark.django_db

MATTERS = "/api/v1/matters/"
RECEIVED = dt.date(2026, 11, 2)


@pytest.fixture
def sup(world: World) -> World:
    seed_rules()
    org.set_designated_contact(world.courts["a"], actor=None, contact=world.user("a.contact"))
    org.set_designated_contact(world.courts["b"], actor=None, contact=world.user("b.member"))
    for key in ("a", "b"):
        world.courts[key].refresh_from_db()
    return world


def api(world: World, name: str) -> APIClient:
    """A client authenticated only by the persona's API token (no session)."""
    user = world.user(name)
    token, _ = issue_token(user, actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def transition(client: APIClient, matter_id: int, action: str, **fields: Any) -> Any:
    return client.post(f"{MATTERS}{matter_id}/transition/", {"action": action, **fields}, format="json")


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content.decode())
    return response.json()


def register(world: World, *courts: str, **kw: Any) -> Matter:
    officer = world.user("city.officer")
    return services.register_matter(
        officer,
        services.MatterInput(
            title=kw.pop("title", "反映消极执行"),
            received_on=RECEIVED,
            sources=[services.SourceInput(SourceCategory.objects.get(item=6), "来信人", RECEIVED)],
            court_ids=[world.courts[c].pk for c in courts],
            officer=officer,
            **kw,
        ),
    )


def issued_letter(world: World, matter: Matter, court: str) -> Any:
    officer, director = world.user("city.officer"), world.user("city.director")
    if matter.state == MatterState.REVIEWING:
        services.decide_supervise(matter, officer, finding="passive", opinion="拖延")
    letter = services.draft_letter(
        matter, officer, court=world.courts[court], facts="问题", requirements="要求"
    )
    services.submit_letter(letter, officer)
    return services.approve_letter(letter, director)


# --- tokens and scoping ----------------------------------------------------------------------------


def test_token_auth_scopes_like_the_user(sup: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from zhijian.documents import services as docs

    in_a, in_b = register(sup, "a", title="甲院事项"), register(sup, "b", title="乙院事项")
    letter_a, letter_b = issued_letter(sup, in_a, "a"), issued_letter(sup, in_b, "b")
    monkeypatch.setattr(docs, "convert_to_pdf", lambda data: b"%PDF-1.4 test\n%%EOF\n")
    for letter in (letter_a, letter_b):
        docs.render_document(letter.document_id)

    anonymous = APIClient().get(MATTERS)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Token"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad.get(MATTERS).status_code == 401

    basic = api(sup, "a.director")
    rows = ok(basic.get(MATTERS))["results"]
    assert [r["number"] for r in rows] == [in_a.number]
    assert rows[0]["courts"] == [{"id": sup.courts["a"].pk, "name": "测试甲基层"}]
    assert ok(basic.get(f"{MATTERS}{in_a.pk}/"))["own_court"] == sup.courts["a"].pk
    missing = basic.get(f"{MATTERS}{in_b.pk}/")
    assert missing.status_code == 404 and "未找到" in missing.json()["detail"]
    assert transition(basic, in_b.pk, "approve_report", report=1).status_code == 404

    documents = ok(basic.get("/api/v1/documents/"))["results"]
    assert [d["id"] for d in documents] == [letter_a.document_id]
    assert documents[0]["formats"] == ["docx", "pdf"]
    download = basic.get(f"/api/v1/documents/{letter_a.document_id}/download/", {"format": "pdf"})
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")
    docx = basic.get(f"/api/v1/documents/{letter_a.document_id}/download/", {"format": "docx"})
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert (
        basic.get(f"/api/v1/documents/{letter_b.document_id}/download/", {"format": "pdf"}).status_code == 404
    )
    assert basic.get(f"/api/v1/documents/{letter_b.document_id}/").status_code == 404
    assert (
        basic.get(f"/api/v1/documents/{letter_a.document_id}/download/", {"format": "record"}).status_code
        == 404
    )

    # the other city sees neither; the supervising bureau sees both
    assert ok(api(sup, "x.director").get(MATTERS))["results"] == []
    assert ok(api(sup, "x.director").get("/api/v1/documents/"))["results"] == []
    city = api(sup, "city.leader")
    assert {r["number"] for r in ok(city.get(MATTERS))["results"]} == {in_a.number, in_b.number}
    assert {r["number"] for r in ok(city.get(MATTERS, {"court": sup.courts["b"].pk}))["results"]} == {
        in_b.number
    }
    assert ok(city.get(MATTERS, {"state": "concluded"}))["results"] == []
    assert ok(city.get(MATTERS, {"q": in_a.number}))["count"] == 1
    bad_date = city.get(MATTERS, {"from": "2026-02-30"})
    assert bad_date.status_code == 400 and "不是有效日期" in bad_date.json()["detail"]


def test_basic_court_sees_only_its_own_letters_and_timeline(sup: World) -> None:
    matter = register(sup, "a", "b")
    letter_a = issued_letter(sup, matter, "a")
    letter_b = issued_letter(sup, matter, "b")
    data = ok(api(sup, "a.contact").get(f"{MATTERS}{matter.pk}/"))
    assert [x["id"] for x in data["letters"]] == [letter_a.pk]
    assert data["letters"][0]["allowed_actions"] == ["sign_letter"]
    assert {"action": "sign_letter", "label": "签收", "letter": letter_a.pk} in data["allowed_actions"]
    assert {e["court"] for e in data["timeline"]} == {sup.courts["a"].pk}
    assert {d["court"]["id"] for d in data["deadlines"]} == {sup.courts["a"].pk}
    # the other court's letter cannot be acted on (404), not even named
    assert transition(api(sup, "a.contact"), matter.pk, "sign_letter", letter=letter_b.pk).status_code == 404
    city = ok(api(sup, "city.officer").get(f"{MATTERS}{matter.pk}/"))
    assert {x["id"] for x in city["letters"]} == {letter_a.pk, letter_b.pk}
    assert city["own_court"] is None


def test_complainant_numbers_are_masked(sup: World) -> None:
    matter = register(
        sup, "a", complainant_name="张三", complainant_id_number="220602198001011234",
        complainant_phone="13812345678",
    )  # fmt: skip
    data = ok(api(sup, "city.officer").get(f"{MATTERS}{matter.pk}/"))
    assert data["complainant_id_number"] == "220602********1234"
    assert data["complainant_phone"] == "138****5678"
    assert "198001011234" not in str(data) and "13812345678" not in str(data)


# --- registration --------------------------------------------------------------------------------


def new_matter(sup: World, **kw: Any) -> dict[str, Any]:
    return {
        "title": "反映甲基层法院消极执行",
        "received_on": RECEIVED.isoformat(),
        "sources": [{"category": 6, "body": "来信人"}],
        "courts": [sup.courts["a"].pk],
        **kw,
    }


def test_create_refuses_in_chinese_and_writes_nothing(sup: World) -> None:
    client, leader, contact = api(sup, "city.officer"), api(sup, "city.leader"), api(sup, "a.contact")
    before, events = Matter.objects.count(), AuditEvent.objects.count()
    response = client.post(MATTERS, new_matter(sup, case_numbers=["（2026）测0101民初1号"]), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "case_numbers" and "关联案号" in body["detail"] and "民初" in body["detail"]
    response = client.post(MATTERS, new_matter(sup, received_on="2026-13-01"), format="json")
    assert response.status_code == 400 and response.json()["field"] == "received_on"
    assert response.json()["detail"].startswith("收到日期：")
    response = client.post(MATTERS, new_matter(sup, sources=[{"category": 4, "body": "x"}]), format="json")
    assert response.status_code == 400 and "第三条" in response.json()["detail"]
    response = client.post(MATTERS, new_matter(sup, courts=[sup.courts["x"].pk]), format="json")
    assert response.status_code == 400 and "下级法院" in response.json()["detail"]
    # read-only leadership and basic courts may not register: 403 with the reason
    refused = leader.post(MATTERS, new_matter(sup), format="json")
    assert refused.status_code == 403 and "无权" in refused.json()["detail"]
    assert contact.post(MATTERS, new_matter(sup), format="json").status_code == 403
    assert Matter.objects.count() == before and AuditEvent.objects.count() == events


def test_create_warns_of_duplicates(sup: World) -> None:
    client = api(sup, "city.officer")
    first = ok(client.post(MATTERS, new_matter(sup, complainant_name="李四"), format="json"), 201)
    again = client.post(MATTERS, new_matter(sup, complainant_name="李四"), format="json")
    assert again.status_code == 400 and again.json()["field"] == "confirm_new"
    assert again.json()["duplicates"][0]["number"] == first["number"]
    ok(client.post(MATTERS, new_matter(sup, complainant_name="李四", confirm_new=True), format="json"), 201)


# --- the main path through the API ---------------------------------------------------------------


def test_main_path_through_the_api(sup: World) -> None:
    officer, director = api(sup, "city.officer"), api(sup, "city.director")
    contact, basic = api(sup, "a.contact"), api(sup, "a.director")
    created = officer.post(MATTERS, new_matter(sup, officer=sup.user("city.officer").pk), format="json")
    matter = ok(created, 201)
    mid = matter["id"]
    assert created["Location"] == f"{MATTERS}{mid}/"
    assert matter["state"] == "reviewing" and matter["number"].endswith("督0001")
    assert {d["purpose"] for d in matter["deadlines"]} == {"review", "conclude"}
    assert all(d["due_date"] and d["status"] == "open" for d in matter["deadlines"])
    assert {"decide_supervise", "propose_reply"} <= {a["action"] for a in matter["allowed_actions"]}

    matter = ok(transition(officer, mid, "decide_supervise", finding="passive", opinion="确有拖延"))
    assert matter["state"] == "supervising"
    matter = ok(
        transition(
            officer,
            mid,
            "draft_letter",
            court=sup.courts["a"].pk,
            facts="反映的问题",
            requirements="依法处理",
        )
    )
    letter = matter["letters"][0]["id"]
    assert matter["letters"][0]["allowed_actions"] == ["edit_letter", "submit_letter"]
    # the basic court does not see the draft
    assert ok(contact.get(f"{MATTERS}{mid}/"))["letters"] == []
    ok(transition(officer, mid, "submit_letter", letter=letter))
    refused = transition(officer, mid, "approve_letter", letter=letter)
    assert refused.status_code == 403 and "批准并签发" in refused.json()["detail"]
    pending = ok(director.get(f"{MATTERS}{mid}/"))
    assert {"action": "approve_letter", "label": "批准并签发", "letter": letter} in pending["allowed_actions"]
    matter = ok(transition(director, mid, "approve_letter", letter=letter))
    assert matter["letters"][0]["state"] == "issued" and "〔" in matter["letters"][0]["document"]["name"]

    ok(transition(contact, mid, "sign_letter", letter=letter))
    matter = ok(
        transition(contact, mid, "draft_report", letter=letter, mode="written", text="已依法采取措施")
    )
    report = matter["letters"][0]["reports"][0]["id"]
    assert matter["letters"][0]["reports"][0]["allowed_actions"] == ["edit_report", "submit_report"]
    ok(transition(contact, mid, "submit_report", report=report))
    assert transition(contact, mid, "approve_report", report=report).status_code == 403
    matter = ok(transition(basic, mid, "approve_report", report=report))
    assert matter["letters"][0]["reports"][0]["state"] == "submitted"

    matter = ok(transition(officer, mid, "accept_report", report=report, assessment="报告属实"))
    assert matter["state"] == "concluding"
    matter = ok(transition(officer, mid, "conclude", summary="督办完毕"))
    assert matter["state"] == "concluded"
    assert {a["action"] for a in matter["allowed_actions"]} == {"attach", "comment"}
    assert all(d["status"] in ("done", "late") for d in matter["deadlines"] if d["purpose"] != "source")
    actions = set(
        AuditEvent.objects.filter(action__startswith="supervision.").values_list("action", flat=True)
    )
    assert {
        "supervision.matter.register",
        "supervision.letter.approve",
        "supervision.matter.conclude",
    } <= actions


def test_refusals_and_double_approval(sup: World) -> None:
    officer, director = api(sup, "city.officer"), api(sup, "city.director")
    matter = register(sup, "a")
    missing = transition(officer, matter.pk, "decide_supervise", finding="passive", opinion="")
    assert missing.status_code == 400 and missing.json() == {"detail": "请填写审查意见。", "field": "opinion"}
    unknown = transition(officer, matter.pk, "launch")
    assert unknown.status_code == 400 and unknown.json()["field"] == "action"
    no_object = transition(officer, matter.pk, "submit_letter")
    assert no_object.status_code == 400 and no_object.json()["field"] == "letter"
    leader = transition(api(sup, "city.leader"), matter.pk, "comment", text="意见")
    assert leader.status_code == 403 and "无权" in leader.json()["detail"]
    assert transition(api(sup, "a.handler"), matter.pk, "comment", text="意见").status_code == 403
    # a basic court may not take the bureau's actions
    assert transition(api(sup, "a.director"), matter.pk, "comment", text="意见").status_code == 403

    ok(transition(officer, matter.pk, "decide_supervise", finding="passive", opinion="拖延"))
    letter = ok(
        transition(
            officer, matter.pk, "draft_letter", court=sup.courts["a"].pk, facts="问题", requirements="要求"
        )
    )["letters"][0]["id"]
    ok(transition(officer, matter.pk, "submit_letter", letter=letter))
    ok(transition(director, matter.pk, "approve_letter", letter=letter))
    second = transition(director, matter.pk, "approve_letter", letter=letter)
    assert second.status_code in (400, 409)
    assert "已由他人处理" in second.json()["detail"] or "不能批准并签发" in second.json()["detail"]
    assert AuditEvent.objects.filter(action="supervision.letter.approve").count() == 1


def test_lost_compare_and_swap_is_409(sup: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two directors approve at once: the state check passes for both, the UPDATE for one."""
    from zhijian.supervision.models import Letter, LetterState

    officer, director = api(sup, "city.officer"), api(sup, "city.director")
    matter = register(sup, "a")
    services.decide_supervise(matter, sup.user("city.officer"), finding="passive", opinion="拖延")
    letter = services.draft_letter(
        matter, sup.user("city.officer"), court=sup.courts["a"], facts="问题", requirements="要求"
    )
    services.submit_letter(letter, sup.user("city.officer"))
    real_check = services._check

    def other_director_first(*args: Any, **kw: Any) -> Any:
        row = real_check(*args, **kw)
        Letter.objects.filter(pk=letter.pk).update(state=LetterState.ISSUED)  # someone else, meanwhile
        return row

    monkeypatch.setattr(services, "_check", other_director_first)
    response = transition(director, matter.pk, "approve_letter", letter=letter.pk)
    assert response.status_code == 409 and "已由他人处理" in response.json()["detail"]
    assert not officer.get(f"{MATTERS}{matter.pk}/").json()["letters"][0]["document"]


# --- token page ----------------------------------------------------------------------------------


def test_token_page_creates_regenerates_and_revokes(sup: World) -> None:
    user = sup.user("a.contact")
    page = Client()
    page.force_login(user)
    assert page.get("/accounts/api-token/").status_code == 200
    created = page.post("/accounts/api-token/issue/")
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    key = Token.objects.get(user=user).key
    assert key in created.content.decode()
    assert key not in page.get("/accounts/api-token/").content.decode()  # shown once
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").json()["username"] == "a.contact"

    page.post("/accounts/api-token/issue/")  # regenerate: the old key stops working
    assert client.get("/api/v1/me/").status_code == 401
    new_key = Token.objects.get(user=user).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert client.get("/api/v1/me/").status_code == 200
    assert page.post("/accounts/api-token/revoke/").status_code == 302
    assert client.get("/api/v1/me/").status_code == 401
    actions = list(
        AuditEvent.objects.filter(action__startswith="api.token.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["api.token.create", "api.token.regenerate", "api.token.revoke"]
    assert all(
        new_key not in str(e.after) + str(e.before)
        for e in AuditEvent.objects.filter(action__startswith="api.")
    )


def test_admin_revokes_a_token_of_a_user_they_administer(sup: World) -> None:
    target = sup.user("a.contact")
    issue_token(target, actor=target)
    admin = Client()
    admin.force_login(sup.user("city.admin"))
    assert "a.contact" in admin.get("/accounts/api-token/").content.decode()
    url = f"/accounts/api-token/users/{target.pk}/revoke/"
    admin.post(url, {"reason": ""})
    assert Token.objects.filter(user=target).exists()  # a reason is required
    assert admin.post(url, {"reason": "人员调离"}).status_code == 302
    assert not Token.objects.filter(user=target).exists()
    other = Client()
    other.force_login(sup.user("x.admin"))
    assert other.post(url, {"reason": "x"}).status_code == 404
    assert AuditEvent.objects.get(action="api.token.revoke").reason == "人员调离"


def test_inactive_users_token_is_refused(sup: World) -> None:
    client = api(sup, "city.officer")
    type(sup.user("city.officer")).objects.filter(username="city.officer").update(is_active=False)
    assert client.get(MATTERS).status_code == 401


# --- schema --------------------------------------------------------------------------------------


def test_schema_lists_the_new_endpoints(sup: World) -> None:
    response = api(sup, "a.contact").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        "/api/v1/matters/",
        "/api/v1/matters/{id}/",
        "/api/v1/matters/{id}/transition/",
        "/api/v1/documents/",
        "/api/v1/documents/{id}/download/",
    } <= paths


def test_schema_generates_without_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, capsys.readouterr().err


@pytest.mark.django_db
def test_attachment_download_is_scoped_like_the_page(world: World) -> None:
    """A matter's attachment downloads with a token; another court's token gets 404."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhijian.supervision.models import Attachment

    from .test_supervision_flow import register

    seed_rules()
    matter = register(world, officer=world.user("city.officer"))
    services.add_attachments(
        matter, world.user("city.officer"), [SimpleUploadedFile("来信.pdf", b"%PDF-1.4\n%%EOF\n")]
    )
    attachment = Attachment.objects.get(matter=matter)
    Attachment.objects.filter(pk=attachment.pk).update(court=world.courts["a"])

    def get(username: str) -> Any:
        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=world.user(username))[0].key
        )
        return client.get(f"/api/v1/attachments/{attachment.pk}/download/")

    ok = get("city.officer")
    assert ok.status_code == 200 and ok.content.startswith(b"%PDF")
    assert get("a.contact").status_code == 200
    assert get("b.director").status_code == 404
    detail = APIClient()
    detail.force_authenticate(world.user("city.officer"))
    body = detail.get(f"/api/v1/matters/{matter.pk}/").json()
    assert body["attachments"][0]["download"] == f"/api/v1/attachments/{attachment.pk}/download/"
