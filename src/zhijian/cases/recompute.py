"""Recomputing the due-date columns of cases in bulk, and explaining one case's due dates.

Called after an events import (for the cases in the file), after a holiday arrangement or a
time-limit rule changes (every case, through ``legaltime.signals.clock_changed``, as a
background job committing chunk by chunk) and by ``zhijian recompute-deadlines``. Cases without
imported events, suspensions or extensions take the fast path (ordinals only); the others the
explained computation. Only changed rows are written, with one ``UPDATE … WHERE id = %s``
statement executed for many rows (``executemany``), never Django's CASE-per-row bulk_update.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from zhijian.audit.services import record
from zhijian.legaltime.calendar import BusinessCalendar
from zhijian.legaltime.periods import Extension, Interval, Unit
from zhijian.legaltime.services import get_calendar

from .dues import DUE_FIELDS, NODE_FIELDS, CaseFacts, DueLine, Event, RuleBook, case_dues, columns_of
from .models import CaseEvent, CaseExtension, CaseSuspension, EnforcementCase

BATCH = 2000
_READ = ("id", "filed_on", "type_code", "non_litigation", "handler_id", "extension_days",
         "extension_approved_on", "events_as_of")  # fmt: skip


def facts_for(cases: Iterable[EnforcementCase]) -> dict[int, CaseFacts]:
    """The facts of each case, with its events, suspensions and extensions (three queries)."""
    by_id = {c.pk: c for c in cases}
    facts = {
        pk: CaseFacts(
            filed_on=c.filed_on,
            type_code=c.type_code,
            non_litigation=c.non_litigation,
            has_handler=c.handler_id is not None,
            events_imported=c.events_as_of is not None,
        )
        for pk, c in by_id.items()
    }
    ids = list(by_id)
    for case_id, code, on, end_on in CaseEvent.objects.filter(case_id__in=ids).values_list(
        "case_id", "code", "on", "end_on"
    ):
        facts[case_id].events.append(Event(code, on, end_on))
    for case_id, kind, start, end in CaseSuspension.objects.filter(case_id__in=ids).values_list(
        "case_id", "kind", "start", "end"
    ):
        facts[case_id].suspensions.append(Interval(start, end, kind))
    for case_id, length, unit, approved_on, note in CaseExtension.objects.filter(case_id__in=ids).values_list(
        "case_id", "length", "unit", "approved_on", "note"
    ):
        facts[case_id].extensions.append((Extension(length, Unit(unit), note or "批准延长"), approved_on))
    for pk, case in by_id.items():
        f = facts[pk]
        # the events file's extensions supersede the case file's 延长天数
        if not f.extensions and case.extension_days:
            f.extensions.append(
                (Extension(case.extension_days, reason="批准延长"), case.extension_approved_on)
            )
    return facts


def explain(case: EnforcementCase, *, calendar: BusinessCalendar | None = None) -> list[DueLine]:
    """The due dates of one case, each with its step-by-step explanation (the detail page)."""
    facts = facts_for([case])[case.pk]
    return case_dues(facts, RuleBook(), calendar or get_calendar())


def fast_columns(case: EnforcementCase, book: RuleBook, calendar: BusinessCalendar) -> dict[str, Any]:
    """The columns of a case without events, suspensions or extension rows (the fast path)."""
    values: dict[str, Any] = {name: None for name in NODE_FIELDS}
    code, due, provisional = book.limit_fast(
        calendar,
        case.filed_on,
        case.type_code,
        case.non_litigation,
        case.extension_days,
        case.extension_approved_on,
    )
    handler_due, handler_done, p2 = book.handler_fast(
        calendar, case.filed_on, case.type_code, case.handler_id is not None, case.non_litigation
    )
    values.update(
        limit_rule=code,
        limit_due=due,
        limit_provisional=provisional or p2,
        suspended_since=None,
        handler_due=handler_due,
        handler_done=handler_done,
    )
    return values


def _write(rows: list[tuple[Any, ...]]) -> None:
    """``rows`` are the DUE_FIELDS values followed by the case id."""
    q = connection.ops.quote_name
    sql = (
        f"UPDATE {q(EnforcementCase._meta.db_table)} SET "
        + ", ".join(f"{q(name)} = %s" for name in DUE_FIELDS)  # plain columns: name = column
        + " WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for offset in range(0, len(ids), BATCH):
        yield list(ids[offset : offset + BATCH])


def recompute_ids(ids: Sequence[int], *, book: RuleBook | None = None, lock: bool = False) -> int:
    """Recompute the due-date columns of the cases ``ids`` (in chunks); returns how many
    changed. ``lock`` takes the chunk's rows FOR UPDATE (PostgreSQL) against a concurrent
    import."""
    book = book or RuleBook()
    calendar = get_calendar()
    changed = 0
    for chunk in _chunks(sorted(ids)):
        cases = EnforcementCase.objects.filter(pk__in=chunk).only(*_READ, *DUE_FIELDS).order_by("pk")
        if lock and connection.features.has_select_for_update:
            cases = cases.select_for_update(of=("self",))
        rows = list(cases)
        complex_ids = set(
            CaseSuspension.objects.filter(case_id__in=chunk).values_list("case_id", flat=True)
        ) | set(CaseExtension.objects.filter(case_id__in=chunk).values_list("case_id", flat=True))
        full = [c for c in rows if c.events_as_of is not None or c.pk in complex_ids]
        facts = facts_for(full) if full else {}
        updates: list[tuple[Any, ...]] = []
        for case in rows:
            if case.pk in facts:
                values = columns_of(case_dues(facts[case.pk], book, calendar), facts[case.pk])
            else:
                values = fast_columns(case, book, calendar)
            if any(getattr(case, k) != v for k, v in values.items()):
                updates.append((*(values[name] for name in DUE_FIELDS), case.pk))
        if updates:
            _write(updates)
            changed += len(updates)
    return changed


def recompute_cases(cases: QuerySet[EnforcementCase], *, book: RuleBook | None = None) -> int:
    """Recompute the due-date columns of ``cases``; returns how many cases changed."""
    return recompute_ids(list(cases.values_list("pk", flat=True)), book=book)


def recompute_all_cases(*, reason: str = "") -> int:
    """Every case (after a holiday arrangement or a rule changed), one transaction per chunk
    of 2,000 so that other writers are never held up for long (the recompute is idempotent:
    an interrupted run is finished by the next). Audited with the number of cases changed."""
    book = RuleBook()
    ids = list(EnforcementCase.objects.order_by("pk").values_list("pk", flat=True))
    changed = 0
    for chunk in _chunks(ids):
        with transaction.atomic():
            changed += recompute_ids(chunk, book=book, lock=True)
    with transaction.atomic():
        record("cases.recompute", actor=None, after={"cases": len(ids), "changed": changed}, reason=reason)
    return changed
