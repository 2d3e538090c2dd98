"""Recomputing the due-date columns of cases in bulk, and explaining one case's due dates.

Called after an events import (for the cases in the file), after a holiday arrangement or a
time-limit rule changes (every open case, through ``legaltime.signals.clock_changed``) and by
``zhijian recompute-deadlines``. Cases without imported events, suspensions or extensions take
the fast path (ordinals only); the others the explained computation. Only changed rows are
written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from zhijian.legaltime.calendar import BusinessCalendar
from zhijian.legaltime.periods import Extension, Interval
from zhijian.legaltime.services import get_calendar

from .dues import DUE_FIELDS, NODE_FIELDS, CaseFacts, DueLine, Event, RuleBook, case_dues, columns_of
from .models import CaseEvent, CaseExtension, CaseStatus, CaseSuspension, EnforcementCase

BATCH = 2000


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
    for case_id, days, note in CaseExtension.objects.filter(case_id__in=ids).values_list(
        "case_id", "days", "note"
    ):
        facts[case_id].extensions.append(Extension(days, reason=note or "批准延长"))
    for pk, case in by_id.items():
        f = facts[pk]
        if not f.extensions and case.extension_days:
            f.extensions.append(Extension(case.extension_days, reason="批准延长"))
    return facts


def explain(case: EnforcementCase, *, calendar: BusinessCalendar | None = None) -> list[DueLine]:
    """The due dates of one case, each with its step-by-step explanation (the detail page)."""
    facts = facts_for([case])[case.pk]
    return case_dues(facts, RuleBook(), calendar or get_calendar())


def _fast_columns(case: EnforcementCase, book: RuleBook, calendar: BusinessCalendar) -> dict[str, Any]:
    values: dict[str, Any] = {name: None for name in NODE_FIELDS}
    code, due, provisional = book.limit_fast(
        calendar, case.filed_on, case.type_code, case.non_litigation, case.extension_days
    )
    handler_due, handler_done, p2 = book.handler_fast(
        calendar, case.filed_on, case.type_code, case.handler_id is not None
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


def recompute_cases(cases: QuerySet[EnforcementCase], *, book: RuleBook | None = None) -> int:
    """Recompute the due-date columns of ``cases``; returns how many cases changed."""
    book = book or RuleBook()
    calendar = get_calendar()
    complex_ids = set(
        CaseSuspension.objects.filter(case__in=cases).values_list("case_id", flat=True).distinct()
    ) | set(CaseExtension.objects.filter(case__in=cases).values_list("case_id", flat=True).distinct())
    changed = 0
    last = 0
    fields = ["id", "filed_on", "type_code", "non_litigation", "handler_id", "extension_days", "events_as_of"]
    while True:
        chunk = list(cases.filter(pk__gt=last).order_by("pk").only(*fields, *DUE_FIELDS)[:BATCH])
        if not chunk:
            break
        last = chunk[-1].pk
        full = [c for c in chunk if c.events_as_of is not None or c.pk in complex_ids]
        facts = facts_for(full) if full else {}
        to_update = []
        for case in chunk:
            if case.pk in facts:
                values = columns_of(case_dues(facts[case.pk], book, calendar))
            else:
                values = _fast_columns(case, book, calendar)
            if any(getattr(case, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(case, k, v)
                to_update.append(case)
        if to_update:
            EnforcementCase.objects.bulk_update(to_update, list(DUE_FIELDS))
            changed += len(to_update)
    return changed


def recompute_open_cases() -> int:
    """Every open case (after a holiday arrangement or a rule changed)."""
    with transaction.atomic():
        return recompute_cases(EnforcementCase.objects.filter(status=CaseStatus.OPEN))
