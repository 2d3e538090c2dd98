"""Rendering through docxtpl and LibreOffice, and the automatic page checks of the PDF.

LibreOffice (``soffice``) and poppler (``pdftotext``, ``pdftoppm``, ``pdffonts``) are system
packages (``make setup``). Without them these tests are skipped on a developer's machine and
**fail** under ``CI=true``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from zhijian.audit.models import AuditEvent
from zhijian.documents import rendering, services, storage
from zhijian.documents.choices import DocumentKind, RenderState
from zhijian.documents.models import OfficialDocument
from zhijian.documents.rendering import RenderError

from .conftest import World

pytestmark = pytest.mark.django_db
TOOLS = ("soffice", "pdftotext", "pdftoppm", "pdffonts", "pdfinfo")


@pytest.fixture
def office() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"missing system programs: {', '.join(missing)} (make setup installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


CONTEXT = {
    "paragraphs": [
        "你院办理的申请执行人张某与被执行人李某买卖合同纠纷一案，申请执行人反映该案久拖未结。"
        "根据《最高人民法院关于执行案件督办工作的规定（试行）》的规定，本院决定对该案进行督办。",
        "请你院认真核查案件执行情况，依法及时采取执行措施。",
    ],
    "cases": [{"number": "（2026）测0101执123号", "court": "测试甲基层", "note": "久拖未结"}],
    "deadline": dt.date(2026, 12, 15),
}


def issue(world: World, capture: Any, **extra: Any) -> OfficialDocument:
    with capture(execute=True), transaction.atomic():
        doc = services.issue_document(
            actor=world.user("city.officer"),
            kind=extra.pop("kind", DocumentKind.SUPERVISION_LETTER),
            issuing_court=world.courts["city"],
            recipient_court=world.courts["a"],
            title=extra.pop("title", "关于督办案件的函"),
            context=extra.pop("context", CONTEXT),
            owner=world.courts["a"],
            addressee="测试甲基层",
            cc=["测试高院执行局", "测试检察院"],
            number=extra.pop("number", ""),
        )
    doc.refresh_from_db()
    return doc


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def read_ppm(path: Path) -> tuple[int, int, bytes]:
    """Width, height and RGB bytes of a binary PPM (P6) as pdftoppm writes it."""
    data = path.read_bytes()
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert header, "not a PPM"
    width, height = int(header.group(1)), int(header.group(2))
    return width, height, data[header.end() :]


def red_rows(width: int, height: int, pixels: bytes) -> list[int]:
    """Rows that hold strongly red pixels."""
    rows = []
    for y in range(height):
        row = pixels[y * width * 3 : (y + 1) * width * 3]
        if any(row[i] > 170 and row[i + 1] < 90 and row[i + 2] < 90 for i in range(0, len(row), 3)):
            rows.append(y)
    return rows


def test_rendering_produces_docx_and_pdf_with_the_number(world: World, office: None,
                                                         django_capture_on_commit_callbacks: Any, tmp_path: Path) -> None:  # fmt: skip
    doc = issue(world, django_capture_on_commit_callbacks)
    assert doc.render_state == RenderState.RENDERED, doc.render_error
    assert doc.attempts == 1
    docx_bytes = storage.read(doc.docx_path)
    pdf_bytes = storage.read(doc.pdf_path)
    assert doc.sha256_docx == storage.sha256(docx_bytes)
    assert doc.sha256_pdf == storage.sha256(pdf_bytes)
    assert str(storage.documents_root()) in str(storage.path_of(doc.pdf_path))

    from docx import Document

    word = Document(io.BytesIO(docx_bytes))
    text = "\n".join(p.text for p in word.paragraphs)
    assert re.fullmatch(r"测中法执督〔\d{4}〕1号", doc.number)
    assert doc.number in text
    assert "关于督办案件的函" in text
    assert "测试甲基层：" in text
    assert "请于2026年12月15日前将办理情况书面报告本院。" in text
    assert "抄送：测试高院执行局，测试检察院。" in text
    assert "{{" not in text and "{%" not in text
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    assert "（2026）测0101执123号" in cells  # the case table
    assert any(cell.startswith("测试城中院\n") and "年" in cell for cell in cells)  # the signature

    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(pdf_bytes)
    pdf_text = pdftotext(pdf)
    assert doc.number in pdf_text.replace(" ", "")
    assert "关于督办案件的函" in pdf_text
    assert "— 1 —" in pdf_text  # the page number in the footer

    # page checks: page count, the red 发文机关标志 in the top band, the fonts embedded
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                               text=True, check=True).stdout).group(1))  # type: ignore[union-attr]  # fmt: skip
    assert 1 <= pages <= 2
    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    width, height, pixels = read_ppm(next(tmp_path.glob("page*.ppm")))
    assert abs(width - 496) <= 1 and abs(height - 702) <= 1  # A4 (210 × 297 mm) at 60 dpi
    rows = red_rows(width, height, pixels)
    assert rows, "no red on the first page"
    assert min(rows) > height * 0.10 and max(rows) < height * 0.25, (
        "the red mark and line sit in the top band"
    )
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert embedded and all(" yes " in line for line in embedded)
    assert any("NotoSerifCJK" in line for line in embedded)
    assert AuditEvent.objects.filter(action="documents.render").count() == 1

    # idempotent: running the job again regenerates nothing
    services.render_document(doc.pk)
    again = OfficialDocument.objects.get(pk=doc.pk)
    assert (again.attempts, again.sha256_pdf, again.pdf_path) == (1, doc.sha256_pdf, doc.pdf_path)


def test_every_default_template_renders(world: World, office: None, django_capture_on_commit_callbacks: Any,
                                        tmp_path: Path) -> None:  # fmt: skip
    for kind in DocumentKind.values:
        doc = issue(
            world, django_capture_on_commit_callbacks, kind=kind, title=f"关于{DocumentKind(kind).label}的函",
            number="（2026）测01执监1号" if kind == DocumentKind.RULING else "",
        )  # fmt: skip
        assert doc.render_state == RenderState.RENDERED, (kind, doc.render_error)
        pdf = tmp_path / f"{kind}.pdf"
        pdf.write_bytes(storage.read(doc.pdf_path))
        assert doc.number in pdftotext(pdf).replace(" ", "")


def test_a_failed_render_is_retried_with_the_same_number(world: World, monkeypatch: pytest.MonkeyPatch,
                                                         django_capture_on_commit_callbacks: Any) -> None:  # fmt: skip
    def broken(docx: bytes) -> bytes:
        raise RenderError("LibreOffice 转换 PDF 失败（测试）。")

    monkeypatch.setattr(services, "convert_to_pdf", broken)
    doc = issue(world, django_capture_on_commit_callbacks)
    assert doc.render_state == RenderState.FAILED
    assert doc.render_error == "LibreOffice 转换 PDF 失败（测试）。"
    assert doc.attempts == 1 and not doc.pdf_path
    services.render_document(doc.pk)  # the job again (e.g. a worker retry): still failing, counted
    doc.refresh_from_db()
    assert doc.attempts == 2

    monkeypatch.setattr(services, "convert_to_pdf", lambda docx: b"%PDF-1.4 test")
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_render(doc, actor=world.user("city.officer"))
    doc.refresh_from_db()
    assert doc.render_state == RenderState.RENDERED and doc.attempts == 3
    assert doc.number.endswith("1号") and OfficialDocument.objects.count() == 1
    assert storage.read(doc.pdf_path) == b"%PDF-1.4 test"
    assert AuditEvent.objects.filter(action="documents.render_failed").count() == 2
    assert AuditEvent.objects.filter(action="documents.rerender").count() == 1
    with pytest.raises(services.Conflict):
        services.retry_render(doc, actor=world.user("city.officer"))


def test_missing_libreoffice_is_a_clear_chinese_error(world: World, monkeypatch: pytest.MonkeyPatch,
                                                      django_capture_on_commit_callbacks: Any) -> None:  # fmt: skip
    monkeypatch.setattr(rendering, "soffice_binary", lambda: None)
    doc = issue(world, django_capture_on_commit_callbacks)
    assert doc.render_state == RenderState.FAILED
    assert "未安装 LibreOffice" in doc.render_error


def test_date_and_context_helpers() -> None:
    assert rendering.date_cn(dt.date(2026, 3, 7)) == "2026年3月7日"
    ctx = rendering.template_context(context={"paragraphs": "第一段\n\n第二段", "deadline": "2026-12-15"},
                                     number="N", title="T", addressee="", cc=["甲。", " ", "乙"],
                                     issuer_name="法院", issued_on=dt.date(2026, 11, 28))  # fmt: skip
    assert ctx["paragraphs"] == ["第一段", "第二段"]
    assert ctx["deadline_cn"] == "2026年12月15日"
    assert ctx["cc"] == "甲，乙" and ctx["date_cn"] == "2026年11月28日"
