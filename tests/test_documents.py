"""Official documents: numbering, issuing, void, record copies, templates (service level).

Rendering through LibreOffice and the page checks are in ``test_documents_render.py``; the pages
in ``test_documents_pages.py``.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from zhijian.audit.models import AuditEvent
from zhijian.core.exceptions import Conflict, ServiceError
from zhijian.documents import services
from zhijian.documents.choices import DocumentKind, DocumentStatus, RenderState
from zhijian.documents.models import DocumentTemplate, NumberCounter, OfficialDocument

from .conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """Service tests do not start LibreOffice: rendering is scheduled, not run."""
    monkeypatch.setattr(services, "_schedule_render", lambda doc_id: None)


def issue(world: World, *, kind: str = DocumentKind.SUPERVISION_LETTER, court: str = "city",
          to: str | None = "a", actor: str | None = "city.officer", **extra: Any) -> OfficialDocument:  # fmt: skip
    with transaction.atomic():
        return services.issue_document(
            actor=world.user(actor) if actor else None,
            kind=kind,
            issuing_court=world.courts[court],
            recipient_court=world.courts[to] if to else None,
            title=extra.pop("title", "关于督办案件的函"),
            context=extra.pop("context", {"paragraphs": ["正文。"], "deadline": dt.date(2026, 12, 15)}),
            owner=extra.pop("owner", world.courts[to or court]),
            addressee=extra.pop("addressee", "测试甲基层"),
            cc=extra.pop("cc", ["测试高院执行局"]),
        )


def on(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(services, "_today", lambda: day)


def test_numbers_are_sequential_per_court_kind_and_year(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    on(monkeypatch, dt.date(2026, 11, 28))
    first, second = issue(world), issue(world)
    assert (first.seq, second.seq) == (1, 2)
    assert first.number == "测中法执督〔2026〕1号"
    assert second.number == "测中法执督〔2026〕2号"
    # another kind has its own sequence, with its own mark
    reply = issue(world, kind=DocumentKind.FILE_REQUEST)
    assert (reply.seq, reply.number) == (1, "测中法执调〔2026〕1号")
    # another issuing court too
    other = issue(world, court="x_city", to="x", actor="x.director")
    assert other.number == "测中法执督〔2026〕1号"  # same derived organ code (测试外市中院): editable
    # a new year starts at 1
    on(monkeypatch, dt.date(2027, 1, 4))
    assert issue(world).number == "测中法执督〔2027〕1号"
    on(monkeypatch, dt.date(2026, 12, 31))
    assert issue(world).seq == 3


def test_issue_stores_the_document_and_audits_it(world: World) -> None:
    doc = issue(world)
    assert doc.status == DocumentStatus.ISSUED
    assert doc.render_state == RenderState.PENDING
    assert doc.issued_by == world.user("city.officer")
    assert doc.owner == world.courts["a"]
    assert doc.cc == ["测试高院执行局"]
    assert doc.context["deadline"] == "2026-12-15"  # dates stored as JSON
    assert doc.template.is_default and doc.template.version == 1
    event = AuditEvent.objects.get(action="documents.issue")
    assert event.after["number"] == doc.number
    assert event.court_id == world.courts["city"].pk


def test_a_rolled_back_issue_leaves_no_gap(world: World) -> None:
    issue(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(world)
        raise RuntimeError("the caller's transaction fails")
    assert issue(world).seq == 2
    assert NumberCounter.objects.get().last_seq == 2


def test_void_keeps_the_number_and_the_next_is_not_reused(world: World) -> None:
    first = issue(world)
    with pytest.raises(PermissionDenied):
        services.void_document(first, actor=world.user("city.officer"), reason="错误")
    with pytest.raises(PermissionDenied):  # a director of another court
        services.void_document(first, actor=world.user("x.director"), reason="错误")
    with pytest.raises(ServiceError):
        services.void_document(first, actor=world.user("city.director"), reason=" ")
    voided = services.void_document(first, actor=world.user("city.director"), reason="主送单位有误")
    assert voided.status == DocumentStatus.VOID
    assert voided.number == first.number and voided.void_reason == "主送单位有误"
    assert voided.void_by == world.user("city.director")
    with pytest.raises(Conflict):
        services.void_document(voided, actor=world.user("city.admin"), reason="再次")
    assert issue(world).seq == 2
    assert AuditEvent.objects.filter(action="documents.void", reason="主送单位有误").exists()


def test_only_writers_of_the_issuing_court_issue(world: World) -> None:
    with pytest.raises(PermissionDenied):
        issue(world, actor="a.director")  # a basic court cannot issue in the city court's name
    with pytest.raises(PermissionDenied):
        issue(world, actor="city.leader")  # read-only
    assert issue(world, actor=None).issued_by is None  # the system


def test_scheme_is_configuration_and_the_sequence_continues(world: World) -> None:
    city = world.courts["city"]
    assert issue(world).seq == 1
    services.save_scheme(actor=world.user("city.admin"), court=city, kind=DocumentKind.SUPERVISION_LETTER,
                         organ_code="测城法", type_mark="执监")  # fmt: skip
    doc = issue(world)
    assert doc.number == f"测城法执监〔{doc.year}〕2号"
    with pytest.raises(ServiceError):
        services.save_scheme(actor=world.user("city.admin"), court=city, kind=DocumentKind.SUPERVISION_LETTER,
                             organ_code="测城法", type_mark="执监", pattern="{organ}{mark}{year}")  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.save_scheme(actor=world.user("x.admin"), court=city, kind=DocumentKind.SUPERVISION_LETTER,
                             organ_code="X", type_mark="Y")  # fmt: skip
    assert AuditEvent.objects.filter(action="documents.scheme.update").count() == 1


def test_default_organ_codes(world: World) -> None:
    from zhijian.org.models import Court, CourtLevel

    level = CourtLevel.objects.get(code="intermediate")
    baishan = Court(name="吉林省白山市中级人民法院", short_name="白山中院", code="吉06", level=level)
    assert services.default_organ_code(baishan) == "白中法"
    basic = Court(name="白山市浑江区人民法院", short_name="浑江区法院", code="吉0602",
                  level=CourtLevel.objects.get(code="basic"))  # fmt: skip
    assert services.default_organ_code(basic) == "浑江法"


def test_visible_to_issuing_or_recipient_court(world: World) -> None:
    to_a = issue(world, to="a")
    to_b = issue(world, to="b")
    reply = issue(world, kind=DocumentKind.REPLY_LETTER, court="a", to="city", actor="a.director")
    seen = {name: set(OfficialDocument.objects.visible_to(world.user(name)).values_list("pk", flat=True))
            for name in ("a.contact", "b.director", "city.officer", "x.director")}  # fmt: skip
    assert seen["a.contact"] == {to_a.pk, reply.pk}
    assert seen["b.director"] == {to_b.pk}
    assert seen["city.officer"] == {to_a.pk, to_b.pk, reply.pk}
    assert seen["x.director"] == set()


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_record_copy_sniffed_by_content(world: World, settings: Any) -> None:
    doc = issue(world)
    with pytest.raises(ServiceError, match="PDF、JPEG 或 PNG"):
        services.upload_record_copy(doc, actor=world.user("city.officer"),
                                    uploaded_file=SimpleUploadedFile("scan.pdf", b"not a pdf at all"))  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.upload_record_copy(doc, actor=world.user("a.director"),
                                    uploaded_file=SimpleUploadedFile("scan.png", png_bytes()))  # fmt: skip
    settings.ZHIJIAN_RECORD_COPY_MAX_MB = 1
    with pytest.raises(ServiceError, match="过大"):
        big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1)
        services.upload_record_copy(doc, actor=world.user("city.officer"),
                                    uploaded_file=SimpleUploadedFile("big.pdf", big))  # fmt: skip
    stored = services.upload_record_copy(doc, actor=world.user("city.officer"),
                                         uploaded_file=SimpleUploadedFile("盖章件.jpg", png_bytes()))  # fmt: skip
    assert stored.record_path.endswith(".png")  # the content decides, not the name
    assert stored.record_name == "盖章件.jpg"
    assert len(stored.record_sha256) == 64
    assert AuditEvent.objects.filter(action="documents.record_copy").count() == 1
    voided = services.void_document(stored, actor=world.user("city.director"), reason="作废")
    with pytest.raises(ServiceError, match="已作废"):
        services.upload_record_copy(voided, actor=world.user("city.officer"),
                                    uploaded_file=SimpleUploadedFile("scan.png", png_bytes()))  # fmt: skip


def test_template_upload_is_validated_in_chinese(world: World) -> None:
    admin = world.user("city.admin")
    with pytest.raises(ServiceError, match="只能上传 Word 文档"):
        services.upload_template(actor=admin, kind=DocumentKind.SUPERVISION_LETTER,
                                 uploaded_file=SimpleUploadedFile("模板.pdf", b"%PDF-1.4"))  # fmt: skip
    with pytest.raises(ServiceError, match="不是有效的 Word"):
        services.upload_template(actor=admin, kind=DocumentKind.SUPERVISION_LETTER,
                                 uploaded_file=SimpleUploadedFile("模板.docx", b"plain text"))  # fmt: skip
    with pytest.raises(ServiceError, match="另存为"):
        services.upload_template(actor=admin, kind=DocumentKind.SUPERVISION_LETTER,
                                 uploaded_file=SimpleUploadedFile("模板.doc", b"\xd0\xcf\x11\xe0"))  # fmt: skip
    from docx import Document

    def docx_with(text: str) -> bytes:
        d = Document()
        d.add_paragraph(text)
        out = io.BytesIO()
        d.save(out)
        return out.getvalue()

    with pytest.raises(ServiceError, match="缺少必需的占位符"):
        services.upload_template(actor=admin, kind=DocumentKind.SUPERVISION_LETTER,
                                 uploaded_file=SimpleUploadedFile("模板.docx", docx_with("{{ title }}")))  # fmt: skip
    with pytest.raises(ServiceError, match="有错误"):
        services.upload_template(actor=admin, kind=DocumentKind.SUPERVISION_LETTER,
                                 uploaded_file=SimpleUploadedFile("模板.docx", docx_with("{{ number }}{{ title }}{% if %}")))  # fmt: skip
    good = docx_with("{{ number }} {{ title }} {{ issuer_name }}")
    template = services.upload_template(actor=admin, kind=DocumentKind.SUPERVISION_LETTER,
                                        uploaded_file=SimpleUploadedFile("新模板.docx", good), note="测试")  # fmt: skip
    assert template.version == 2 and template.active
    assert (
        DocumentTemplate.objects.filter(kind=DocumentKind.SUPERVISION_LETTER, active=True).get() == template
    )
    assert not DocumentTemplate.objects.get(kind=DocumentKind.SUPERVISION_LETTER, version=1).active
    doc = issue(world)
    assert doc.template == template
    services.activate_template(actor=admin, template=DocumentTemplate.objects.get(kind=doc.kind, version=1))
    assert issue(world).template.version == 1
    assert OfficialDocument.objects.get(pk=doc.pk).template.version == 2  # documents keep theirs


def test_preview_is_a_draft_and_stores_nothing(world: World) -> None:
    from docx import Document

    data = services.render_preview(kind=DocumentKind.SUPERVISION_LETTER, issuing_court=world.courts["city"],
                                   context={"paragraphs": ["预览正文。"]}, title="预览标题", addressee="测试甲基层")  # fmt: skip
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    header = "\n".join(p.text for p in Document(io.BytesIO(data)).sections[0].header.paragraphs)
    assert "测中法执督〔　　〕号" in text
    assert "预览标题" in text and "预览正文。" in text
    assert "草稿" in header
    assert not OfficialDocument.objects.exists()
    assert not NumberCounter.objects.exists()
