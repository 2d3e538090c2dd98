"""督办案件台账: the XLSX export of the (filtered, court-scoped) matter list.

Sheet 1 “督办案件台账”: one row per matter. Sheet 2 “按月汇总”: per court concerned and month of
receipt — 收案数, 办结数, 按期报告数, 超期数. What a user sees of a matter follows the matter page:
a basic court's user gets only its own court among the courts concerned, only the letters to
its court and only the time limits that concern it (the matter's own, and those of its letters
and requests). The complainant's ID and phone numbers are masked. Everything is read with a
fixed number of queries (prefetch), whatever the number of matters.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.cases.masking import mask
from zhijian.core.export import safe_cell
from zhijian.org.models import Court, User
from zhijian.org.scoping import visible_court_ids

from .models import (
    DeadlinePurpose,
    Decision,
    Finding,
    Letter,
    LetterState,
    Matter,
    MatterCourt,
    MatterDeadline,
    MatterSource,
    MatterState,
)

SHEET = "督办案件台账"
SUMMARY_SHEET = "按月汇总"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"

# (header, width); the date columns are written as dates
COLUMNS: list[tuple[str, int]] = [
    ("登记编号", 14),
    ("事由", 36),
    ("来源（第三条项）", 28),
    ("来文单位及文号", 30),
    ("被监督法院", 18),
    ("关联案号", 30),
    ("收到日期", 12),
    ("承办人", 10),
    ("状态", 10),
    ("审查结论", 12),
    ("处理方式", 10),
    ("督办函文号", 22),
    ("报告期限", 12),
    ("报告日期", 12),
    ("是否按期报告", 8),
    ("办结日期", 12),
    ("是否超期", 8),
    ("特事特办", 8),
    ("群体上访", 8),
    ("来信来访人", 12),
    ("证件号码", 21),
    ("联系电话", 14),
]
SUMMARY_COLUMNS: list[tuple[str, int]] = [
    ("被监督法院", 20),
    ("收到月份", 10),
    ("收案数", 8),
    ("办结数", 8),
    ("按期报告数", 10),
    ("超期数", 8),
]
ON_TIME, LATE, NOT_DUE = "是", "否", "未到期"


@dataclass(frozen=True)
class Facts:
    """What a matter's time limits say, for a set of courts."""

    report_due: dt.date | None
    reported_on: dt.date | None
    report_on_time: str  # 是 / 否 / 未到期 / '' (no report asked for)
    overdue: bool


def matters_for_ledger(qs: QuerySet[Matter]) -> QuerySet[Matter]:
    return qs.select_related("officer").prefetch_related(
        Prefetch("court_links", MatterCourt.objects.select_related("court").order_by("court__sort_order", "court__code")),
        "case_links",
        Prefetch("sources", MatterSource.objects.select_related("category").order_by("added_at", "pk")),
        Prefetch("letters", Letter.objects.select_related("document").order_by("pk")),
        Prefetch(
            "deadline_links",
            MatterDeadline.objects.select_related("deadline", "letter", "request").order_by("pk"),
        ),
    )  # fmt: skip


def _late(due: dt.date | None, done: dt.date | None, today: dt.date, suspended: bool = False) -> bool:
    if due is None:
        return False
    if done is not None:
        return done > due
    return not suspended and due < today


def matter_facts(matter: Matter, court_ids: Iterable[int], today: dt.date) -> Facts:
    """The report deadlines of the (non-void) letters to ``court_ids`` and whether any time limit
    concerning those courts (the matter's own ones included) was missed."""
    courts = set(court_ids)
    void = {letter.pk for letter in matter.letters.all() if letter.state == LetterState.VOID}
    reports: dict[int, MatterDeadline] = {}  # letter → its latest report limit
    overdue = False
    for link in matter.deadline_links.all():
        if link.letter_id is not None and (
            link.letter_id in void or (link.letter is not None and link.letter.court_id not in courts)
        ):
            continue
        if link.request_id is not None and link.request is not None and link.request.court_id not in courts:
            continue
        d = link.deadline
        if d.closed_reason:  # withdrawn, voided or cancelled: counts for nothing
            continue
        if _late(d.due_date, d.completed_on, today, d.suspended_since is not None):
            overdue = True
        if link.purpose == DeadlinePurpose.REPORT and link.letter_id is not None:
            reports[link.letter_id] = link  # ordered by pk: the latest wins
    if not reports:
        return Facts(None, None, "", overdue)
    deadlines = [link.deadline for link in reports.values()]
    dues = [d.due_date for d in deadlines if d.due_date is not None]
    done = [d.completed_on for d in deadlines]
    if any(_late(d.due_date, d.completed_on, today, d.suspended_since is not None) for d in deadlines):
        verdict = LATE
    elif all(day is not None for day in done):
        verdict = ON_TIME
    else:
        verdict = NOT_DUE
    reported = max(day for day in done if day is not None) if all(day is not None for day in done) else None
    return Facts(max(dues) if dues else None, reported, verdict, overdue)


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


FINDING_COLUMN = 9  # 审查结论 in ``ledger_row``


def ledger_row(matter: Matter, courts: list[Court], facts: Facts) -> list[Any]:
    ids = {c.pk for c in courts}
    sources = list(matter.sources.all())
    letters = [
        letter
        for letter in matter.letters.all()
        if letter.court_id in ids and letter.state != LetterState.VOID and letter.document is not None
    ]
    bodies = [f"{s.body} {s.doc_number}".strip() for s in sources]
    decision = _label(Decision, matter.decision) if matter.decision else ""
    return [
        matter.number,
        matter.title,
        "；".join(str(s.category) for s in sources),
        "；".join(dict.fromkeys(bodies)),
        "、".join(c.short_name for c in courts),
        "、".join(link.number for link in matter.case_links.all()),
        matter.received_on,
        matter.officer.display_name if matter.officer is not None else "",
        _label(MatterState, matter.state),
        _label(Finding, matter.finding) if matter.finding else "",
        decision,
        "、".join(letter.document.number for letter in letters if letter.document is not None),
        facts.report_due,
        facts.reported_on,
        facts.report_on_time,
        matter.concluded_on,
        _yes(facts.overdue),
        _yes(matter.expedited),
        _yes(matter.group_petition),
        matter.complainant_name,
        mask("id_number", matter.complainant_id_number) if matter.complainant_id_number else "",
        mask("phone", matter.complainant_phone) if matter.complainant_phone else "",
    ]


def build_ledger(qs: QuerySet[Matter], *, user: User, today: dt.date | None = None) -> tuple[bytes, int]:
    """The workbook and the number of matters in it."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    today = today or timezone.localdate()
    visible = visible_court_ids(user)
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, columns: list[tuple[str, int]]) -> Worksheet:
        ws = book.create_sheet(title)
        for i, (_header, width) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        header = []
        for name, _width in columns:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        return ws

    def cells(ws: Worksheet, values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for value in values:
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = DATE_FORMAT
                out.append(cell)
            else:
                out.append(safe_cell(value))
        return out

    ws = sheet(SHEET, COLUMNS)
    # (court sort key, court short name, month) → [收案, 办结, 按期报告, 超期]
    summary: dict[tuple[int, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    count = 0
    for matter in matters_for_ledger(qs).iterator(chunk_size=500):
        courts = [link.court for link in matter.court_links.all() if link.court_id in visible]
        row = ledger_row(matter, courts, matter_facts(matter, [c.pk for c in courts], today))
        if matter.supervising_court_id not in visible:
            row[FINDING_COLUMN] = ""  # the bureau's internal review is not the basic court's to read
        ws.append(cells(ws, row))
        count += 1
        month = f"{matter.received_on:%Y-%m}"
        for court in courts:
            facts = matter_facts(matter, [court.pk], today)
            counts = summary[(court.sort_order, court.code, court.short_name, month)]
            counts[0] += 1
            counts[1] += matter.state == MatterState.CONCLUDED
            counts[2] += facts.report_on_time == ON_TIME
            counts[3] += facts.overdue
    ws2 = sheet(SUMMARY_SHEET, SUMMARY_COLUMNS)
    for (_order, _code, name, month), counts in sorted(summary.items()):
        ws2.append(cells(ws2, [name, month, *counts]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count


def ledger_response(qs: QuerySet[Matter], *, user: User) -> HttpResponse:
    """The 督办案件台账 download of ``qs`` (already filtered and scoped to the user); audited."""
    content, count = build_ledger(qs, user=user)
    record("supervision.export", actor=user, court=user.court, after={"rows": count, "format": "xlsx"})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"supervision-ledger-{stamp}.xlsx\"; filename*=UTF-8''{quote(f'{SHEET}-{stamp}.xlsx')}"
    )
    return response
