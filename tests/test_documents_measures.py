"""The document kinds of the supervision measures: 督促执行令 (with its case list annex), 告知书,
指令纠正通知, 暂缓执行通知, 共同执行决定/方案, 移送纪检监察函 and the 执行裁定书 (诉讼文书样式,
numbered by its case).

The .docx checks run everywhere; the PDF checks need LibreOffice and poppler (skipped without
them on a developer's machine, failed under ``CI=true``, as in ``test_documents_render.py``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from zhijian.core.exceptions import ServiceError
from zhijian.documents import builder, rendering, samples, services, storage
from zhijian.documents.choices import DEFAULT_TYPE_MARKS, DocumentKind, DocumentStatus, RenderState
from zhijian.documents.models import DocumentTemplate, OfficialDocument

from .conftest import World
from .test_documents_render import office, read_ppm, red_rows  # noqa: F401  (office: the fixture)

pytestmark = pytest.mark.django_db

MEASURE_KINDS = [
    DocumentKind.ORDER,
    DocumentKind.APPLICANT_NOTICE,
    DocumentKind.INSTRUCTION,
    DocumentKind.DEFERRAL_NOTICE,
    DocumentKind.JOINT_NOTICE,
    DocumentKind.JOINT_PLAN,
    DocumentKind.DISCIPLINE_TRANSFER,
]
RULING_NUMBER = "（2026）测01执监3号"
FIFTY_CASES = [
    {
        "number": f"（2025）测0101执{100 + i}号",
        "note": "超过执行期限未执结",
        "due_cn": f"2026年12月{i % 28 + 1}日",
    }
    for i in range(1, 51)
]


@pytest.fixture
def no_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "_schedule_render", lambda doc_id: None)


def issue(
    world: World, kind: str, *, number: str = "", court: str = "city", **extra: Any
) -> OfficialDocument:
    fields = samples.sample_fields(kind)
    with transaction.atomic():
        return services.issue_document(
            actor=world.user(extra.pop("actor", "city.officer")),
            kind=kind,
            issuing_court=world.courts[court],
            recipient_court=world.courts["a"],
            title=extra.pop("title", fields["title"]),
            context=extra.pop("context", fields["context"]),
            owner=world.courts["a"],
            addressee=extra.pop("addressee", fields["addressee"]),
            cc=extra.pop("cc", fields["cc"]),
            number=number,
        )


def docx_text(data: bytes) -> tuple[Any, str, list[list[str]]]:
    word = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in word.paragraphs)
    tables = [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]
    return word, text, tables


def render_sample(kind: str, **overrides: Any) -> bytes:
    ctx = services.sample_context(kind)
    ctx.update(overrides)
    return rendering.render_docx(builder.build_default_template(kind), ctx)


# --- kinds, marks, context helpers -------------------------------------------------------------


def test_new_kinds_and_their_type_marks() -> None:
    assert DocumentKind.values[:8] == [
        "sup_letter", "reply_letter", "file_request", "explain_request", "report_request",
        "source_report", "reminder", "criticism_decision",
    ]  # fmt: skip
    expected = {
        "order": ("督促执行令", "执令"),
        "applicant_notice": ("告知书", "执告"),
        "instruction": ("指令纠正通知", "执指"),
        "deferral_notice": ("暂缓执行通知", "执缓"),
        "joint_notice": ("共同执行决定", "执共"),
        "joint_plan": ("共同执行方案", "执方"),
        "discipline_transfer": ("移送纪检监察函", "执移"),
    }
    for value, (label, mark) in expected.items():
        assert DocumentKind(value).label == label
        assert DEFAULT_TYPE_MARKS[value] == mark
    assert DocumentKind("ruling").label == "执行裁定书"
    assert "ruling" not in DEFAULT_TYPE_MARKS and "ruling" not in services.scheme_kinds()
    assert len(set(DEFAULT_TYPE_MARKS.values())) == len(DEFAULT_TYPE_MARKS)  # no shared marks


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 28), "二〇二六年十一月二十八日"),
        (dt.date(2030, 1, 10), "二〇三〇年一月十日"),
        (dt.date(2026, 12, 20), "二〇二六年十二月二十日"),
        (dt.date(2026, 10, 31), "二〇二六年十月三十一日"),
        (dt.date(2000, 5, 1), "二〇〇〇年五月一日"),
        (dt.date(2027, 3, 19), "二〇二七年三月十九日"),
        (dt.date(2026, 1, 30), "二〇二六年一月三十日"),
    ],
)
def test_date_cn_upper(day: dt.date, expected: str) -> None:
    assert rendering.date_cn_upper(day) == expected


def test_ruling_context_helpers() -> None:
    assert rendering.spaced_role("审判长") == "审\u3000判\u3000长"
    assert rendering.spaced_role("人民陪审员") == "人民陪审员"
    assert rendering.spaced_role("书记员") == "书\u3000记\u3000员"
    ctx = rendering.template_context(
        context={"panel": [{"role": "审判员", "name": "李某"}]}, number="N", title="T", addressee="",
        cc=[], issuer_name="测试城中院", issued_on=dt.date(2026, 11, 28),
    )  # fmt: skip
    assert ctx["date_cn_upper"] == "二〇二六年十一月二十八日" and ctx["date_cn"] == "2026年11月28日"
    assert ctx["court_name"] == "测试城中院"  # falls back to the issuer
    assert ctx["panel"] == [{"role": "审判员", "name": "李某", "role_spaced": "审\u3000判\u3000员"}]
    assert ctx["tasks"] == [] and ctx["parties"] == [] and ctx["items"] == [] and ctx["clerk"] == ""
    named = rendering.template_context(
        context={"court_name": "吉林省白山市中级人民法院"}, number="N", title="T", addressee="", cc=[],
        issuer_name="白山中院", issued_on=dt.date(2026, 11, 28),
    )  # fmt: skip
    assert named["court_name"] == "吉林省白山市中级人民法院"


# --- templates (.docx) -------------------------------------------------------------------------


def test_default_templates_of_the_new_kinds_validate_and_are_created(world: World) -> None:
    for kind in [*MEASURE_KINDS, DocumentKind.RULING]:
        services.check_template(builder.build_default_template(kind), name=f"{kind}.docx")
    services.ensure_default_templates()
    for kind in [*MEASURE_KINDS, DocumentKind.RULING]:
        template = DocumentTemplate.objects.get(kind=kind, active=True)
        assert template.version == 1 and template.is_default
    assert "诉讼文书样式" in DocumentTemplate.objects.get(kind=DocumentKind.RULING).note


def test_order_docx_has_the_annex_with_a_repeating_heading_row() -> None:
    word, text, _ = docx_text(render_sample(DocumentKind.ORDER, cases=FIFTY_CASES, deadline_cn=""))
    assert "督促执行令" in text and "白山市浑江区人民法院：" in text
    assert "附件：案件清单" in text and "\n附件\n" in text and "\n案件清单\n" in text
    assert "请于" not in text  # no deadline sentence without deadline_cn
    assert "{{" not in text and "{%" not in text
    annex = word.tables[-1]
    assert [c.text for c in annex.rows[0].cells] == ["序号", "案号", "督促事项", "办结期限"]
    assert len(annex.rows) == 51
    assert annex.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    last = [c.text for c in annex.rows[50].cells]
    assert last == ["50", "（2025）测0101执150号", "超过执行期限未执结", "2026年12月23日"]
    label = next(p for p in word.paragraphs if p.text == "附件")
    assert label.paragraph_format.page_break_before  # the annex starts a new page
    # the deadline sentence when there is one; no annex without cases
    _, text, _ = docx_text(render_sample(DocumentKind.ORDER, cases=[], deadline_cn="2026年12月31日"))
    assert (
        "请于2026年12月31日前执结附件所列案件或者作出相应的裁定、决定、通知，并将办理情况书面报告本院。"
        in text
    )
    assert "附件：案件清单" not in text and "\n附件\n" not in text


@pytest.mark.parametrize("kind", [DocumentKind.JOINT_NOTICE, DocumentKind.JOINT_PLAN])
def test_joint_kinds_have_the_task_table(kind: str) -> None:
    tasks = [
        {"court": "测试城中院", "task": "统筹协调", "due_cn": "2026年12月31日"},
        {"court": "测试甲基层", "task": "查控财产", "due_cn": "2026年12月15日"},
    ]
    _, text, tables = docx_text(render_sample(kind, tasks=tasks))
    assert ["序号", "承办法院", "工作事项", "完成期限"] in tables
    assert ["2", "测试甲基层", "查控财产", "2026年12月15日"] in tables
    assert "{{" not in text
    _, _, tables = docx_text(render_sample(kind, tasks=[]))
    assert ["序号", "承办法院", "工作事项", "完成期限"] not in tables


def test_letter_kinds_render_their_parts() -> None:
    _, text, _ = docx_text(render_sample(DocumentKind.INSTRUCTION, deadline_cn="2026年12月15日"))
    assert "请于2026年12月15日前纠正，并将纠正情况书面报告本院。" in text
    _, text, _ = docx_text(render_sample(DocumentKind.INSTRUCTION, deadline_cn=""))
    assert "前纠正" not in text
    for kind in (
        DocumentKind.APPLICANT_NOTICE,
        DocumentKind.DEFERRAL_NOTICE,
        DocumentKind.DISCIPLINE_TRANSFER,
    ):
        fields = samples.sample_fields(kind)
        _, text, tables = docx_text(render_sample(kind, deadline_cn="2026年12月15日"))
        assert f"\n{fields['addressee']}：\n" in text
        assert all(p in text for p in fields["context"]["paragraphs"])
        assert "请于" not in text  # these kinds have no deadline sentence
        assert any("吉林省白山市中级人民法院\n2026年11月28日" in cell for row in tables for cell in row)
    _, text, _ = docx_text(render_sample(DocumentKind.APPLICANT_NOTICE))
    assert "\n张某：\n" in text  # the applicant, a person


def test_ruling_docx_layout() -> None:
    word, text, tables = docx_text(render_sample(DocumentKind.RULING))
    lines = [p.text for p in word.paragraphs if p.text.strip()]
    assert lines[:3] == ["吉林省白山市中级人民法院", "执行裁定书", "（2026）吉06执监1号"]
    number = next(p for p in word.paragraphs if p.text == "（2026）吉06执监1号")
    assert number.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    party = next(p for p in word.paragraphs if p.text.startswith("申诉人（申请执行人）：张某，男，"))
    assert party.text.endswith("住吉林省白山市浑江区。") and not party.paragraph_format.first_line_indent
    assert "被执行人：白山市某商贸有限公司，住所地吉林省白山市浑江区。" in lines
    intro = next(p for p in word.paragraphs if p.text.endswith("裁定如下："))
    assert intro.paragraph_format.first_line_indent
    assert lines[-2:] == ["二、本案由白山市浑江区人民法院重新审查。", "本裁定送达后立即生效。"]
    cells = [cell for row in tables for cell in row]
    for line in ("审\u3000判\u3000长\u3000王某某", "审\u3000判\u3000员\u3000赵某某", "二〇二六年十一月二十八日",
                 "本件与原本核对无异", "书\u3000记\u3000员\u3000孙某某"):  # fmt: skip
        assert line in cells
    xml = word.element.xml  # the body
    assert builder.RED_HEX not in xml and "pBdr" not in xml  # no red, no red line
    assert "{{" not in xml and "{%" not in xml
    # without a clerk the clerk line goes
    _, _, tables = docx_text(render_sample(DocumentKind.RULING, clerk=""))
    assert not any(cell.startswith("书\u3000记\u3000员") for row in tables for cell in row)


# --- numbering of rulings ----------------------------------------------------------------------


def test_a_ruling_is_numbered_by_its_case(world: World, no_render: None) -> None:
    with pytest.raises(ServiceError) as blank:
        issue(world, DocumentKind.RULING, number="  ")
    assert blank.value.message == "执行裁定书须填写立案登记的案号。"
    doc = issue(world, DocumentKind.RULING, number=f" {RULING_NUMBER} ", title="")
    assert doc.number == RULING_NUMBER  # verbatim (surrounding blanks dropped)
    assert doc.title == "执行裁定书" and doc.seq == 1 and doc.status == DocumentStatus.ISSUED

    with pytest.raises(ServiceError) as dup:
        issue(world, DocumentKind.RULING, number=RULING_NUMBER)
    assert RULING_NUMBER in dup.value.message and "不能重复签发" in dup.value.message
    assert OfficialDocument.objects.filter(kind=DocumentKind.RULING).count() == 1
    # another ruling of the same case (之一) and the same number at another court are fine
    assert issue(world, DocumentKind.RULING, number="（2026）测01执监3号之一").seq == 2
    other = issue(world, DocumentKind.RULING, number=RULING_NUMBER, court="x_city", actor="x.director")
    assert other.number == RULING_NUMBER

    # a voided ruling's number may be used again (the number belongs to the case)
    services.void_document(doc, actor=world.user("city.director"), reason="当事人信息有误")
    again = issue(world, DocumentKind.RULING, number=RULING_NUMBER)
    assert again.number == RULING_NUMBER and again.seq == 3
    with pytest.raises(ServiceError):
        issue(world, DocumentKind.RULING, number=RULING_NUMBER)


def test_the_database_refuses_a_second_live_ruling_with_one_number(world: World, no_render: None) -> None:
    doc = issue(world, DocumentKind.RULING, number=RULING_NUMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficialDocument.objects.create(
            kind=DocumentKind.RULING, issuing_court=doc.issuing_court, year=doc.year, seq=99,
            number=RULING_NUMBER, title="执行裁定书", template=doc.template, issued_on=doc.issued_on,
        )  # fmt: skip
    # the constraint is about rulings only: a 公文's number is its counter's business
    OfficialDocument.objects.create(
        kind=DocumentKind.ORDER, issuing_court=doc.issuing_court, year=doc.year, seq=99,
        number=RULING_NUMBER, title="x", template=doc.template, issued_on=doc.issued_on,
    )  # fmt: skip


def test_other_kinds_keep_their_numbering(
    world: World, no_render: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 11, 28))
    with pytest.raises(ServiceError) as given:
        issue(world, DocumentKind.ORDER, number=RULING_NUMBER)
    assert "不能自行填写" in given.value.message
    for kind in MEASURE_KINDS:
        assert issue(world, kind).number == f"测中法{DEFAULT_TYPE_MARKS[kind]}〔2026〕1号"
    with pytest.raises(ServiceError):
        services.save_scheme(
            actor=world.user("city.admin"), court=world.courts["city"], kind=DocumentKind.RULING,
            organ_code="测中法", type_mark="执裁",
        )  # fmt: skip


def test_previews_of_every_new_kind(world: World) -> None:
    city = world.courts["city"]
    for kind in MEASURE_KINDS:
        fields = samples.sample_fields(kind)
        data = services.render_preview(
            kind=kind, issuing_court=city, context=fields["context"], title=fields["title"],
            addressee=fields["addressee"],
        )  # fmt: skip
        assert f"测中法{DEFAULT_TYPE_MARKS[kind]}〔　　〕号" in docx_text(data)[1]
    context = samples.sample_fields(DocumentKind.RULING)["context"]
    draft = services.render_preview(kind=DocumentKind.RULING, issuing_court=city, context=context, title="")
    text = docx_text(draft)[1]
    assert "（　　）　　号" in text and "执行裁定书" in text and "测试城中院" in text
    numbered = services.render_preview(
        kind=DocumentKind.RULING, issuing_court=city, context=context, title="", number=RULING_NUMBER
    )
    assert RULING_NUMBER in docx_text(numbered)[1]
    assert OfficialDocument.objects.count() == 0


# --- the pages, through LibreOffice ------------------------------------------------------------


def issue_rendered(world: World, capture: Any, kind: str, **extra: Any) -> OfficialDocument:
    with capture(execute=True):
        doc = issue(world, kind, **extra)
    doc.refresh_from_db()
    assert doc.render_state == RenderState.RENDERED, (kind, doc.render_error)
    return doc


def page_texts(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout  # fmt: skip
        for n in range(1, pages + 1)
    ]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.usefixtures("office")
@pytest.mark.parametrize("kind", [*MEASURE_KINDS, DocumentKind.RULING])
def test_each_new_kind_renders_to_pdf(world: World, django_capture_on_commit_callbacks: Any, tmp_path: Path,
                                      kind: str) -> None:  # fmt: skip
    number = RULING_NUMBER if kind == DocumentKind.RULING else ""
    doc = issue_rendered(world, django_capture_on_commit_callbacks, kind, number=number)
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(storage.read(doc.pdf_path))
    pages = page_texts(pdf)
    whole = squeeze("".join(pages))
    assert squeeze(doc.number) in whole and squeeze(doc.title) in whole
    assert "— 1 —" in pages[0]
    # every paragraph whole, punctuation included: LibreOffice dropped a comma that would hang
    # past the right margin of a justified line
    paragraphs = samples.sample_fields(kind)["context"]["paragraphs"]
    for paragraph in paragraphs:
        assert squeeze(paragraph) in whole, paragraph
    # a number is never broken inside its digits at a line end (（2026）吉0602执1 | 23号)
    joined = "|".join(squeeze(line) for page in pages for line in page.splitlines() if line.strip())
    for paragraph in paragraphs:
        for digits in re.findall(r"\d{2,}", paragraph):
            for cut in range(1, len(digits)):
                assert f"{digits[:cut]}|{digits[cut:]}" not in joined, digits

    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    width, height, pixels = read_ppm(next(tmp_path.glob("page*.ppm")))
    assert abs(width - 496) <= 1 and abs(height - 702) <= 1  # A4
    rows = red_rows(width, height, pixels)
    if kind == DocumentKind.RULING:
        assert not rows, "a ruling has no red"
        first = [squeeze(line) for line in pages[0].splitlines() if line.strip()]
        assert first[:3] == ["测试城中院", "执行裁定书", squeeze(RULING_NUMBER)]
        for part in ("审判长王某某", "二〇", "本件与原本核对无异", "书记员孙某某"):
            assert part in whole
    else:
        assert rows and min(rows) > height * 0.10 and max(rows) < height * 0.25


@pytest.mark.usefixtures("office")
def test_an_order_with_fifty_cases_breaks_its_annex_across_pages(
    world: World, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    context = {**samples.sample_fields(DocumentKind.ORDER)["context"], "cases": FIFTY_CASES}
    doc = issue_rendered(world, django_capture_on_commit_callbacks, DocumentKind.ORDER, context=context)
    pdf = tmp_path / "order.pdf"
    pdf.write_bytes(storage.read(doc.pdf_path))
    pages = page_texts(pdf)
    assert len(pages) >= 3  # the letter, then the annex over at least two pages
    assert "案件清单" not in squeeze(pages[0]).replace("附件：案件清单", "")  # the annex starts a new page
    assert squeeze(pages[1]).startswith("附件案件清单序号案号督促事项办结期限")
    annex = pages[1:]
    for page in annex:  # the heading row on every page of the list
        assert "序号" in page and "督促事项" in page and "办结期限" in page
    numbers = re.findall(r"（2025）测0101执(\d+)号", squeeze("".join(annex)))
    assert numbers == [str(100 + i) for i in range(1, 51)]  # every row once, in order
    assert "抄送：" in pages[-1]
    assert f"— {len(pages)} —" in pages[-1]


def test_a_lost_race_for_a_case_number_is_the_same_refusal(
    world: World, no_render: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue(world, DocumentKind.RULING, number=RULING_NUMBER)
    monkeypatch.setattr(services, "_check_case_number_free", lambda *args: None)  # the race: not seen yet
    with pytest.raises(ServiceError) as lost:
        issue(world, DocumentKind.RULING, number=RULING_NUMBER)
    assert "不能重复签发" in lost.value.message
    assert OfficialDocument.objects.filter(kind=DocumentKind.RULING).count() == 1
    assert issue(world, DocumentKind.RULING, number="（2026）测01执监4号").seq == 2  # the counter rolled back
