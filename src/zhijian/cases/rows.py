"""Reading and validating case-flow exports, row by row (phase 1 of the import). No database.

* ``read_table(path)`` streams a CSV (UTF-8, UTF-8 with BOM or GB18030, detected) or an XLSX
  (first sheet or a named one) as (line number, {header: value}) pairs — never the whole file in
  memory.
* ``map_headers(headers, aliases)`` resolves the Chinese column headers through the alias table
  (``DEFAULT_CASE_ALIASES`` plus the administrators' additions, ``aliases.py``) and reports
  unknown columns.
* ``validate_case_row(line, row, ...)`` turns one row into a ``CaseRow`` or a list of
  ``RowError`` (line, column, value, reason in Chinese) — every problem of the row, not just
  the first.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .numbers import CaseNumber, CaseNumberError, parse, related_number
from .values import detect_encoding, header_unit_scale, parse_amount, parse_date, parse_status

# field → accepted header spellings (after removing spaces and a unit in brackets)
DEFAULT_CASE_ALIASES: dict[str, list[str]] = {
    "number": ["案号", "执行案号", "案件编号"],
    "filed_on": ["立案日期", "立案时间", "收案日期"],
    "handler": ["承办人", "承办法官", "执行员"],
    "status": ["案件状态", "状态", "结案状态"],
    "concluded_on": ["结案日期", "结案时间"],
    "conclusion_method": ["结案方式"],
    "amount_applied": ["申请执行标的", "申请执行标的额", "执行标的", "标的", "标的额"],
    "amount_recovered": ["执行到位金额", "到位金额", "实际执行到位金额"],
    "applicants": ["申请执行人", "申请人"],
    "respondents": ["被执行人"],
    "basis_type": ["执行依据类型", "执行依据种类"],
    "original_number": ["关联案号", "原案号", "执行依据案号"],
    "extension_days": ["延长天数", "延长期限天数"],
    "extension_approved_on": ["延长批准日期"],
    "data_as_of": ["数据截至日期", "统计截止日期", "数据日期"],
    "applicant_ids": ["申请执行人证件号码", "申请执行人身份证号", "申请执行人证照号码"],
    "applicant_phones": ["申请执行人联系电话", "申请执行人电话"],
    "respondent_ids": ["被执行人证件号码", "被执行人身份证号", "被执行人证照号码"],
    "respondent_phones": ["被执行人联系电话", "被执行人电话"],
}
REQUIRED = ("number", "filed_on", "handler", "status", "concluded_on", "conclusion_method",
            "amount_applied", "amount_recovered", "applicants", "respondents")  # fmt: skip
FIELD_LABELS = {
    "number": "案号",
    "filed_on": "立案日期",
    "handler": "承办人",
    "status": "案件状态",
    "concluded_on": "结案日期",
    "conclusion_method": "结案方式",
    "amount_applied": "申请执行标的",
    "amount_recovered": "执行到位金额",
    "applicants": "申请执行人",
    "respondents": "被执行人",
    "basis_type": "执行依据类型",
    "original_number": "关联案号/原案号",
    "extension_days": "延长天数",
    "extension_approved_on": "延长批准日期",
    "data_as_of": "数据截至日期",
    "applicant_ids": "申请执行人证件号码",
    "applicant_phones": "申请执行人联系电话",
    "respondent_ids": "被执行人证件号码",
    "respondent_phones": "被执行人联系电话",
}
NON_LITIGATION_WORDS = ("行政非诉", "非诉", "行政决定", "行政处罚")
PARTY_SEPARATORS = ("；", ";", "、", "，", ",")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"第 {self.line} 行" + (f"“{self.column}”列" if self.column else "")
        shown = f"（值：{self.value}）" if self.value else ""
        return f"{where}：{self.reason}{shown}"


@dataclass
class CaseRow:
    line: int
    number: CaseNumber
    filed_on: dt.date
    handler: str
    status: str
    concluded_on: dt.date | None
    conclusion_method: str
    amount_applied: Decimal | None
    amount_recovered: Decimal | None
    applicants: list[str]
    respondents: list[str]
    non_litigation: bool
    original_number: str
    extension_days: int
    extension_approved_on: dt.date | None
    data_as_of: dt.date | None
    anomalies: list[str] = field(default_factory=list)
    # aligned with applicants / respondents by position ('' where not given)
    applicant_ids: list[str] = field(default_factory=list)
    applicant_phones: list[str] = field(default_factory=list)
    respondent_ids: list[str] = field(default_factory=list)
    respondent_phones: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HeaderMap:
    columns: dict[str, str]  # field → header as written in the file
    scales: dict[str, Decimal]  # field → unit scale from its header (万元 → 10000)
    unknown: list[str]
    missing: list[str]


def _header_key(header: str) -> str:
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", header or "").replace(" ", "").replace("\u3000", "")
    return re.sub(r"[(（][^)）]*[)）]$", "", text)


def map_headers(headers: list[str], aliases: Mapping[str, list[str]] = DEFAULT_CASE_ALIASES) -> HeaderMap:
    lookup = {_header_key(spelling): name for name, spellings in aliases.items() for spelling in spellings}
    columns: dict[str, str] = {}
    scales: dict[str, Decimal] = {}
    unknown: list[str] = []
    for header in headers:
        name = lookup.get(_header_key(header))
        if name is None or name in columns:
            if (header or "").strip():
                unknown.append(header)
            continue
        columns[name] = header
        scales[name] = header_unit_scale(header)
    missing = [FIELD_LABELS[f] for f in REQUIRED if f not in columns]
    return HeaderMap(columns, scales, unknown, missing)


def read_table(path: Path, *, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cells) for every row, the header row first (line 1). Streams."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            ws = book[sheet] if sheet else book.worksheets[0]
            for lineno, row in enumerate(ws.iter_rows(values_only=True), start=1):
                yield lineno, list(row)
        finally:
            book.close()
        return
    with path.open("rb") as fh:
        encoding = detect_encoding(fh.read(64 * 1024))
    with path.open(encoding=encoding, newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh), start=1):
            yield lineno, list(row)


def _text(value: Any) -> str:
    if value.__class__ is str:  # fast path: what a CSV cell always is
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# every separator to the first one, in one pass
_TO_FIRST_SEPARATOR = str.maketrans({sep: PARTY_SEPARATORS[0] for sep in PARTY_SEPARATORS[1:]})


def _parties(value: Any) -> list[str]:
    text = _text(value).translate(_TO_FIRST_SEPARATOR)
    return [p.strip() for p in text.split(PARTY_SEPARATORS[0]) if p.strip()]


def _aligned(value: Any) -> list[str]:
    """Values separated like the party names, positions kept (an empty item stays '')."""
    text = _text(value)
    if not text:
        return []
    return [p.strip()[:30] for p in text.translate(_TO_FIRST_SEPARATOR).split(PARTY_SEPARATORS[0])]


def validate_case_row(
    line: int,
    cells: Mapping[str, Any],
    headers: HeaderMap,
    *,
    known_courts: Mapping[str, str],
    current_year: int,
    status_aliases: Mapping[str, str] | None = None,
) -> tuple[CaseRow | None, list[RowError]]:
    """One export row → a ``CaseRow``, or every problem of the row. Business anomalies (终本
    within 3 months of filing, a conclusion date on an open case) are kept on the row, not
    refused."""
    errors: list[RowError] = []
    # each cell read once; a field without a column reads as None
    raw = {name: cells.get(column) for name, column in headers.columns.items()}.get

    def fail(name: str, value: Any, reason: str) -> None:
        errors.append(RowError(line, headers.columns.get(name, FIELD_LABELS[name]), _text(value), reason))

    number: CaseNumber | None = None
    try:
        parsed = parse(_text(raw("number")), known_courts=known_courts, current_year=current_year)
        assert isinstance(parsed, CaseNumber)
        number = parsed
    except CaseNumberError as exc:
        fail("number", raw("number"), exc.reason)

    dates: dict[str, dt.date | None] = {}
    for name in ("filed_on", "concluded_on", "extension_approved_on", "data_as_of"):
        try:
            dates[name] = parse_date(raw(name))
        except ValueError as exc:
            fail(name, raw(name), str(exc))
            dates[name] = None
    if dates.get("filed_on") is None and not any(e.column == headers.columns.get("filed_on") for e in errors):
        fail("filed_on", raw("filed_on"), "立案日期不能为空")

    amounts: dict[str, Decimal | None] = {}
    for name in ("amount_applied", "amount_recovered"):
        try:
            amounts[name] = parse_amount(raw(name), headers.scales.get(name, Decimal(1)))
        except ValueError as exc:
            fail(name, raw(name), str(exc))

    status = ""
    try:
        status = parse_status(raw("status"), status_aliases)
    except ValueError as exc:
        fail("status", raw("status"), str(exc))

    # an empty 承办人 is a fact, not an error: the case has no handler yet (Art. 7(c) check)
    handler = _text(raw("handler"))

    extension_days = 0
    extension_text = _text(raw("extension_days"))
    if extension_text:
        try:
            extension_days = int(float(extension_text))
            if extension_days < 0 or extension_days > 3650:
                raise ValueError
        except ValueError:
            fail("extension_days", raw("extension_days"), "延长天数应为 0 至 3650 的整数")

    original = _text(raw("original_number"))
    if original:
        # normalised when it parses (legacy …字第…号 kept as written); anything else kept as text,
        # since a related number may belong to a court outside this installation
        original = related_number(original, known_courts=known_courts, current_year=current_year)
    if number is not None and dates.get("filed_on") and dates["filed_on"].year != number.year:  # type: ignore[union-attr]
        fail("filed_on", raw("filed_on"), f"立案日期的年份与案号年度（{number.year}）不一致")

    if errors or number is None or dates.get("filed_on") is None:
        return None, errors

    filed_on = dates["filed_on"]
    assert filed_on is not None
    concluded_on = dates.get("concluded_on")
    method = _text(raw("conclusion_method"))
    anomalies: list[str] = []
    if status == "open" and concluded_on is not None:
        anomalies.append("案件未结却有结案日期")
    if status == "concluded" and concluded_on is None:
        anomalies.append("已结案但缺少结案日期")
    if concluded_on is not None and concluded_on < filed_on:
        anomalies.append("结案日期早于立案日期")
    if "终结本次" in method and concluded_on is not None and (concluded_on - filed_on).days < 90:
        anomalies.append("立案不满3个月即终结本次执行程序（终本规定第一条第（四）项）")
    basis = _text(raw("basis_type"))
    row = CaseRow(
        line=line,
        number=number,
        filed_on=filed_on,
        handler=handler,
        status=status,
        concluded_on=concluded_on,
        conclusion_method=method,
        amount_applied=amounts.get("amount_applied"),
        amount_recovered=amounts.get("amount_recovered"),
        applicants=_parties(raw("applicants")),
        respondents=_parties(raw("respondents")),
        non_litigation=any(word in basis for word in NON_LITIGATION_WORDS),
        original_number=original,
        extension_days=extension_days,
        extension_approved_on=dates.get("extension_approved_on"),
        data_as_of=dates.get("data_as_of"),
        anomalies=anomalies,
        applicant_ids=_aligned(raw("applicant_ids")),
        applicant_phones=_aligned(raw("applicant_phones")),
        respondent_ids=_aligned(raw("respondent_ids")),
        respondent_phones=_aligned(raw("respondent_phones")),
    )
    return row, []


def rows_of(
    path: Path, *, sheet: str | None = None, aliases: Mapping[str, list[str]] | None = None
) -> tuple[HeaderMap, Iterator[tuple[int, dict[str, Any]]]]:
    """The header map and the data rows as dicts keyed by the file's headers. ``aliases`` is
    the column table in effect (``aliases.column_alias_table()``; the defaults when None)."""
    table = read_table(path, sheet=sheet)
    try:
        _, header_cells = next(table)
    except StopIteration:
        raise ValueError("文件是空的，没有表头") from None
    headers = [_text(h) for h in header_cells]
    mapping = map_headers(headers, DEFAULT_CASE_ALIASES if aliases is None else aliases)

    def data() -> Iterator[tuple[int, dict[str, Any]]]:
        for lineno, cells in table:
            if not any(_text(c) for c in cells):
                continue
            yield lineno, dict(zip(headers, cells, strict=False))

    return mapping, data()
