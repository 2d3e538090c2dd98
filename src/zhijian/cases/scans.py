"""Detection scans (Arts. 7 and 8): set-based SQL over the due-date columns that produces
*candidates*; a person confirms or dismisses them. Nothing punitive happens automatically.

* Art. 7(a) — 超过执行期限未执结: open cases whose ``limit_due`` has passed.
* Art. 8 — 久拖不结: open cases filed more than ``ZHIJIAN_LONG_DELAY_MONTHS`` (default 12) ago.

Cases of the installation's own courts (``ZHIJIAN_HOME_COURTS``: they are supervised by the
court above, not by this system) are never Art. 7/8 candidates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.core.exceptions import ServiceError
from zhijian.legaltime.periods import add_months
from zhijian.org.choices import Role
from zhijian.org.models import Court, User
from zhijian.org.scoping import writable_court_ids

from .models import CandidateState, CaseStatus, EnforcementCase, ScanCandidate, ScanRule


def excluded_court_ids() -> list[int]:
    return list(Court.objects.filter(code__in=settings.ZHIJIAN_HOME_COURTS).values_list("pk", flat=True)) or [
        -1
    ]


def long_delay_threshold(today: dt.date) -> dt.date:
    """Cases filed on or before this date are 久拖不结 today."""
    return add_months(today, -int(settings.ZHIJIAN_LONG_DELAY_MONTHS))


def _insert_candidates(rule: str, anchor: str, where: str, params: list[Any], today: dt.date) -> int:
    cases = EnforcementCase._meta.db_table
    candidates = ScanCandidate._meta.db_table
    q = connection.ops.quote_name
    excluded = excluded_court_ids()
    sql = (
        f"INSERT INTO {q(candidates)} (case_id, court_id, rule, due_date, state, first_seen, last_seen, reason) "
        f"SELECT c.id, c.court_id, %s, c.{anchor}, %s, %s, %s, '' FROM {q(cases)} c "
        f"WHERE c.status = %s AND {where} AND c.court_id NOT IN ({', '.join(['%s'] * len(excluded))}) "
        f"ON CONFLICT (case_id, rule, due_date) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [rule, CandidateState.NEW, today, today, CaseStatus.OPEN, *params, *excluded])
        return int(cursor.rowcount or 0)


def run_scans(*, actor: User | None = None, today: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Run every scan; new candidates are created, still-qualifying ones marked as seen, and
    those whose case no longer qualifies (concluded, or its due date moved) 已消除. Audited."""
    today = today or timezone.localdate()
    threshold = long_delay_threshold(today)
    excluded = excluded_court_ids()
    result: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        scans: list[tuple[str, str, str, list[Any], Q]] = [
            (
                ScanRule.ART7A,
                "limit_due",
                "c.limit_due IS NOT NULL AND c.limit_due < %s",
                [today],
                Q(case__status=CaseStatus.OPEN, case__limit_due=F("due_date"), case__limit_due__lt=today),
            ),
            (
                ScanRule.ART8_LONG,
                "filed_on",
                "c.filed_on <= %s",
                [threshold],
                Q(case__status=CaseStatus.OPEN, case__filed_on=F("due_date"), case__filed_on__lte=threshold),
            ),
        ]
        for rule, anchor, where, params, qualifies in scans:
            created = _insert_candidates(rule, anchor, where, params, today)
            current = ScanCandidate.objects.filter(rule=rule).exclude(state=CandidateState.RESOLVED)
            seen = current.filter(qualifies).exclude(court_id__in=excluded).update(last_seen=today)
            resolved = current.exclude(qualifies).update(state=CandidateState.RESOLVED, last_seen=today)
            result[rule] = {"new": created, "seen": max(0, seen - created), "resolved": resolved}
        record("cases.scan", actor=actor, after={"date": today, **{k: v for k, v in result.items()}})
    return result


def can_decide(actor: User) -> bool:
    return actor.is_superuser or actor.has_role(Role.OFFICER, Role.DIRECTOR)


def decide(candidate_ids: Iterable[int], *, actor: User, state: str, reason: str) -> int:
    """Confirm or dismiss candidates in bulk (one reason for all). Only the supervising court's
    监督员/局长 decide; basic courts see their candidates read-only. Returns how many changed."""
    if not can_decide(actor):
        raise PermissionDenied("只有监督员或局长可以确认或排除线索。")
    if state not in (CandidateState.CONFIRMED, CandidateState.DISMISSED):
        raise ServiceError("请选择“确认”或“排除”。")
    if state == CandidateState.DISMISSED and not reason.strip():
        raise ServiceError("排除线索须填写理由。")
    ids = sorted({int(i) for i in candidate_ids})
    if not ids:
        raise ServiceError("请先选择线索。")
    allowed_from = [CandidateState.NEW, CandidateState.DISMISSED] if state == CandidateState.CONFIRMED else [
        CandidateState.NEW, CandidateState.CONFIRMED
    ]  # fmt: skip
    with transaction.atomic():
        targets = ScanCandidate.objects.filter(pk__in=ids, state__in=allowed_from)
        if not actor.is_superuser:
            targets = targets.filter(court_id__in=writable_court_ids(actor))
        changed_ids = list(targets.values_list("pk", flat=True))
        changed = ScanCandidate.objects.filter(pk__in=changed_ids, state__in=allowed_from).update(
            state=state, decided_by=actor, decided_at=timezone.now(), reason=reason.strip()[:300]
        )
        if changed:
            record(
                "cases.candidates.decide",
                actor=actor,
                after={"state": state, "count": changed, "ids": changed_ids[:500]},
                reason=reason,
            )
    return changed
