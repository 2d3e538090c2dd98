"""The 督办案件台账 export: headers, a matter's row (dates as dates, the letter's number, the report
and overdue columns, masked ID and phone), the monthly summary per court for a small known
dataset, court scoping for a basic court's user, the audit event and the query count."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhijian.audit.models import AuditEvent
from zhijian.legaltime.models import Deadline
from zhijian.legaltime.services import seed_rules
from zhijian.org import services as org
from zhijian.supervision import services
from zhijian.supervision.ledger import COLUMNS, SUMMARY_COLUMNS
from zhijian.supervision.models import DeadlinePurpose, Matter, MatterDeadline, SourceCategory

from .conftest import World

ID_NUMBER = "220602199001011234"
PHONE = "13812345678"


def register(world: World, title: str, received: dt.date, courts: list[str], **kw: Any) -> Matter:
    data = services.MatterInput(
        title=title,
        received_on=received,
        sources=[
            services.SourceInput(
                category=SourceCategory.objects.get(item=6), body="来信人李某", received_on=received
            )
        ],
        court_ids=[world.courts[c].pk for c in courts],
        **kw,
    )
    return services.register_matter(world.user("city.officer"), data)


def deadline(matter: Matter, purpose: str) -> Deadline:
    return MatterDeadline.objects.filter(matter=matter, purpose=purpose).latest("pk").deadline


def issue_letter(world: World, matter: Matter) -> Any:
    officer = world.user("city.officer")
    services.decide_supervise(matter, officer, finding="passive", opinion="确有拖延")
    letter = services.draft_letter(
        matter, officer, court=world.courts["a"], facts="问题", requirements="依法处理"
    )
    services.submit_letter(letter, officer)
    services.approve_letter(letter, world.user("city.director"))
    letter.refresh_from_db()
    services.sign_letter(letter, world.user("a.contact"))
    return letter


@pytest.fixture
def data(world: World) -> dict[str, Matter]:
    seed_rules()
    org.set_designated_contact(world.courts["a"], actor=None, contact=world.user("a.contact"))
    world.courts["a"].refresh_from_db()
    officer = world.user("city.officer")
    today = timezone.localdate()
    # m1: court A, received in November, supervised, reported on time, concluded
    m1 = register(
        world,
        "反映甲基层法院消极执行",
        dt.date(2026, 11, 2),
        ["a"],
        officer=officer,
        complainant_name="李某",
        complainant_id_number=ID_NUMBER,
        complainant_phone=PHONE,
        case_numbers=["（2025）测0101执7号"],
        expedited=True,
        expedited_reason="市委交办",
        expedited_by="市委政法委",
    )
    letter = issue_letter(world, m1)
    report = services.draft_report(letter, world.user("a.contact"), mode="written", text="已采取措施")
    services.submit_report(report, world.user("a.contact"))
    services.approve_report(report, world.user("a.director"))
    services.accept_report(report, officer, assessment="属实")
    m1.refresh_from_db()
    services.conclude(m1, officer, summary="督办完毕")
    # m2: court B, received in October, not assigned, its review limit missed
    m2 = register(world, "反映乙基层法院执行款未发放", dt.date(2026, 10, 5), ["b"], group_petition=True)
    Deadline.objects.filter(pk=deadline(m2, DeadlinePurpose.REVIEW).pk).update(
        due_date=today - dt.timedelta(days=3)
    )
    # m3: courts A and B, received in November; A's report is overdue and not made
    m3 = register(world, "反映甲乙两院执行争议", dt.date(2026, 11, 10), ["a", "b"], officer=officer)
    issue_letter(world, m3)
    Deadline.objects.filter(pk=deadline(m3, DeadlinePurpose.REPORT).pk).update(
        due_date=today - dt.timedelta(days=1)
    )
    for m in (m1, m2, m3):
        m.refresh_from_db()
    return {"m1": m1, "m2": m2, "m3": m3}


def export(client: Any, user: Any, **params: str) -> Any:
    client.force_login(user)
    response = client.get(reverse("supervision:export"), params)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)), response


def rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_ledger_sheet_headers_and_a_matter_row(world: World, data: dict[str, Matter], client: Any) -> None:
    book, response = export(client, world.user("city.officer"))
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert "%E7%9D%A3%E5%8A%9E" in response["Content-Disposition"]  # 督办 …
    assert book.sheetnames == ["督办案件台账", "按月汇总"]
    ws = book["督办案件台账"]
    table = rows(ws)
    assert table[0] == [h for h, _w in COLUMNS]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert ws.column_dimensions["B"].width == 36
    by_number = {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
    assert set(by_number) == {m.number for m in data.values()}

    m1 = data["m1"]
    r = by_number[m1.number]
    letter = m1.letters.get()
    assert r["事由"] == "反映甲基层法院消极执行"
    assert r["来源（第三条项）"] == "（六）当事人及案外人来信来访"
    assert r["来文单位及文号"] == "来信人李某"
    assert r["被监督法院"] == "测试甲基层"
    assert r["关联案号"] == "（2025）测0101执7号"
    assert r["收到日期"] == dt.datetime(2026, 11, 2)  # a date cell, not text
    assert r["承办人"] == "人员-city.officer"
    assert r["状态"] == "已办结" and r["审查结论"] == "消极执行" and r["处理方式"] == "督办"
    assert letter.document is not None and m1.concluded_on is not None
    report_due = deadline(m1, DeadlinePurpose.REPORT).due_date
    assert report_due is not None
    assert r["督办函文号"] == letter.document.number
    assert r["报告期限"] == dt.datetime.combine(report_due, dt.time())
    assert r["报告日期"] == dt.datetime.combine(timezone.localdate(), dt.time())
    assert r["是否按期报告"] == "是" and r["是否超期"] == "否"
    assert r["办结日期"] == dt.datetime.combine(m1.concluded_on, dt.time())
    assert r["特事特办"] == "是" and r["群体上访"] == "否"
    # masked, never the full numbers
    assert r["证件号码"] == "220602********1234"
    assert r["联系电话"] == "138****5678"
    assert ID_NUMBER not in response.content.decode("latin-1")

    r2 = by_number[data["m2"].number]
    assert r2["是否超期"] == "是" and r2["群体上访"] == "是" and r2["承办人"] is None
    assert r2["报告期限"] is None and r2["是否按期报告"] is None
    r3 = by_number[data["m3"].number]
    assert r3["被监督法院"] == "测试甲基层、测试乙基层"
    assert r3["是否按期报告"] == "否" and r3["是否超期"] == "是" and r3["报告日期"] is None

    event = AuditEvent.objects.filter(action="supervision.export").latest("pk")
    assert event.after is not None and event.after["rows"] == 3


@pytest.mark.django_db
def test_monthly_summary_per_court(world: World, data: dict[str, Matter], client: Any) -> None:
    book, _ = export(client, world.user("city.director"))
    table = rows(book["按月汇总"])
    assert table[0] == [h for h, _w in SUMMARY_COLUMNS]
    assert table[1:] == [
        ["测试甲基层", "2026-11", 2, 1, 1, 1],
        ["测试乙基层", "2026-10", 1, 0, 0, 1],
        # m3 concerns B too, but B's only limits are the matter's own, none missed
        ["测试乙基层", "2026-11", 1, 0, 0, 0],
    ]


@pytest.mark.django_db
def test_a_basic_courts_export_holds_only_its_own_court(
    world: World, data: dict[str, Matter], client: Any
) -> None:
    book, _ = export(client, world.user("b.director"))
    table = rows(book["督办案件台账"])
    numbers = {r[0] for r in table[1:]}
    assert numbers == {data["m2"].number, data["m3"].number}
    m3 = next(r for r in table[1:] if r[0] == data["m3"].number)
    row = dict(zip(table[0], m3, strict=True))
    # only its own court, and nothing of the letter to court A
    assert row["被监督法院"] == "测试乙基层"
    assert row["督办函文号"] is None and row["是否按期报告"] is None and row["是否超期"] == "否"
    assert rows(book["按月汇总"])[1:] == [
        ["测试乙基层", "2026-10", 1, 0, 0, 1],
        ["测试乙基层", "2026-11", 1, 0, 0, 0],
    ]

    book, _ = export(client, world.user("x.director"))
    assert rows(book["督办案件台账"])[1:] == []


@pytest.mark.django_db
def test_filters_apply_and_the_query_count_does_not_grow(
    world: World, data: dict[str, Matter], client: Any
) -> None:
    book, _ = export(client, world.user("city.officer"), court=str(world.courts["b"].pk))
    assert {r[0] for r in rows(book["督办案件台账"])[1:]} == {data["m2"].number, data["m3"].number}

    from zhijian.supervision.ledger import build_ledger

    user = world.user("city.officer")
    user.forget_cached_scope()
    with CaptureQueriesContext(connection) as few:
        build_ledger(Matter.objects.filter(pk=data["m1"].pk), user=user)
    user.forget_cached_scope()
    with CaptureQueriesContext(connection) as many:
        build_ledger(Matter.objects.all(), user=user)
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_a_formula_typed_into_a_title_stays_text(world: World, client: Any) -> None:
    seed_rules()
    register(world, '=HYPERLINK("http://x")', timezone.localdate(), ["a"])
    book, _ = export(client, world.user("city.officer"))
    assert rows(book["督办案件台账"])[1][1] == '\'=HYPERLINK("http://x")'
