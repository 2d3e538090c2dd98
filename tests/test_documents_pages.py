"""Document pages: scoping of downloads, void / record copy / re-render buttons, the template and
numbering pages of system administrators."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from zhijian.documents import services, storage
from zhijian.documents.choices import DocumentKind, DocumentStatus, RenderState
from zhijian.documents.models import DocumentTemplate, NumberingScheme, OfficialDocument

from .conftest import World

pytestmark = pytest.mark.django_db


def rendered(
    world: World, *, court: str = "city", to: str | None = "a", actor: str = "city.officer"
) -> OfficialDocument:
    """An issued document with stand-in files (LibreOffice is exercised in test_documents_render)."""
    original = services._schedule_render
    services._schedule_render = lambda doc_id: None  # type: ignore[assignment]
    try:
        with transaction.atomic():
            doc = services.issue_document(
                actor=world.user(actor), kind=DocumentKind.SUPERVISION_LETTER, issuing_court=world.courts[court],
                recipient_court=world.courts[to] if to else None, title="关于督办案件的函",
                context={"paragraphs": ["正文"], "deadline": dt.date(2026, 12, 15)}, owner=world.courts[court],
            )  # fmt: skip
    finally:
        services._schedule_render = original  # type: ignore[assignment]
    docx, pdf = storage.new_name("t", "d", ".docx"), storage.new_name("t", "d", ".pdf")
    storage.write(
        docx, services.render_preview(kind=doc.kind, issuing_court=doc.issuing_court, context={}, title="T")
    )
    storage.write(pdf, b"%PDF-1.4 test")
    OfficialDocument.objects.filter(pk=doc.pk).update(
        render_state=RenderState.RENDERED, docx_path=docx, pdf_path=pdf
    )
    doc.refresh_from_db()
    return doc


def test_downloads_are_scoped(world: World, client: Any) -> None:
    to_a = rendered(world, to="a")
    for name in ("documents:document_detail", "documents:document_docx", "documents:document_pdf"):
        url = reverse(name, args=[to_a.pk])
        client.force_login(world.user("a.contact"))  # addressed to A: visible
        assert client.get(url).status_code == 200, name
        client.force_login(world.user("b.director"))  # another basic court: 404, not 403
        assert client.get(url).status_code == 404, name
        client.force_login(world.user("x.director"))  # another city
        assert client.get(url).status_code == 404, name
    client.force_login(world.user("a.contact"))
    response = client.get(reverse("documents:document_pdf", args=[to_a.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response) == b"%PDF-1.4 test"
    assert client.get(reverse("documents:document_record", args=[to_a.pk])).status_code == 404  # none yet
    listing = client.get(reverse("documents:document_list")).content.decode()
    assert to_a.number in listing
    client.force_login(world.user("b.director"))
    assert to_a.number not in client.get(reverse("documents:document_list")).content.decode()


def test_pending_document_has_no_download(world: World, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "_schedule_render", lambda doc_id: None)
    with transaction.atomic():
        doc = services.issue_document(actor=None, kind=DocumentKind.REMINDER, issuing_court=world.courts["city"],
                                      recipient_court=world.courts["a"], title="催办", context={}, owner=world.courts["a"])  # fmt: skip
    client.force_login(world.user("city.officer"))
    assert client.get(reverse("documents:document_pdf", args=[doc.pk])).status_code == 404
    assert "正在后台生成" in client.get(reverse("documents:document_detail", args=[doc.pk])).content.decode()


def test_void_and_record_copy_through_the_page(world: World, client: Any) -> None:
    doc = rendered(world)
    detail = reverse("documents:document_detail", args=[doc.pk])
    client.force_login(world.user("city.officer"))
    page = client.get(detail).content.decode()
    assert "上传存档件" in page and "作废原因" not in page  # officers upload, only directors void
    response = client.post(reverse("documents:document_record_upload", args=[doc.pk]),
                           {"file": SimpleUploadedFile("scan.pdf", b"GIF89a not allowed")}, follow=True)  # fmt: skip
    assert "存档件只能是 PDF、JPEG 或 PNG 格式的扫描件。" in response.content.decode()
    client.post(reverse("documents:document_record_upload", args=[doc.pk]),
                {"file": SimpleUploadedFile("盖章件.pdf", b"%PDF-1.7 scan")})  # fmt: skip
    doc.refresh_from_db()
    assert doc.record_name == "盖章件.pdf"
    record = client.get(reverse("documents:document_record", args=[doc.pk]))
    assert record.status_code == 200 and record.content == b"%PDF-1.7 scan"

    client.post(reverse("documents:document_void", args=[doc.pk]), {"reason": "无权"})
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.ISSUED  # refused: an officer
    client.force_login(world.user("city.director"))
    assert "作废原因" in client.get(detail).content.decode()
    response = client.post(
        reverse("documents:document_void", args=[doc.pk]), {"reason": "主送有误"}, follow=True
    )
    assert "文号保留" in response.content.decode()
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.VOID and doc.void_reason == "主送有误"


def test_rerender_button_only_for_failed(world: World, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = rendered(world)
    client.force_login(world.user("city.officer"))
    assert "重新生成" not in client.get(reverse("documents:document_detail", args=[doc.pk])).content.decode()
    OfficialDocument.objects.filter(pk=doc.pk).update(
        render_state=RenderState.FAILED, render_error="转换失败（测试）"
    )
    page = client.get(reverse("documents:document_detail", args=[doc.pk])).content.decode()
    assert "转换失败（测试）" in page and "重新生成" in page
    monkeypatch.setattr(services, "_schedule_render", lambda doc_id: None)
    client.post(reverse("documents:document_rerender", args=[doc.pk]))
    doc.refresh_from_db()
    assert doc.render_state == RenderState.PENDING and doc.number.endswith("1号")


def test_template_page_rejects_a_non_docx_in_chinese(world: World, client: Any) -> None:
    client.force_login(world.user("city.admin"))
    page = client.get(reverse("documents:templates")).content.decode()
    assert "督办函" in page and "系统默认" in page
    response = client.post(reverse("documents:template_upload"),
                           {"kind": "sup_letter", "file": SimpleUploadedFile("模板.docx", b"%PDF-1.4 no")})  # fmt: skip
    assert response.status_code == 200
    assert "文件不是有效的 Word 文档（.docx）" in response.content.decode()
    assert DocumentTemplate.objects.filter(kind="sup_letter").count() == 1
    download = client.get(reverse("documents:template_download") + "?kind=sup_letter")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    response = client.post(reverse("documents:template_upload"),
                           {"kind": "sup_letter", "note": "原样", "file": SimpleUploadedFile("督办函.docx", download.content)})  # fmt: skip
    assert response.status_code == 302
    assert DocumentTemplate.objects.get(kind="sup_letter", active=True).version == 2
    client.post(reverse("documents:template_activate"), {"kind": "sup_letter", "version": "1"})
    assert DocumentTemplate.objects.get(kind="sup_letter", active=True).version == 1
    client.force_login(world.user("x.admin"))  # an administrator of another city: not system-wide
    assert client.get(reverse("documents:templates")).status_code == 403


def test_numbering_page(world: World, client: Any) -> None:
    client.force_login(world.user("city.admin"))
    city = world.courts["city"]
    page = client.get(reverse("documents:numbering") + f"?court={city.pk}&kind=sup_letter").content.decode()
    assert "测中法执督〔2026〕1号" in page and 'value="测中法"' in page
    response = client.post(reverse("documents:numbering"), {"court": city.pk, "kind": "sup_letter",
                           "organ_code": "测城法", "type_mark": "执督", "pattern": "{organ}{mark}〔{year}〕{seq}号"})  # fmt: skip
    assert response.status_code == 302
    assert NumberingScheme.objects.get(issuing_court=city, kind="sup_letter").organ_code == "测城法"
    response = client.post(reverse("documents:numbering"), {"court": city.pk, "kind": "reminder",
                           "organ_code": "测城法", "type_mark": "执督", "pattern": "{organ}{mark}〔{year}〕{seq}号"})  # fmt: skip
    assert "共用同一代字会出现相同的文号" in response.content.decode()
