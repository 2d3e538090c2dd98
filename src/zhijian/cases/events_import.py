"""The events file (流程节点): 案号, 节点, 开始日期, 结束日期 (optional), 说明 (optional),
数据截至日期 (optional). Node names map onto the legal clock's event codes through an alias
table (``DEFAULT_NODE_ALIASES`` plus the administrators' additions); unknown names are reported
with their counts and their rows skipped — never fatal.

The file is a full export of the nodes of the cases it names: for each of those cases the
events are replaced, and the derived facts rebuilt in the same transaction — suspensions (中止、
暂缓、公告、鉴定评估 … with from–to; open-ended allowed), approved extensions, petitions
(信访, 集体信访), the 执行障碍 date — then the case's due dates are recomputed by the legal clock.
Suspensions and petitions that a supervision matter or measure added (``origin`` set, see
``flags.py``) are kept and count with the imported ones.
A case whose events came from a later export (``events_as_of``) is left alone unless ``force``.
Atomic by default like the case file: one invalid row (unknown case, impossible date …) and
nothing is written; ``skip_invalid`` writes the rest. Audited (``cases.import_events``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.legaltime.events import EVENTS
from zhijian.org.models import Court, User
from zhijian.org.scoping import is_read_only, writable_court_ids

from .dues import OPEN_ENDED_SUSPENSIONS, SUSPENDING_EVENTS, Event, parse_extension, suspensions_from_events
from .models import (
    CaseEvent,
    CaseExtension,
    CaseImport,
    CasePetition,
    CaseSuspension,
    EnforcementCase,
)
from .numbers import CaseNumber, CaseNumberError, parse
from .recompute import recompute_ids
from .rows import RowError, _header_key, _text, read_table
from .services import ImportRefused, _sha256
from .values import parse_date

Progress = Callable[[str, int, int | None], None]
MAX_STORED_ERRORS = 5000
BATCH = 2000

EVENT_COLUMNS: dict[str, list[str]] = {
    "number": ["案号", "执行案号"],
    "node": ["节点", "节点名称", "流程节点", "节点类型"],
    "on": ["开始日期", "节点日期", "日期", "发生日期", "开始时间"],
    "end_on": ["结束日期", "结束时间", "截止日期"],
    "note": ["说明", "备注", "内容"],
    "data_as_of": ["数据截至日期", "统计截止日期", "数据日期"],
}
EVENT_REQUIRED = ("number", "node", "on")
EVENT_LABELS = {"number": "案号", "node": "节点", "on": "开始日期", "end_on": "结束日期", "note": "说明",
                "data_as_of": "数据截至日期"}  # fmt: skip

# 节点 as the case-flow system writes it → event code (legaltime.events.EVENTS)
DEFAULT_NODE_ALIASES: dict[str, str] = {
    "立案": "filed",
    "收案": "application_received",
    "收到申请执行书": "application_received",
    "收到移交执行书": "application_received",
    "移送执行": "application_received",
    "承办人收到案件材料": "materials_received",
    "分案": "handler_assigned",
    "确定承办人": "handler_assigned",
    "指定承办人": "handler_assigned",
    "发出执行通知书": "notice_issued",
    "执行通知书": "notice_issued",
    "发送执行通知书": "notice_issued",
    "报告财产令": "property_report_order",
    "发出报告财产令": "property_report_order",
    "通知提供财产线索": "clues_requested",
    "通知申请执行人提供财产线索": "clues_requested",
    "提供财产线索": "clues_provided",
    "申请执行人提供财产线索": "clues_provided",
    "核查财产线索": "clues_checked",
    "线索核查": "clues_checked",
    "财产线索核查完毕": "clues_checked",
    "申请法院调查": "investigation_requested",
    "申请调查财产": "investigation_requested",
    "启动财产调查": "investigation_started",
    "财产调查": "investigation_started",
    "网络查控": "investigation_started",
    "总对总查询": "investigation_started",
    "完成财产调查": "investigation_done",
    "财产调查完毕": "investigation_done",
    "查控完毕": "investigation_done",
    "查封": "seizure",
    "冻结": "seizure",
    "扣押": "seizure",
    "查封冻结扣押": "seizure",
    "拍卖": "appraisal_auction",
    "变卖": "appraisal_auction",
    "鉴定评估": "appraisal",
    "评估": "appraisal",
    "案款到账": "money_received",
    "执行款到账": "money_received",
    "案款发放": "money_paid",
    "执行款发放": "money_paid",
    "发放案款": "money_paid",
    "中止执行": "suspended",
    "中止": "suspended",
    "恢复执行": "resumed",
    "恢复": "resumed",
    "暂缓执行": "deferred",
    "公告": "announcement",
    "公告期间": "announcement",
    "管辖争议": "jurisdiction_dispute",
    "管辖争议处理": "jurisdiction_dispute",
    "执行争议协调": "coordination",
    "执行障碍": "obstacle",
    "阻碍执行": "obstacle",
    "执行障碍消除": "obstacle_removed",
    "障碍消除": "obstacle_removed",
    "延长执行期限": "extension_approved",
    "批准延长执行期限": "extension_approved",
    "延长审限": "extension_approved",
    "执行信访": "petition_received",
    "信访": "petition_received",
    "来访": "petition_received",
    "来信": "petition_received",
    "集体信访": "petition_group",
    "集体访": "petition_group",
    "收到执行异议": "objection_received",
    "收到书面异议": "objection_received",
    "收到复议申请": "reconsideration_received",
    "结案": "concluded",
}


class EventsRefused(ImportRefused):
    """A refused events file (an ``ImportRefused``, so callers catch both kinds alike)."""


def node_key(name: str) -> str:
    return _header_key(name)


def node_aliases() -> dict[str, str]:
    """The effective node table: the defaults, then the administrators' additions (which win)."""
    table = {node_key(k): v for k, v in DEFAULT_NODE_ALIASES.items()}
    try:
        from .aliases import effective_node_aliases
    except ImportError:  # the alias pages are optional
        return table
    return {node_key(k): v for k, v in effective_node_aliases(dict(DEFAULT_NODE_ALIASES)).items()}


def is_events_file(headers: list[str]) -> bool:
    keys = {_header_key(h) for h in headers}
    return bool(keys & set(EVENT_COLUMNS["node"])) and not keys & {"承办人", "承办法官", "立案日期"}


def _map(headers: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    lookup = {_header_key(s): name for name, spellings in EVENT_COLUMNS.items() for s in spellings}
    columns: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        name = lookup.get(_header_key(header))
        if name is None or name in columns:
            if header.strip():
                unknown.append(header)
            continue
        columns[name] = header
    missing = [EVENT_LABELS[f] for f in EVENT_REQUIRED if f not in columns]
    return columns, unknown, missing


def _rows(path: Path, sheet: str | None) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    table = read_table(path, sheet=sheet)
    try:
        _, header_cells = next(table)
    except StopIteration:
        raise ValueError("文件是空的，没有表头") from None
    headers = [_text(h) for h in header_cells]

    def data() -> Iterator[tuple[int, dict[str, Any]]]:
        for lineno, cells in table:
            if any(_text(c) for c in cells):
                yield lineno, dict(zip(headers, cells, strict=False))

    return headers, data()


def import_events(
    path: Path,
    *,
    actor: User | None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    force: bool = False,
    sheet: str | None = None,
    progress: Progress | None = None,
    case_import: CaseImport | None = None,
) -> CaseImport:
    """Import an events file. Raises ``EventsRefused`` (with the record) when refused."""
    if actor is not None and not actor.is_superuser and is_read_only(actor):
        raise PermissionDenied("只读账号不能导入数据。")
    writable = None if actor is None or actor.is_superuser else set(writable_court_ids(actor))
    known = dict(Court.objects.values_list("code", "name"))
    options = {"dry_run": dry_run, "skip_invalid": skip_invalid, "force": force, "sheet": sheet}
    if case_import is None:
        case_import = CaseImport.objects.create(
            kind=CaseImport.Kind.EVENTS,
            file_name=path.name,
            sha256=_sha256(path),
            actor=actor,
            court=actor.court if actor else None,
            options=options,
        )
    else:
        case_import.kind = CaseImport.Kind.EVENTS
        case_import.options = {**case_import.options, **options}
        case_import.save()
    errors: list[RowError] = []
    try:
        headers, data = _rows(path, sheet)
    except (ValueError, OSError, KeyError) as exc:
        return _refuse(case_import, [RowError(0, "", "", f"无法读取文件：{exc}")], rows=0)
    columns, unknown, missing = _map(headers)
    case_import.unknown_columns = unknown
    if missing:
        return _refuse(case_import, [RowError(1, "", "", f"缺少必需的列：{'、'.join(missing)}")], rows=0)

    aliases = node_aliases()
    year = timezone.localdate().year
    unknown_nodes: Counter[str] = Counter()
    per_case: dict[str, list[tuple[int, Event, str]]] = {}
    latest_as_of: dt.date | None = None
    rows = 0
    bad_lines: set[int] = set()
    # a case with an invalid row is skipped whole (its stored events are kept): the file is a
    # full export of the nodes of the cases it names, and half of them would change the dates
    invalid_cases: set[str] = set()

    def cell(values: dict[str, Any], name: str) -> Any:
        return values.get(columns[name]) if name in columns else None

    for line, values in data:
        rows += 1
        if progress is not None and rows % 1000 == 0:
            progress("validate", rows, None)
        row_errors: list[RowError] = []

        def fail(
            name: str, value: Any, reason: str, row_errors: list[RowError] = row_errors, line: int = line
        ) -> None:
            row_errors.append(RowError(line, columns.get(name, EVENT_LABELS[name]), _text(value), reason))

        number: CaseNumber | None = None
        try:
            parsed = parse(_text(cell(values, "number")), known_courts=known, current_year=year)
            assert isinstance(parsed, CaseNumber)
            number = parsed
        except CaseNumberError as exc:
            fail("number", cell(values, "number"), exc.reason)
        node = _text(cell(values, "node"))
        code = aliases.get(node_key(node))
        if not node:
            fail("node", node, "节点不能为空")
        dates: dict[str, dt.date | None] = {}
        for name in ("on", "end_on", "data_as_of"):
            try:
                dates[name] = parse_date(cell(values, name))
            except ValueError as exc:
                fail(name, cell(values, name), str(exc))
                dates[name] = None
        on = dates["on"]
        if on is None and not any(e.column == columns["on"] for e in row_errors):
            fail("on", cell(values, "on"), "开始日期不能为空")
        if on is not None and dates["end_on"] is not None and dates["end_on"] < on:
            fail("end_on", cell(values, "end_on"), "结束日期早于开始日期")
        note = _text(cell(values, "note"))[:300]
        if code == "extension_approved" and parse_extension(note) is None:
            fail("note", note, "批准延长执行期限的，说明中应写明延长的期间（如“延长3个月”“延长90日”）")
        if (
            code in SUSPENDING_EVENTS
            and code not in OPEN_ENDED_SUSPENSIONS
            and dates["end_on"] is None
            and on
        ):
            fail(
                "end_on",
                cell(values, "end_on"),
                f"“{node}”不计入执行期限，须填写结束日期（只有中止、暂缓执行可以尚未结束）",
            )
        if row_errors:
            bad_lines.add(line)
            errors.extend(row_errors)
            if number is not None:
                invalid_cases.add(number.normalized)
            continue
        if code is None:
            unknown_nodes[node] += 1
            continue
        assert number is not None and on is not None
        if dates["data_as_of"] and (latest_as_of is None or dates["data_as_of"] > latest_as_of):
            latest_as_of = dates["data_as_of"]
        per_case.setdefault(number.normalized, []).append((line, Event(code, on, dates["end_on"]), note))

    # the cases must exist, and be the importer's to write
    found: dict[str, tuple[int, int, dt.date | None]] = {}
    numbers = list(per_case)
    for offset in range(0, len(numbers), BATCH):
        for pk, number_text, court_id, as_of in EnforcementCase.objects.filter(
            number__in=numbers[offset : offset + BATCH]
        ).values_list("pk", "number", "court_id", "events_as_of"):
            found[number_text] = (pk, court_id, as_of)
    writable_codes = (
        None
        if writable is None
        else set(Court.objects.filter(pk__in=writable).values_list("code", flat=True))
    )
    for number_text in invalid_cases:
        per_case.pop(number_text, None)
    for number_text, items in list(per_case.items()):
        reason = None
        court_code = number_text.split("）", 1)[1]
        if writable_codes is not None and not any(
            court_code.startswith(code) and court_code[len(code) :].startswith("执")
            for code in writable_codes
        ):
            # decided by the number's court code alone, so it never tells whether another
            # court's case exists
            reason = "您无权导入该法院的案件。"
        elif number_text not in found:
            reason = "案件不存在：请先导入该案件（案件文件），再导入其流程节点。"
        if reason:
            for line, _, _ in items:
                bad_lines.add(line)
                errors.append(RowError(line, columns["number"], number_text, reason))
            del per_case[number_text]
    errors.sort(key=lambda e: e.line)

    case_import.rows = rows
    case_import.rejected = len(bad_lines)
    case_import.data_as_of = latest_as_of
    case_import.options = {
        **case_import.options,
        "unknown_nodes": dict(unknown_nodes.most_common()),
        "skipped_cases": len(invalid_cases),
    }
    if rows == 0:
        errors.append(RowError(0, "", "", "文件中没有数据行。"))
    if errors and (not skip_invalid or rows == 0):
        return _refuse(case_import, errors, rows=rows)
    case_import.errors = [e.__dict__ for e in errors[:MAX_STORED_ERRORS]]
    case_import.state = CaseImport.State.MERGING
    case_import.save()

    as_of = latest_as_of or case_import.started_at.date()
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped_older": 0}
    with transaction.atomic():
        targets: dict[int, list[tuple[int, Event, str]]] = {}
        for number_text, items in per_case.items():
            pk, _, stored_as_of = found[number_text]
            if not force and stored_as_of is not None and stored_as_of > as_of:
                counts["skipped_older"] += 1
                continue
            targets[pk] = items
        # the newest data wins: re-read the cases' export dates under the transaction
        for offset in range(0, len(targets), BATCH):
            chunk = list(targets)[offset : offset + BATCH]
            stored = EnforcementCase.objects.filter(pk__in=chunk)
            if connection.features.has_select_for_update:
                stored = stored.select_for_update(of=("self",))
            for pk, stored_as_of in stored.values_list("pk", "events_as_of"):
                if not force and stored_as_of is not None and stored_as_of > as_of:
                    del targets[pk]
                    counts["skipped_older"] += 1
        _replace(targets, case_import, as_of, counts, progress)
        recompute_ids(list(targets))
        for name, value in counts.items():
            setattr(case_import, name, value)
        case_import.state = CaseImport.State.DRY_RUN if dry_run else CaseImport.State.DONE
        case_import.finished_at = timezone.now()
        if dry_run:
            transaction.set_rollback(True)
        else:
            record(
                "cases.import_events",
                actor=actor,
                target=case_import,
                after={
                    "file": case_import.file_name,
                    "sha256": case_import.sha256,
                    "rows": rows,
                    **counts,
                    "rejected": case_import.rejected,
                    "unknown_nodes": dict(unknown_nodes.most_common(20)),
                    "skip_invalid": skip_invalid,
                    "force": force,
                },
            )
            case_import.save()
    if dry_run:
        case_import.save()
    return case_import


def _replace(
    targets: dict[int, list[tuple[int, Event, str]]],
    case_import: CaseImport,
    as_of: dt.date,
    counts: dict[str, int],
    progress: Progress | None,
) -> None:
    """Replace the events of ``targets`` and rebuild what derives from them."""
    ids = list(targets)
    before: dict[int, set[tuple[str, dt.date, dt.date | None, str]]] = {pk: set() for pk in ids}
    for offset in range(0, len(ids), BATCH):
        chunk = ids[offset : offset + BATCH]
        if progress is not None:
            progress("merge", offset, len(ids))
        for case_id, code, on, end_on, note in CaseEvent.objects.filter(case_id__in=chunk).values_list(
            "case_id", "code", "on", "end_on", "note"
        ):
            before[case_id].add((code, on, end_on, note))
        for model in (CaseEvent, CaseExtension):
            model.objects.filter(case_id__in=chunk).delete()
        # petitions and excluded periods a supervision matter or measure added (with an origin)
        # stay, and count with the imported ones
        CaseSuspension.objects.filter(case_id__in=chunk, origin="").delete()
        CasePetition.objects.filter(case_id__in=chunk, origin="").delete()
        events, suspensions, petitions, extensions = [], [], [], []
        petitions_on: dict[tuple[int, dt.date], CasePetition] = {}
        # petitions a supervision matter added stay, and count with the imported ones
        for kept in CasePetition.objects.filter(case_id__in=chunk).exclude(origin=""):
            petitions_on.setdefault((kept.case_id, kept.received_on), kept)
        updates = []
        for pk in chunk:
            items = sorted(targets[pk], key=lambda item: (item[1].on, item[0]))
            after = {(e.code, e.on, e.end_on, n) for _, e, n in items}
            if not before[pk]:
                counts["created"] += 1
            elif before[pk] == after:
                counts["unchanged"] += 1
            else:
                counts["updated"] += 1
            for _, e, note in items:
                events.append(
                    CaseEvent(
                        case_id=pk, code=e.code, on=e.on, end_on=e.end_on, note=note, source=case_import
                    )
                )
                if e.code in ("petition_received", "petition_group"):
                    # one petition a day (来信 and 来访 the same day, or a repeated row, count once)
                    same_day = petitions_on.get((pk, e.on))
                    if same_day is None:
                        petitions_on[(pk, e.on)] = CasePetition(
                            case_id=pk, received_on=e.on, group=e.code == "petition_group", note=note
                        )
                        petitions.append(petitions_on[(pk, e.on)])
                    elif e.code == "petition_group":
                        same_day.group = True
                elif e.code == "extension_approved":
                    length, unit = parse_extension(note) or (0, "days")
                    extensions.append(
                        CaseExtension(case_id=pk, length=length, unit=unit, approved_on=e.on, note=note)
                    )
            plain = [e for _, e, _ in items]
            for kind, start, end in suspensions_from_events(plain):
                suspensions.append(CaseSuspension(case_id=pk, kind=kind, start=start, end=end))
            own = [p for (case_id, _), p in petitions_on.items() if case_id == pk]
            updates.append(
                EnforcementCase(
                    pk=pk,
                    events_as_of=as_of,
                    petition_count=len(own),
                    last_petition_on=max(p.received_on for p in own) if own else None,
                    group_petition=any(p.group for p in own),
                    obstacle_since=_obstacle_since(plain),
                )
            )
            for key in [k for k in petitions_on if k[0] == pk]:
                del petitions_on[key]
        CaseEvent.objects.bulk_create(events, batch_size=1000)
        CaseSuspension.objects.bulk_create(suspensions, batch_size=1000)
        CasePetition.objects.bulk_create(petitions, batch_size=1000)
        CaseExtension.objects.bulk_create(extensions, batch_size=1000)
        # one UPDATE statement executed for many rows (Django's bulk_update builds a CASE per row)
        fields = ("events_as_of", "petition_count", "last_petition_on", "group_petition", "obstacle_since")
        q = connection.ops.quote_name
        sql = (
            f"UPDATE {q(EnforcementCase._meta.db_table)} SET "
            + ", ".join(f"{q(name)} = %s" for name in fields)
            + " WHERE id = %s"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(*(getattr(u, name) for name in fields), u.pk) for u in updates])


def _obstacle_since(events: list[Event]) -> dt.date | None:
    """The start of the latest 执行障碍 not yet removed (its own end date, or a later 障碍消除)."""
    removed = sorted(e.on for e in events if e.code == "obstacle_removed")
    since = None
    for e in sorted(events, key=lambda e: e.on):
        if e.code != "obstacle":
            continue
        ended = e.end_on is not None or any(r >= e.on for r in removed)
        since = None if ended else e.on
    return since


def _refuse(case_import: CaseImport, errors: list[RowError], *, rows: int) -> CaseImport:
    case_import.state = CaseImport.State.REFUSED
    case_import.rows = rows
    case_import.rejected = max(case_import.rejected, len({e.line for e in errors if e.line > 1}))
    case_import.errors = [e.__dict__ for e in errors[:MAX_STORED_ERRORS]]
    case_import.finished_at = timezone.now()
    case_import.save()
    raise EventsRefused(case_import)


assert set(DEFAULT_NODE_ALIASES.values()) <= set(EVENTS), "node aliases must name known events"
assert set(SUSPENDING_EVENTS) <= set(EVENTS)
