"""The permission matrix: every named URL × every persona × objects in every court.

The URL list comes from the resolver, so a new URL without an access declaration — or with an
object kind this file cannot build — fails here. Expected outcomes are computed from the
literal visibility table below, never from the scoping code under test.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from zhijian.audit.models import AuditEvent
from zhijian.audit.services import record
from zhijian.core.access import AccessRule

from .conftest import PERSONAS, World

# Which test courts each persona may see and act for (by design, written out by hand).
CITY_SUBTREE = {"city", "a", "b"}
VISIBLE: dict[str, set[str]] = {
    "city.officer": CITY_SUBTREE,
    "city.director": CITY_SUBTREE,
    "city.evaluator": CITY_SUBTREE,
    "city.leader": CITY_SUBTREE,
    "city.president": CITY_SUBTREE,
    "city.admin": CITY_SUBTREE,
    "a.contact": {"a"},
    "a.director": {"a"},
    "a.handler": {"a"},
    "b.director": {"b"},
    "x.director": {"x_city", "x"},
    "x.admin": {"x_city", "x"},
}
WRITABLE: dict[str, set[str]] = {**VISIBLE, "city.leader": set()}
# Names that must never appear on a page a persona sees: every court except its visible ones
# and the courts above it in the supervision chain (e.g. "监督法院：测试城中院" on a basic
# court's page is fine; the other city's court must never appear there, nor ours on theirs).
SUPERVISION_CHAIN = {"city": {"high"}, "a": {"city", "high"}, "b": {"city", "high"}, "x_city": {"high"}}
FORBIDDEN: dict[str, set[str]] = {
    name: {"high", "city", "a", "b", "x_city", "x"}
    - VISIBLE[name]
    - set().union(*(SUPERVISION_CHAIN.get(c, set()) for c in VISIBLE[name]))
    for name in PERSONAS
}
ALL_COURTS = ["high", "city", "a", "b", "x_city", "x"]

EXCLUDED_NAMESPACES = {"admin"}  # the Django admin: tests/test_admin.py


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, full)
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield namespace, name, entry


def named_urls() -> list[tuple[str, URLPattern]]:
    result = []
    for namespace, name, pattern in _walk(get_resolver().url_patterns):
        if namespace.split(":")[0] in EXCLUDED_NAMESPACES:
            continue
        result.append((name, pattern))
    return result


def rule_of(pattern: URLPattern) -> AccessRule | None:
    callback = pattern.callback
    rule = getattr(callback, "zhijian_access", None)
    if rule is None:
        rule = getattr(getattr(callback, "view_class", None), "zhijian_access", None)
    if rule is None:
        rule = getattr(getattr(callback, "cls", None), "zhijian_access", None)
    return rule


def test_every_url_is_named_and_declares_its_access() -> None:
    problems = []
    for name, pattern in named_urls():
        if not name:
            problems.append(f"unnamed URL pattern: {pattern.pattern}")
        elif rule_of(pattern) is None:
            problems.append(f"{name}: no access declaration (@view_access or zhijian_access)")
    assert not problems, "\n".join(problems)


# --- object builders: one per object kind ------------------------------------------------------


def build_court(world: World, key: str) -> Any:
    return world.courts[key]


def build_user(world: World, key: str) -> Any:
    return world.users[f"{key}.member"]


def build_audit_event(world: World, key: str) -> Any:
    return record("org.court.update", actor=None, target=world.courts[key], reason="矩阵测试")


def build_deadline(world: World, key: str) -> Any:
    import datetime as dt

    from zhijian.legaltime.services import create_deadline

    return create_deadline(
        actor=None,
        title=f"期限-{key}",
        court=world.courts[key],
        start_date=dt.date(2026, 9, 28),
        length=5,
        unit="days",
    )


def build_rule(world: World, key: str) -> Any:
    from zhijian.legaltime.models import TimeLimitRule
    from zhijian.legaltime.services import seed_rules

    seed_rules()
    return TimeLimitRule.objects.get(code="SUP_LETTER", effective_to__isnull=True)


def build_case(world: World, key: str) -> Any:
    from zhijian.cases.models import EnforcementCase

    court = world.courts[key]
    number = f"（2026）{court.code}执{court.pk}号"
    case, _ = EnforcementCase.objects.get_or_create(
        number=number,
        defaults={"year": 2026, "court": court, "type_code": "执", "seq": court.pk, "status": "open",
                  "filed_on": __import__("datetime").date(2026, 3, 2),
                  "limit_due": __import__("datetime").date(2026, 9, 2)},
    )  # fmt: skip
    return case


def build_party(world: World, key: str) -> Any:
    from zhijian.cases.models import CaseParty

    party, _ = CaseParty.objects.get_or_create(
        case=build_case(world, key), role="respondent", name=f"当事人-{key}",
        defaults={"id_number": "220602198001011234", "phone": "13812345678"},
    )  # fmt: skip
    return party


def build_person(world: World, key: str) -> Any:
    from zhijian.org.models import Person

    person, _ = Person.objects.get_or_create(court=world.courts[key], name=f"承办人-{key}")
    return person


def build_case_import(world: World, key: str) -> Any:
    """An import by a user of the court, refused with a row error (the detail lists it)."""
    from zhijian.cases.models import CaseImport

    return CaseImport.objects.create(
        file_name=f"导入-{key}.csv",
        sha256="0" * 64,
        actor=world.users[f"{key}.member"],
        court=world.courts[key],
        state=CaseImport.State.REFUSED,
        rows=1,
        rejected=1,
        errors=[{"line": 2, "column": "立案日期", "value": "2026-02-30", "reason": "日期不存在"}],
    )


def build_document(world: World, key: str) -> Any:
    """A rendered document issued by the court (no recipient), with small stand-in files."""
    from zhijian.documents import services as doc_services
    from zhijian.documents import storage
    from zhijian.documents.models import OfficialDocument

    court = world.courts[key]
    kind = "sup_letter"
    docx, pdf = storage.new_name("matrix", key, ".docx"), storage.new_name("matrix", key, ".pdf")
    from docx import Document

    word, data = Document(), io.BytesIO()
    word.add_paragraph(f"公文-{key} {court.name}")
    word.save(data)
    storage.write(docx, data.getvalue())
    storage.write(pdf, b"%PDF-1.4 matrix")
    return OfficialDocument.objects.create(
        kind=kind, issuing_court=court, year=2026, seq=court.pk, number=f"矩阵〔2026〕{court.pk}号",
        title=f"公文-{key}", template=doc_services.active_template(kind),
        issued_on=__import__("datetime").date(2026, 11, 28), render_state="rendered",
        docx_path=docx, pdf_path=pdf, record_path=pdf, record_name="scan.pdf",
    )  # fmt: skip


def build_matter(world: World, key: str) -> Any:
    """A supervision matter about court ``key``, supervised by the court above it (a court with
    none supervises its own matter), with an issued letter and an attachment of that court."""
    import datetime as dt

    from zhijian.supervision.models import Attachment, Letter, LetterState, Matter, MatterCourt

    court = world.courts[key]
    supervising = court.supervisor or court
    user = world.user(f"{key}.member")
    matter = Matter.objects.create(
        number=f"M-{key}-{Matter.objects.count() + 1}", title=f"事项-{key}", supervising_court=supervising,
        received_on=dt.date(2026, 11, 2), registered_by=user,
    )  # fmt: skip
    if court.supervisor is not None:
        MatterCourt.objects.create(matter=matter, court=court)
    Letter.objects.create(matter=matter, court=court, facts="问题", requirements="要求", drafted_by=user,
                          state=LetterState.ISSUED)  # fmt: skip
    from zhijian.supervision.services import attachment_dir

    path = attachment_dir() / str(matter.pk) / "a.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    Attachment.objects.create(matter=matter, court=court, name="a.pdf", content_type="application/pdf", size=1,
                              sha256="0" * 64, path=f"{matter.pk}/a.pdf", uploaded_by=user)  # fmt: skip
    return matter


def build_letter(world: World, key: str) -> Any:
    return build_matter(world, key).letters.get()


def build_attachment(world: World, key: str) -> Any:
    return build_matter(world, key).attachments.get()


def build_measure(world: World, key: str) -> Any:
    """An issued 督促执行令 of the matter about court ``key``."""
    import datetime as dt

    from zhijian.supervision.models import Measure, MeasureState, MeasureType

    matter = build_matter(world, key)
    return Measure.objects.create(
        matter=matter, type=MeasureType.objects.get(code="order"), court=world.courts[key], facts=f"措施-{key}",
        state=MeasureState.ISSUED, drafted_by=matter.registered_by, issued_on=dt.date(2026, 11, 2),
    )  # fmt: skip


OBJECT_BUILDERS: dict[str, Callable[[World, str], Any]] = {
    "matter": build_matter,
    "measure": build_measure,
    "letter": build_letter,
    "attachment": build_attachment,
    "document": build_document,
    "case": build_case,
    "case_import": build_case_import,
    "party": build_party,
    "person": build_person,
    "court": build_court,
    "user": build_user,
    "audit_event": build_audit_event,
    "deadline": build_deadline,
    "rule": build_rule,
}
# URL arguments other than the object's pk, with a value valid for every object.
EXTRA_KWARGS = {
    "field": "id_number",  # cases:party_reveal
    "action": "comment",  # supervision:action (refused as incomplete: 400, never 403/404 when allowed)
    "step": "sign_letter",  # supervision:court_action
}
# Kinds that belong to no court (reference data): visible to every signed-in user.
GLOBAL_KINDS = {"rule"}


def url_params() -> list[Any]:
    return [pytest.param(name, id=name) for name, _ in named_urls() if name]


def pattern_for(name: str) -> URLPattern:
    return dict(named_urls())[name]


# Administrators of the installation's home court (ZHIJIAN_HOME_COURTS includes 测01).
SYSTEM_ADMINS = {"city.admin"}


def expected_status(persona: str, rule: AccessRule, court_key: str | None, world: World) -> set[int]:
    roles = set(PERSONAS[persona][1])
    if rule.roles is not None and not (roles & rule.roles):
        return {403}
    if rule.write and persona == "city.leader":
        return {403}
    if rule.system and persona not in SYSTEM_ADMINS:
        return {403}
    if court_key is not None and court_key not in VISIBLE[persona]:
        return {404}
    if rule.write and court_key is not None and court_key not in WRITABLE[persona]:
        return {403}
    return {200}


def response_text(response: Any) -> str:
    """Page text, or the text of a downloaded XLSX/CSV export."""
    if not response.get("Content-Disposition"):
        return str(response.content.decode())
    if "wordprocessingml" in response["Content-Type"]:  # a Word document (公文)
        from docx import Document

        return "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    if response["Content-Type"].startswith(("application/pdf", "image/")):
        return ""  # binary: a rendered letter or a scan (their text is checked in test_documents*)
    if "wordprocessingml" in response["Content-Type"]:
        from docx import Document

        return "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            " ".join(str(v) for v in row if v is not None)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
        )
    return str(response.content.decode("utf-8-sig"))


def check_no_leak(persona: str, content: str, world: World, url: str) -> None:
    for key in FORBIDDEN[persona]:
        court = world.courts[key]
        assert court.name not in content, f"{persona} sees {court.name} on {url}"
        assert f"成员-{key}" not in content, f"{persona} sees a user of {court.name} on {url}"
        assert f"期限-{key}<" not in content, f"{persona} sees a deadline of {court.name} on {url}"
        assert f"（2026）{court.code}执{court.pk}号" not in content, (
            f"{persona} sees a case of {court.name} on {url}"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", url_params())
def test_matrix(url_name: str, world: World, client: Any) -> None:
    pattern = pattern_for(url_name)
    rule = rule_of(pattern)
    assert rule is not None
    kwargs_names = set(pattern.pattern.regex.groupindex)
    assert kwargs_names <= {"pk", *EXTRA_KWARGS}, (
        f"{url_name}: teach this test to build kwargs {kwargs_names}"
    )
    extra = {name: EXTRA_KWARGS[name] for name in kwargs_names - {"pk"}}
    needs_object = "pk" in kwargs_names
    if needs_object:
        assert rule.obj in OBJECT_BUILDERS, f"{url_name}: declare obj= with a kind this test can build"

    from zhijian.cases.scans import run_scans

    for key in ALL_COURTS:  # something of every court on the list pages, for the leak check
        build_deadline(world, key)
        build_case(world, key)
    run_scans()  # overdue cases of every court become candidates
    targets: list[tuple[str | None, str]] = []
    if needs_object:
        builder = OBJECT_BUILDERS[rule.obj]  # type: ignore[index]
        keys = ["city"] if rule.obj in GLOBAL_KINDS else ALL_COURTS
        for key in keys:
            court_key = None if rule.obj in GLOBAL_KINDS else key
            targets.append((court_key, reverse(url_name, kwargs={"pk": builder(world, key).pk, **extra})))
    else:
        targets.append((None, reverse(url_name, kwargs=extra or None)))

    # Anonymous visitors are sent to the login page (or refused by the API).
    def fetch(url: str, data: dict[str, str] | None = None) -> Any:
        return client.post(url, data or {}) if rule.post_only else client.get(url, data or {})

    for _, url in targets:
        if rule.post_only:
            assert client.get(url).status_code == 405, f"{url} must refuse GET"
        response = fetch(url)
        if rule.public:
            assert response.status_code in (200, 301, 302), url
        else:
            assert response.status_code in (302, 401, 403), f"anonymous got {response.status_code} on {url}"
            if response.status_code == 302:
                assert reverse("accounts:login") in response["Location"]

    for persona in PERSONAS:
        if rule.public:
            continue
        client.force_login(world.user(persona))
        for court_key, url in targets:
            expected = expected_status(persona, rule, court_key, world)
            if not rule.post_only:  # list pages unfiltered too: a search may hide what a page leaks
                plain = client.get(url)
                if plain.status_code == 200:
                    check_no_leak(persona, response_text(plain), world, url)
            response = fetch(url, {"q": "测试"})
            if rule.post_only and expected == {200}:
                # 400: allowed, but the (empty) form was refused with a Chinese message
                expected = {200, 204, 302, 400}
            assert response.status_code in expected, (
                f"{persona} GET {url_name} on {court_key}: {response.status_code}, expected {expected}"
            )
            if response.status_code == 200:
                check_no_leak(persona, response_text(response), world, url)
            if rule.write and not rule.post_only:
                before = AuditEvent.objects.count()
                post = client.post(url, {})
                post_expected = expected if expected != {200} else {200, 302}
                assert post.status_code in post_expected, (
                    f"{persona} POST {url_name} on {court_key}: {post.status_code}, expected {post_expected}"
                )
                if post.status_code in (403, 404):
                    assert AuditEvent.objects.count() == before, "a refused POST changed something"
        client.logout()
