"""The case import: one service behind the CLI (and, later, the upload page).

Phase 1 streams the file, validates every row and stages the good ones (committed, invisible to
users). Phase 2 merges the staged rows into the cases in **one transaction**: upsert by case
number, never overwriting a case that came from a later export (by 数据截至日期, else the import
date) unless ``force``. Atomic by default: one invalid row and nothing is written, every bad row
reported; ``skip_invalid`` writes the valid rows and records the rejected ones (audited);
``dry_run`` validates and reports what the merge would do, then rolls it back.

This first version is correct, not yet fast: the province-scale path (COPY into the staging
table, a set-based merge) replaces the row loops of phase 2 without changing this contract.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.legaltime.calendar import BusinessCalendar
from zhijian.legaltime.services import get_calendar
from zhijian.org.models import Court, Person, User
from zhijian.org.scoping import is_read_only, writable_court_ids

from .aliases import column_alias_table, status_alias_table
from .dues import DUE_FIELDS, NODE_FIELDS, RuleBook
from .flags import mark_corrections
from .models import CaseImport, CaseParty, CaseStage, EnforcementCase
from .recompute import recompute_cases
from .rows import CaseRow, RowError, rows_of, validate_case_row

STAGE_BATCH = 2000
MERGE_BATCH = 1000
MAX_STORED_ERRORS = 5000
CASE_FIELDS = (
    "filed_on",
    "status",
    "concluded_on",
    "conclusion_method",
    "amount_applied",
    "amount_recovered",
    "non_litigation",
    "original_number",
    "extension_days",
    "extension_approved_on",
    "anomalies",
)


Progress = Callable[[str, int, int | None], None]


class ImportRefused(Exception):
    def __init__(self, case_import: CaseImport) -> None:
        super().__init__(f"导入被拒绝：{case_import.rejected} 行有错误")
        self.case_import = case_import


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _importable_courts(actor: User | None) -> dict[str, Court]:
    courts = Court.objects.all()
    if actor is not None and not actor.is_superuser:
        if is_read_only(actor):
            raise PermissionDenied("只读账号不能导入案件。")
        courts = courts.filter(pk__in=writable_court_ids(actor))
    return {c.code: c for c in courts}


def _row_to_json(row: CaseRow) -> dict[str, Any]:
    def iso(d: dt.date | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "court_code": row.number.court_code,
        "year": row.number.year,
        "type_code": row.number.type_code,
        "seq": row.number.seq,
        "filed_on": iso(row.filed_on),
        "handler": row.handler,
        "status": row.status,
        "concluded_on": iso(row.concluded_on),
        "conclusion_method": row.conclusion_method,
        "amount_applied": str(row.amount_applied) if row.amount_applied is not None else None,
        "amount_recovered": str(row.amount_recovered) if row.amount_recovered is not None else None,
        "applicants": row.applicants,
        "respondents": row.respondents,
        "non_litigation": row.non_litigation,
        "original_number": row.original_number,
        "extension_days": row.extension_days,
        "extension_approved_on": iso(row.extension_approved_on),
        "data_as_of": iso(row.data_as_of),
        "anomalies": row.anomalies,
        "applicant_ids": row.applicant_ids,
        "applicant_phones": row.applicant_phones,
        "respondent_ids": row.respondent_ids,
        "respondent_phones": row.respondent_phones,
    }


def import_cases(
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
    """Import one export file. Raises ``ImportRefused`` (with the record) when the file is
    refused; returns the import record otherwise. ``progress(phase, done, total)`` is called
    now and then (phase "validate": rows read, total unknown; "merge": rows merged of total).
    ``case_import``: a record created beforehand (the upload page's background job, see
    ``uploads.py``) to fill instead of a new one; its file name, actor and court are kept."""
    courts = _importable_courts(actor)
    known = dict(Court.objects.values_list("code", "name"))
    options = {"dry_run": dry_run, "skip_invalid": skip_invalid, "force": force, "sheet": sheet}
    if case_import is None:
        case_import = CaseImport.objects.create(
            file_name=path.name,
            sha256=_sha256(path),
            actor=actor,
            court=actor.court if actor else None,
            options=options,
        )
    else:
        case_import.sha256 = case_import.sha256 or _sha256(path)
        case_import.options = {**case_import.options, **options}
        case_import.state = CaseImport.State.VALIDATING
        case_import.save()
    errors: list[RowError] = []
    try:
        headers, data = rows_of(path, sheet=sheet, aliases=column_alias_table())
    except (ValueError, OSError, KeyError) as exc:
        errors.append(RowError(0, "", "", f"无法读取文件：{exc}"))
        return _finish_refused(case_import, errors, rows=0)
    if headers.missing:
        errors.append(RowError(1, "", "", f"缺少必需的列：{'、'.join(headers.missing)}"))
        return _finish_refused(case_import, errors, rows=0)
    case_import.unknown_columns = headers.unknown

    # --- phase 1: validate and stage ---
    year = timezone.localdate().year
    statuses = status_alias_table()  # the 案件状态 aliases in effect (defaults + additions)
    seen: dict[str, int] = {}
    batch: list[CaseStage] = []
    rows = rejected = 0
    latest_as_of: dt.date | None = None
    for line, cells in data:
        rows += 1
        if progress is not None and rows % 1000 == 0:
            progress("validate", rows, None)
        row, row_errors = validate_case_row(
            line, cells, headers, known_courts=known, current_year=year, status_aliases=statuses
        )
        if row is not None:
            number = row.number.normalized
            if row.number.court_code not in courts:
                row_errors = [RowError(line, headers.columns["number"], number, "您无权导入该法院的案件。")]
            elif number in seen:
                row_errors = [
                    RowError(line, headers.columns["number"], number, f"与第 {seen[number]} 行的案号重复。")
                ]
            else:
                seen[number] = line
                if row.data_as_of and (latest_as_of is None or row.data_as_of > latest_as_of):
                    latest_as_of = row.data_as_of
                batch.append(
                    CaseStage(case_import=case_import, line=line, number=number, data=_row_to_json(row))
                )
                if len(batch) >= STAGE_BATCH:
                    CaseStage.objects.bulk_create(batch)
                    batch = []
        if row_errors:
            rejected += 1
            errors.extend(row_errors)
    if batch:
        CaseStage.objects.bulk_create(batch)
    case_import.rows = rows
    case_import.rejected = rejected
    case_import.data_as_of = latest_as_of
    if rows == 0:
        errors.append(RowError(0, "", "", "文件中没有数据行。"))
    if errors and (not skip_invalid or rows == 0):
        return _finish_refused(case_import, errors, rows=rows)
    case_import.errors = [e.__dict__ for e in errors[:MAX_STORED_ERRORS]]

    # --- phase 2: merge in one transaction ---
    case_import.state = CaseImport.State.MERGING
    case_import.save()
    with transaction.atomic():
        counts = _merge(case_import, force=force, courts=courts, progress=progress)
        for name, value in counts.items():
            setattr(case_import, name, value)
        case_import.state = CaseImport.State.DRY_RUN if dry_run else CaseImport.State.DONE
        case_import.finished_at = timezone.now()
        if not dry_run:
            record(
                "cases.import",
                actor=actor,
                target=case_import,
                after={
                    "file": case_import.file_name,
                    "sha256": case_import.sha256,
                    "rows": rows,
                    **counts,
                    "rejected": rejected,
                    "skip_invalid": skip_invalid,
                    "force": force,
                },
            )
            case_import.save()
        else:
            transaction.set_rollback(True)
    CaseStage.objects.filter(case_import=case_import).delete()
    if dry_run:
        case_import.save()
    return case_import


def _finish_refused(case_import: CaseImport, errors: list[RowError], *, rows: int) -> CaseImport:
    CaseStage.objects.filter(case_import=case_import).delete()
    case_import.state = CaseImport.State.REFUSED
    case_import.rows = rows
    case_import.rejected = max(case_import.rejected, len({e.line for e in errors if e.line > 1}))
    case_import.errors = [e.__dict__ for e in errors[:MAX_STORED_ERRORS]]
    case_import.finished_at = timezone.now()
    case_import.save()
    raise ImportRefused(case_import)


# --- merge -----------------------------------------------------------------------------------


def _nth(values: list[str] | None, i: int) -> str:
    return (values[i] if values and i < len(values) else "")[:30]


def _set_dues(case: EnforcementCase, book: RuleBook, calendar: BusinessCalendar) -> None:
    """The due-date columns of a case from the case file alone (no events yet). Cases with
    imported events, suspensions or extensions are recomputed in full after the merge."""
    for name in NODE_FIELDS:
        setattr(case, name, None)
    case.limit_rule, case.limit_due, provisional = book.limit_fast(
        calendar, case.filed_on, case.type_code, case.non_litigation, case.extension_days
    )
    case.handler_due, case.handler_done, p2 = book.handler_fast(
        calendar, case.filed_on, case.type_code, case.handler_id is not None
    )
    case.limit_provisional = provisional or p2
    case.suspended_since = None


def _persons(court_names: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Person]:
    wanted = set(court_names)
    found: dict[tuple[int, str], Person] = {}
    for person in Person.objects.filter(court_id__in={c for c, _ in wanted}, name__in={n for _, n in wanted}):
        found.setdefault((person.court_id, person.name), person)
    missing = [
        Person(court_id=c, name=n, note="导入案件时自动建立") for c, n in wanted if (c, n) not in found
    ]
    for person in Person.objects.bulk_create(missing):
        found[(person.court_id, person.name)] = person
    return found


def _merge(
    case_import: CaseImport, *, force: bool, courts: dict[str, Court], progress: Progress | None = None
) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped_older": 0}
    book = RuleBook()
    calendar = get_calendar()
    import_date = case_import.started_at.date()
    staged = CaseStage.objects.filter(case_import=case_import).order_by("line")
    total = staged.count()
    for offset in range(0, total, MERGE_BATCH):
        if progress is not None:
            progress("merge", offset, total)
        chunk = list(staged[offset : offset + MERGE_BATCH])
        existing = {c.number: c for c in EnforcementCase.objects.filter(number__in=[s.number for s in chunk])}
        persons = _persons(
            (courts[s.data["court_code"]].pk, s.data["handler"]) for s in chunk if s.data["handler"]
        )
        to_create: list[EnforcementCase] = []
        to_update: list[EnforcementCase] = []
        parties_for: dict[str, dict[str, Any]] = {}
        for stage in chunk:
            d = stage.data
            as_of = dt.date.fromisoformat(d["data_as_of"]) if d["data_as_of"] else import_date
            court = courts[d["court_code"]]
            values: dict[str, Any] = {
                "filed_on": dt.date.fromisoformat(d["filed_on"]),
                "status": d["status"],
                "concluded_on": dt.date.fromisoformat(d["concluded_on"]) if d["concluded_on"] else None,
                "conclusion_method": d["conclusion_method"],
                "amount_applied": Decimal(d["amount_applied"]) if d["amount_applied"] is not None else None,
                "amount_recovered": Decimal(d["amount_recovered"])
                if d["amount_recovered"] is not None
                else None,
                "non_litigation": d["non_litigation"],
                "original_number": d["original_number"][:80],
                "extension_days": d["extension_days"],
                "extension_approved_on": dt.date.fromisoformat(d["extension_approved_on"])
                if d["extension_approved_on"]
                else None,
                "anomalies": d["anomalies"],
            }
            handler = persons[(court.pk, d["handler"])] if d["handler"] else None
            case = existing.get(stage.number)
            if case is not None:
                if not force and case.data_as_of is not None and case.data_as_of > as_of:
                    counts["skipped_older"] += 1
                    continue
                same = all(getattr(case, k) == v for k, v in values.items()) and case.handler_id == (
                    handler.pk if handler else None
                )
                if same and not force:
                    counts["unchanged"] += 1
                    continue
                for k, v in values.items():
                    setattr(case, k, v)
                case.handler = handler
                case.data_as_of, case.last_import, case.updated_at = as_of, case_import, timezone.now()
                _set_dues(case, book, calendar)
                to_update.append(case)
            else:
                case = EnforcementCase(
                    number=stage.number,
                    year=d["year"],
                    court=court,
                    type_code=d["type_code"],
                    seq=d["seq"],
                    handler=handler,
                    data_as_of=as_of,
                    last_import=case_import,
                    **values,
                )
                _set_dues(case, book, calendar)
                to_create.append(case)
            parties_for[stage.number] = d
        EnforcementCase.objects.bulk_create(to_create)
        if to_update:
            EnforcementCase.objects.bulk_update(
                to_update,
                [
                    *CASE_FIELDS,
                    "handler",
                    "data_as_of",
                    "last_import",
                    "updated_at",
                    *DUE_FIELDS,
                ],
            )
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
        written = {c.number: c for c in EnforcementCase.objects.filter(number__in=list(parties_for))}
        CaseParty.objects.filter(case__in=written.values()).delete()
        CaseParty.objects.bulk_create(
            CaseParty(
                case=written[number],
                role=role,
                name=name[:200],
                position=i,
                id_number=_nth(d.get(f"{role}_ids"), i),
                phone=_nth(d.get(f"{role}_phones"), i),
            )
            for number, d in parties_for.items()
            for role, key in (("applicant", "applicants"), ("respondent", "respondents"))
            for i, name in enumerate(d[key])
        )
    # cases with imported events, suspensions or extensions: the full computation
    recompute_cases(
        EnforcementCase.objects.filter(last_import=case_import)
        .filter(Q(events_as_of__isnull=False) | Q(suspensions__isnull=False) | Q(extensions__isnull=False))
        .distinct()
    )
    mark_corrections()
    return counts
