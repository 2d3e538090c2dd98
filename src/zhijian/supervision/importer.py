"""The go-live import of a court's existing open 督办台账 / 信访台账 (CSV or XLSX).

``import_matters(path, actor=, court=, dry_run=)`` reads the file with the case import's readers
(``cases.rows``: CSV in UTF-8 / UTF-8 with BOM / GB18030, or XLSX; Chinese headers through an
alias table) and value parsers (``cases.values.parse_date``), checks every row — every problem of
every row, as ``RowError(line, column, value, reason)`` — and registers each matter through
``services.register_matter`` (numbers, deadlines, case flags, audit, notifications), the whole
file in one transaction: all rows valid, or nothing written. ``dry_run`` runs the registrations
and rolls them back, so it reports exactly what a real import would refuse.

Only the registration and the assigned officer are imported. A matter that had gone further
before go-live (督办中 …) is registered 审查中 with its officer, and what had been done is written
in its timeline as “上线前已办理：…” — no workflow step is faked.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.cases.rows import RowError, _text, rows_of
from zhijian.cases.values import parse_date
from zhijian.core.exceptions import ServiceError
from zhijian.org.choices import Role
from zhijian.org.models import Court, User
from zhijian.org.scoping import supervised_subtree_ids

from . import services
from .models import Channel, Matter, MatterState, SourceCategory, TimelineEntry
from .sources import ARTICLE

CN_DIGITS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Column:
    name: str  # the field
    label: str  # the documented header
    aliases: tuple[str, ...]
    required: bool
    help: str
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("title", "事由", ("督办事由", "反映事由", "标题"), True, "事项的简要事由（200 字以内）。", "反映执行案件长期未执结"),
    Column("received_on", "收到日期", ("收文日期", "收案日期", "登记日期"), True, "日期，如 2026-01-31、2026/1/31、2026年1月31日；不能晚于今天。", "2026-01-05"),
    Column("category", "来源类别", ("来源", "监督来源", "来源类型", "案件来源"), True,
           "第三条的项：填“（一）”“1”“第三条第（一）项”或类别名称。第三条没有第（四）项。", "（六）"),
    Column("body", "来文单位", ("来文单位/来源", "来源单位", "交办单位", "来文机关"), True, "来文单位，或来信来访人等来源。", "来信人张某"),
    Column("doc_number", "来文文号", ("文号", "来文字号"), False, "来文的文号。"),
    Column("doc_date", "来文日期", ("发文日期",), False, "日期。"),
    Column("instructor", "批示人", ("批示领导",), False, "领导批示类来源（第（一）、（三）项）必填。"),
    Column("instruction", "批示内容", ("领导批示", "批示意见"), False, "批示的内容。"),
    Column("instruction_date", "批示日期", ("批示时间",), False, "领导批示类来源必填。"),
    Column("report_back", "是否报告结果", ("须报告结果", "是否需要报告", "要求报告结果"), False,
           "是/否。空：第（一）项默认为是，其他为否；填写了报告期限即为是。"),
    Column("report_by", "报告期限", ("报告截止日期", "反馈期限"), False,
           "向来源报告结果的期限（日期）。须报告结果而未填写时，按默认规则（收到之日起 60 日）计算。"),
    Column("courts", "被监督法院", ("涉及法院", "被督办法院", "执行法院"), False,
           "本院监督的法院的全称、简称或代字，几个法院用“，”“；”“、”分隔。可不填，由关联案号识别。", "{court}"),
    Column("case_numbers", "关联案号", ("涉及案号", "执行案号", "案号"), False,
           "一个或几个案号，用“，”“;”“、”或换行分隔。", "{case}"),
    Column("complainant_name", "来信来访人", ("来信人", "来访人", "信访人", "反映人"), False, "", "张某"),
    Column("complainant_id_number", "证件号码", ("身份证号", "身份证号码", "来信来访人证件号码"), False, "导出时遮蔽。"),
    Column("complainant_phone", "联系电话", ("电话", "手机号码", "联系方式"), False, "导出时遮蔽。"),
    Column("complainant_address", "地址", ("联系地址", "住址"), False, ""),
    Column("anonymous", "匿名来信", ("匿名", "是否匿名"), False, "是/否。匿名来信不填来信人身份信息。"),
    Column("channel", "来文渠道", ("渠道", "来源渠道"), False,
           "、".join(Channel.labels) + "之一；空为纸质来文。"),
    Column("group_petition", "群体上访", ("是否群体上访", "群访"), False, "是/否（第十八条）。", "否"),
    Column("expedited", "特事特办", ("是否特事特办",), False, "是/否（第九条）；为是时须填特事特办事由和要求机关。", "否"),
    Column("expedited_reason", "特事特办事由", (), False, ""),
    Column("expedited_by", "要求机关", ("特事特办要求机关", "提出要求的机关"), False, "提出特事特办要求的机关。"),
    Column("external_ref", "外部编号", ("原编号", "原登记编号", "台账编号", "督办编号", "平台编号"), False,
           "原台账或执行指挥平台的编号。同一外部编号已导入过的行会被拒绝，避免重复导入。", "TZ-2026-001"),
    Column("officer", "承办人", ("承办监督员", "经办人"), False,
           "本院监督员或局长的姓名（或用户名）。可不填（事项为“已登记”，待分配）。", "{officer}"),
    Column("content", "主要内容", ("内容", "反映内容", "主要问题"), False, "", "来信反映该案立案已两年仍未执结。"),
    Column("state", "状态", ("办理状态", "当前状态"), False,
           "可不填：有承办人为“审查中”，否则为“已登记”。已越过审查的事项（如督办中）按“审查中”登记，"
           "原状态写入办理记录；已办结、已撤销的事项不导入。"),
    Column("progress", "上线前办理情况", ("办理情况", "办理进展", "已办理情况"), False,
           "上线前已经办理的情况，写入办理记录（“上线前已办理：…”）。"),
)  # fmt: skip
LABELS = {c.name: c.label for c in COLUMNS}
ALIASES: dict[str, list[str]] = {c.name: [c.label, *c.aliases] for c in COLUMNS}

YES = {"是", "y", "yes", "true", "1", "√", "✓", "有", "需要", "要求"}
NO = {"否", "n", "no", "false", "0", "×", "无", "不需要", "不", ""}
SEPARATORS = re.compile(r"[，,;；、\r\n]+")
# states a row may name; later open states are registered 审查中 and noted in the timeline
STATE_WORDS = {
    "已登记": MatterState.REGISTERED,
    "登记": MatterState.REGISTERED,
    "待分配": MatterState.REGISTERED,
    "审查中": MatterState.REVIEWING,
    "审查": MatterState.REVIEWING,
    "在办": MatterState.REVIEWING,
    "办理中": MatterState.REVIEWING,
}
LATER_STATES = {
    "答复待审批": MatterState.REPLY_APPROVAL,
    "待答复": MatterState.REPLYING,
    "督办中": MatterState.SUPERVISING,
    "已督办": MatterState.SUPERVISING,
    "督办": MatterState.SUPERVISING,
    "待办结": MatterState.CONCLUDING,
}
CLOSED_WORDS = ("已办结", "办结", "已结", "结案", "已撤销", "撤销", "已答复")
DEFAULT_REPORT_RULE = "SOURCE_REPLY"
FIELD_COLUMNS = {  # ServiceError.field of register_matter → the column to blame
    "title": "title",
    "received_on": "received_on",
    "sources": "category",
    "expedited_reason": "expedited_reason",
    "anonymous": "anonymous",
    "case_numbers": "case_numbers",
    "court_ids": "courts",
    "officer": "officer",
}


@dataclass
class ImportResult:
    file_name: str
    rows: int = 0
    created: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    @property
    def rejected(self) -> int:
        return len({e.line for e in self.errors if e.line > 1})

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "rejected": self.rejected,
            "errors": [
                {"line": e.line, "column": e.column, "value": e.value, "reason": e.reason}
                for e in self.errors
            ],
            "rows": self.rows,
            "dry_run": self.dry_run,
            "matters": self.numbers,
            "unknown_columns": self.unknown_columns,
        }


@dataclass
class _Row:
    line: int
    data: services.MatterInput
    history: str  # 上线前已办理 text ('' when none)


class _Rollback(Exception):
    pass


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def parse_bool(value: Any) -> bool | None:
    """是/否 and the usual spellings; empty → None; anything else raises ValueError."""
    text = _norm(_text(value)).lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"应填“是”或“否”，不能识别“{_text(value)}”")


def _item_number(text: str) -> int | None:
    if text.isdecimal():
        return int(text)
    if len(text) == 1 and text in CN_DIGITS:
        return CN_DIGITS.index(text) + 1
    if text == "十":
        return 10
    return None


_ITEM = re.compile(r"^(?:第三条|第3条)?第?[(（]?([0-9一二三四五六七八九十]+)[)）]?项?(.*)$")


def category_choices(categories: Iterable[SourceCategory]) -> str:
    return "、".join(f"（{c.item_cn}）{c.name}" for c in categories)


def parse_category(value: Any, categories: Mapping[int, SourceCategory]) -> SourceCategory:
    """（一） / (1) / 1 / 一 / 第三条第（一）项 / “（六）当事人及案外人来信来访” / the category's name."""
    raw = _text(value)
    text = re.sub(r"\s+", "", _norm(raw))
    if not text:
        raise ValueError("来源类别不能为空；可填：" + category_choices(categories.values()))
    by_name = {re.sub(r"\s+", "", _norm(c.name)): c for c in categories.values()}
    if text in by_name:
        return by_name[text]
    match = _ITEM.match(text)
    if match:
        item = _item_number(match.group(1))
        rest = match.group(2)
        if item is not None and (not rest or rest in by_name):
            if item in categories:
                return categories[item]
            raise ValueError(
                f"{ARTICLE}没有第（{CN_DIGITS[item - 1] if 1 <= item <= 10 else item}）项"
                f"（原文没有第四项，项号按原文保留）；可填：{category_choices(categories.values())}"
            )
    raise ValueError(f"无法识别的来源类别；可填：{category_choices(categories.values())}")


class _Courts:
    """The courts a row may name: those the supervising court supervises."""

    def __init__(self, court: Court) -> None:
        subtree = supervised_subtree_ids(court.pk) - {court.pk}
        self.allowed = list(Court.objects.filter(pk__in=subtree).order_by("code"))
        self.lookup: dict[str, Court] = {}
        for c in self.allowed:
            for key in (c.code, c.name, c.short_name):
                self.lookup.setdefault(_norm(key).lower(), c)
        self.others: dict[str, Court] = {}
        for c in Court.objects.exclude(pk__in=subtree):
            for key in (c.code, c.name, c.short_name):
                self.others.setdefault(_norm(key).lower(), c)

    def choices(self) -> str:
        return "、".join(c.short_name for c in self.allowed[:20]) + ("等" if len(self.allowed) > 20 else "")

    def parse(self, value: Any) -> tuple[list[int], list[str]]:
        ids: list[int] = []
        problems: list[str] = []
        for token in SEPARATORS.split(_text(value)):
            key = _norm(token).lower()
            if not key:
                continue
            found = self.lookup.get(key)
            if found is not None:
                if found.pk not in ids:
                    ids.append(found.pk)
            elif key in self.others:
                problems.append(f"“{token.strip()}”不是本院监督的下级法院")
            else:
                problems.append(
                    f"未找到法院“{token.strip()}”（可填本院监督的法院的全称、简称或代字：{self.choices()}）"
                )
        return ids, problems


class _Officers:
    def __init__(self, court: Court) -> None:
        users = list(
            User.objects.filter(
                court=court, is_active=True, role_assignments__role__in=[Role.OFFICER, Role.DIRECTOR]
            ).distinct()
        )
        self.by_name: dict[str, list[User]] = {}
        self.by_username: dict[str, User] = {}
        for u in users:
            self.by_name.setdefault(_norm(u.full_name), []).append(u)
            self.by_username[_norm(u.username).lower()] = u

    def parse(self, value: Any) -> User | None:
        text = _norm(_text(value))
        if not text:
            return None
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueError(f"本院有 {len(found)} 名同名的监督员或局长，请改填其用户名")
        if text.lower() in self.by_username:
            return self.by_username[text.lower()]
        raise ValueError("本院没有这名监督员或局长（承办人须是本院在职的监督员或局长）")


def split_case_numbers(value: Any) -> list[str]:
    return [t.strip() for t in SEPARATORS.split(_text(value)) if t.strip()]


def _validate_row(
    line: int,
    cells: Mapping[str, Any],
    columns: Mapping[str, str],
    *,
    categories: Mapping[int, SourceCategory],
    courts: _Courts,
    officers: _Officers,
    today: dt.date,
) -> tuple[_Row | None, list[RowError]]:
    errors: list[RowError] = []
    raw = {name: cells.get(column) for name, column in columns.items()}.get

    def fail(name: str, reason: str, value: Any = None) -> None:
        shown = _text(raw(name) if value is None else value)
        errors.append(RowError(line, columns.get(name, LABELS[name]), shown, reason))

    def text(name: str) -> str:
        return _text(raw(name))

    def date(name: str) -> dt.date | None:
        try:
            return parse_date(raw(name))
        except ValueError as exc:
            fail(name, str(exc))
            return None

    def boolean(name: str) -> bool | None:
        try:
            return parse_bool(raw(name))
        except ValueError as exc:
            fail(name, str(exc))
            return None

    title = text("title")
    if not title:
        fail("title", "事由不能为空")
    elif len(title) > 200:
        fail("title", f"事由过长（{len(title)} 字，最多 200 字）")

    received = date("received_on")
    if received is None and not any(e.column == columns.get("received_on") for e in errors):
        fail("received_on", "收到日期不能为空")
    elif received is not None and received > today:
        fail("received_on", "收到日期不能晚于今天")

    category: SourceCategory | None = None
    try:
        category = parse_category(raw("category"), categories)
    except ValueError as exc:
        fail("category", str(exc))

    body = text("body")
    if not body:
        fail("body", "来文单位（来源）不能为空")
    elif len(body) > 100:
        fail("body", "来文单位过长（最多 100 字）")

    doc_date = date("doc_date")
    instruction_date = date("instruction_date")
    instructor = text("instructor")
    if category is not None and category.is_leader:
        if not instructor:
            fail("instructor", f"领导批示类来源（第（{category.item_cn}）项）须填写批示人")
        if instruction_date is None and not any(e.column == columns.get("instruction_date") for e in errors):
            fail("instruction_date", f"领导批示类来源（第（{category.item_cn}）项）须填写批示日期")

    report_back = boolean("report_back")
    report_by = date("report_by")
    if report_back is False and report_by is not None:
        fail("report_by", "填写了报告期限，但“是否报告结果”为否")
    if report_back is None:
        report_back = report_by is not None or bool(category and category.report_back_default)
    if report_by is not None and received is not None and report_by < received:
        fail("report_by", "报告期限不能早于收到日期")

    court_ids, court_problems = courts.parse(raw("courts"))
    for problem in court_problems:
        fail("courts", problem)

    numbers: list[str] = []
    for token in split_case_numbers(raw("case_numbers")):
        try:
            numbers.extend(services.clean_case_numbers([token]))
        except ServiceError as exc:
            fail("case_numbers", exc.message.split("：", 1)[-1], token)
    if not court_ids and not numbers and not court_problems:
        fail("courts", "请填写被监督法院，或填写能识别法院的关联案号")

    anonymous = boolean("anonymous") or False
    name, id_number, phone = (
        text("complainant_name"),
        text("complainant_id_number"),
        text("complainant_phone"),
    )
    if anonymous and (name or id_number or phone):
        fail("anonymous", "匿名来信不应填写来信人姓名、证件号码或联系电话")
    for key, value, limit in (("complainant_name", name, 60), ("complainant_id_number", id_number, 30),
                              ("complainant_phone", phone, 30), ("complainant_address", text("complainant_address"), 200),
                              ("external_ref", text("external_ref"), 80), ("doc_number", text("doc_number"), 80),
                              ("instructor", instructor, 60), ("expedited_reason", text("expedited_reason"), 200),
                              ("expedited_by", text("expedited_by"), 100)):  # fmt: skip
        if len(value) > limit:
            fail(key, f"过长（{len(value)} 字，最多 {limit} 字）")

    channel = Channel.PAPER.value
    if text("channel"):
        labels = {str(label): value for value, label in Channel.choices}
        if _norm(text("channel")) in labels:
            channel = labels[_norm(text("channel"))]
        else:
            fail("channel", "无法识别的来文渠道；可填：" + "、".join(labels))

    group = boolean("group_petition") or False
    expedited = boolean("expedited") or False
    if expedited:
        if not text("expedited_reason"):
            fail("expedited_reason", "特事特办须填写特事特办事由（第九条）", "")
        if not text("expedited_by"):
            fail("expedited_by", "特事特办须填写提出要求的机关（第九条）", "")

    officer: User | None = None
    try:
        officer = officers.parse(raw("officer"))
    except ValueError as exc:
        fail("officer", str(exc))

    history: list[str] = []
    state_text = re.sub(r"\s+", "", _norm(text("state")))
    if state_text:
        if state_text in STATE_WORDS:
            wanted = STATE_WORDS[state_text]
            if (
                wanted == MatterState.REVIEWING
                and officer is None
                and "officer" not in _failed(errors, columns)
            ):
                fail("state", "状态为“审查中”的事项须填写承办人")
            if wanted == MatterState.REGISTERED and officer is not None:
                fail("state", "已分配承办人的事项状态为“审查中”；“已登记”的事项不填承办人")
        elif state_text in LATER_STATES:
            if officer is None and "officer" not in _failed(errors, columns):
                fail("state", f"原状态为“{state_text}”的事项须填写承办人（按“审查中”登记，由承办人继续办理）")
            history.append(f"原台账状态为“{state_text}”")
        elif any(word in state_text for word in CLOSED_WORDS):
            fail("state", "已办结或已撤销的事项不导入：上线导入只登记尚未办结的事项")
        else:
            fail("state", "无法识别的状态；可填：已登记、审查中，或上线前已到达的" + "、".join(LATER_STATES))
    if text("progress"):
        history.append(text("progress"))

    if errors:
        return None, errors
    assert received is not None and category is not None
    source = services.SourceInput(
        category=category,
        body=body,
        received_on=received,
        doc_number=text("doc_number"),
        doc_date=doc_date,
        instructor=instructor,
        instruction=text("instruction"),
        instruction_date=instruction_date,
        report_back=report_back,
        report_rule=DEFAULT_REPORT_RULE if report_back and report_by is None else "",
        report_by=report_by if report_back else None,
    )
    data = services.MatterInput(
        title=title,
        received_on=received,
        sources=[source],
        court_ids=court_ids,
        case_numbers=numbers,
        content=text("content"),
        channel=channel,
        external_ref=text("external_ref"),
        anonymous=anonymous,
        complainant_name=name,
        complainant_id_number=id_number,
        complainant_phone=phone,
        complainant_address=text("complainant_address"),
        group_petition=group,
        expedited=expedited,
        expedited_reason=text("expedited_reason"),
        expedited_by=text("expedited_by"),
        officer=officer,
    )
    return _Row(line, data, "；".join(history)), []


def _failed(errors: list[RowError], columns: Mapping[str, str]) -> set[str]:
    blamed = {e.column for e in errors}
    return {name for name, column in columns.items() if column in blamed}


def _file_error(
    result: ImportResult, reason: str, *, line: int = 0, column: str = "", value: str = ""
) -> ImportResult:
    result.errors.append(RowError(line, column, value, reason))
    return result


def supervising_court_for(actor: User | None, code: str | None) -> Court:
    """The court importing the ledger: ``code`` (command line) or the actor's court."""
    court: Court | None = None
    if code:
        court = Court.objects.filter(code=code).first()
        if court is None:
            raise ServiceError(f"未找到代字为“{code}”的法院。")
    elif actor is not None:
        court = actor.court
    if court is None:
        raise ServiceError("请用 --court 指定导入台账的法院（督办法院），或用 --user 指定登记人。")
    if actor is not None and not actor.is_superuser and actor.court_id != court.pk:
        raise PermissionDenied("只能导入本院的督办台账。")
    if not (supervised_subtree_ids(court.pk) - {court.pk}):
        raise ServiceError(f"{court.name}没有所监督的下级法院，不能作为督办法院导入台账。")
    return court


def import_matters(
    path: Path,
    *,
    actor: User | None,
    court: Court,
    dry_run: bool = False,
    file_name: str | None = None,
    sheet: str | None = None,
) -> ImportResult:
    """Import a ledger file; never raises for a bad file or row — the result lists the errors
    (``result.refused``) and nothing is written. ``PermissionDenied`` when the actor may not
    register matters at ``court``."""
    from zhijian.cases.uploads import UNREADABLE_XLSX

    name = file_name or path.name
    result = ImportResult(file_name=name, dry_run=dry_run)
    if actor is not None and not actor.is_superuser:
        if not actor.has_role(Role.OFFICER, Role.DIRECTOR):
            raise PermissionDenied("只有监督员或局长可以导入督办台账。")
        if actor.court_id != court.pk:
            raise PermissionDenied("只能导入本院的督办台账。")
    if actor is None and not User.objects.filter(is_superuser=True, is_active=True).exists():
        return _file_error(
            result, "没有可作为登记人的系统管理员账号：请用 --user 指定登记人（本院监督员或局长的用户名）。"
        )
    if path.suffix.lower() not in (".csv", ".xlsx"):
        return _file_error(result, "只能导入 CSV（.csv）或 Excel（.xlsx）文件。")
    try:
        mapping, data = rows_of(path, sheet=sheet, aliases=ALIASES)
        rows = list(data)
    except zipfile.BadZipFile:
        return _file_error(result, UNREADABLE_XLSX)
    except UnicodeDecodeError as exc:
        return _file_error(
            result, f"无法读取文件：第 {exc.start + 1} 字节附近的文字编码无法识别（应为 UTF-8 或 GB18030）。"
        )
    except KeyError:
        return _file_error(result, f"文件中没有名为“{sheet}”的工作表。")
    except (ValueError, OSError) as exc:
        return _file_error(result, f"无法读取文件：{exc}")
    result.unknown_columns = mapping.unknown
    result.rows = len(rows)
    missing = [c for c in COLUMNS if c.required and c.name not in mapping.columns]
    for c in missing:
        _file_error(
            result,
            f"缺少必需的列“{c.label}”（也可写作：{'、'.join(c.aliases) or '无'}）",
            line=1,
            column=c.label,
        )
    if missing:
        return result
    if not rows:
        return _file_error(result, "文件中没有数据行。", line=2)

    today = timezone.localdate()
    categories = {c.item: c for c in SourceCategory.objects.all()}
    courts, officers = _Courts(court), _Officers(court)
    parsed: list[_Row] = []
    refs: dict[str, int] = {}
    for line, cells in rows:
        row, errors = _validate_row(
            line, cells, mapping.columns, categories=categories, courts=courts, officers=officers, today=today
        )
        result.errors.extend(errors)
        if row is None:
            continue
        ref = row.data.external_ref
        if ref:
            if ref in refs:
                result.errors.append(
                    RowError(line, mapping.columns["external_ref"], ref, f"与第 {refs[ref]} 行的外部编号重复")
                )
                continue
            refs[ref] = line
        parsed.append(row)
    if refs:
        existing = dict(
            Matter.objects.filter(supervising_court=court, external_ref__in=list(refs)).values_list(
                "external_ref", "number"
            )
        )
        for ref, number in existing.items():
            result.errors.append(
                RowError(
                    refs[ref],
                    mapping.columns["external_ref"],
                    ref,
                    f"该外部编号已导入过（登记编号 {number}），不再重复导入",
                )
            )
        parsed = [r for r in parsed if r.data.external_ref not in existing]

    cells_by_line = dict(rows)
    try:
        with transaction.atomic():
            for row in parsed:
                try:
                    with transaction.atomic():
                        matter = services.register_matter(
                            actor,
                            row.data,
                            supervising_court=court,
                            counted_from=row.data.received_on,
                            quiet=True,
                        )
                except ServiceError as exc:
                    column = mapping.columns.get(FIELD_COLUMNS.get(exc.field or "", ""), "")
                    value = _text(cells_by_line[row.line].get(column)) if column else ""
                    result.errors.append(RowError(row.line, column, value, exc.message))
                    continue
                result.numbers.append(matter.number)
                note = f"上线导入：自台账文件“{name}”第 {row.line} 行导入"
                TimelineEntry.objects.create(matter=matter, actor=actor, action="import", text=note)
                if row.history:
                    TimelineEntry.objects.create(
                        matter=matter,
                        actor=actor,
                        action="import_history",
                        text=f"上线前已办理：{row.history}",
                    )
            result.errors.sort(key=lambda e: (e.line, e.column))
            if result.errors or dry_run:
                raise _Rollback
            result.created = len(result.numbers)
            record(
                "supervision.matter.import",
                actor=actor,
                court=court,
                after={
                    "file": name,
                    "rows": result.rows,
                    "created": result.created,
                    "matters": result.numbers,
                },
            )
            _notify_import(actor, court, name, result.numbers)
    except _Rollback:
        if result.errors:
            result.numbers = []
    return result


def _notify_import(actor: User | None, court: Court, name: str, numbers: list[str]) -> None:
    """One notification for the whole file (registration itself is quiet on import): the
    officers named in it see their matters on the home page; the directors learn how many
    arrived without an officer."""
    from zhijian.notifications.services import notify

    from .models import Matter

    if not numbers:
        return
    unassigned = Matter.objects.filter(number__in=numbers, officer__isnull=True).count()
    directors = User.objects.filter(court=court, is_active=True, role_assignments__role=Role.DIRECTOR)
    text = f"导入督办台账“{name}”：登记 {len(numbers)} 件" + (
        f"，其中 {unassigned} 件待分配承办人" if unassigned else ""
    )
    notify(
        list(directors),
        kind="matter.import",
        title=text,
        url="/matters/?state=registered" if unassigned else "/matters/",
        key=f"matter-import:{numbers[0]}:{numbers[-1]}",
        court=court,
    )


# --- the template ----------------------------------------------------------------------------


def template_workbook(court: Court | None) -> bytes:
    """An XLSX with the documented headers, one example row and a sheet explaining the columns."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    example_court, example_officer = "（本院监督的法院简称）", ""
    example_case = ""
    if court is not None:
        first = _Courts(court).allowed[:1]
        if first:
            example_court = first[0].short_name
            example_case = f"（{today_year()}）{first[0].code}执1号"
        officer = (
            User.objects.filter(court=court, is_active=True, role_assignments__role=Role.OFFICER)
            .order_by("pk")
            .first()
        )
        example_officer = officer.full_name if officer is not None else ""
    fill = {"{court}": example_court, "{case}": example_case, "{officer}": example_officer}
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "督办台账"
    ws.append([c.label for c in COLUMNS])
    ws.append([fill.get(c.example, c.example) for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, len(c.label) * 2 + 4)
    ws.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "必填", "也可写作", "说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for c in COLUMNS:
        notes.append([c.label, "是" if c.required else "", "、".join(c.aliases), c.help])
    for letter, width in zip("ABCD", (16, 6, 36, 90), strict=True):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def today_year() -> int:
    return timezone.localdate().year
