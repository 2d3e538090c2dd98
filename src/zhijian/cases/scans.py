"""Detection scans (Arts. 7, 8 and 13): set-based SQL over the due-date and fact columns of the
case that produces *candidates*; a person confirms or dismisses them. Nothing punitive happens
automatically, and no calendar arithmetic is done here: the legal clock wrote the columns.

* Art. 7(a) — 超过执行期限未执结: open cases whose ``limit_due`` has passed.
* Art. 7(b)/(c) — one rule per node check (``dues.NODE_CHECKS``): the required document or act
  not recorded by its due date (no 执行通知书, no handler, property investigation not started or
  not finished, money not paid out …).
* Art. 8 — 久拖不结: open cases whose ``ZHIJIAN_LONG_DELAY_MONTHS`` (default 12) from filing ended
  before today;
  and open cases with a recorded 执行障碍.
* Art. 13 — 重点评查: repeated petitions (≥ 2), 复议纠错, leadership-supervised and media-attention
  cases (open or concluded).

Cases of the installation's own courts (``ZHIJIAN_HOME_COURTS``: they are supervised by the
court above, not by this system) are never Art. 7/8 candidates; they do appear in Art. 13 lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
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

from .dues import NODE_CHECKS
from .models import CandidateState, CaseStatus, EnforcementCase, ScanCandidate, ScanRule

REPEATED_PETITIONS = 2  # Art. 13(1) 重复上访: two petitions or more


def excluded_court_ids() -> list[int]:
    return list(Court.objects.filter(code__in=settings.ZHIJIAN_HOME_COURTS).values_list("pk", flat=True)) or [
        -1
    ]


def long_delay_threshold(today: dt.date) -> dt.date:
    """Cases filed before this date are 久拖不结 today: their 12 months (the start day not
    counted) ended before today."""
    return add_months(today, -int(settings.ZHIJIAN_LONG_DELAY_MONTHS))


@dataclass(frozen=True)
class Scan:
    """One rule: candidates are the cases matching ``where`` (SQL over the case's columns, alias
    ``c``), identified by ``anchor`` (the due date, or the date the fact began)."""

    rule: str
    anchor: str
    where: str
    params: tuple[Any, ...]
    qualifies: Q
    open_only: bool = True
    home_courts_too: bool = False  # Art. 13 lists include the installation's own court

    def insert(self, today: dt.date, excluded: list[int]) -> int:
        cases = EnforcementCase._meta.db_table
        candidates = ScanCandidate._meta.db_table
        q = connection.ops.quote_name
        where = [self.where]
        params: list[Any] = [self.rule, CandidateState.NEW, today, today, *self.params]
        if self.open_only:
            where.append("c.status = %s")
            params.append(CaseStatus.OPEN)
        if not self.home_courts_too:
            where.append(f"c.court_id NOT IN ({', '.join(['%s'] * len(excluded))})")
            params.extend(excluded)
        sql = (
            f"INSERT INTO {q(candidates)} (case_id, court_id, rule, due_date, state, first_seen, last_seen, reason) "
            f"SELECT c.id, c.court_id, %s, c.{self.anchor}, %s, %s, %s, '' FROM {q(cases)} c "
            f"WHERE {' AND '.join(where)} "
            # a candidate resolved earlier whose case qualifies again with the same anchor is
            # reopened (its earlier decision stays on the row); decided ones are left alone
            f"ON CONFLICT (case_id, rule, due_date) DO UPDATE SET state = %s, last_seen = %s "
            f"WHERE {q(candidates)}.state = %s"
        )
        params += [CandidateState.NEW, today, CandidateState.RESOLVED]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.rowcount or 0)


def scans_for(today: dt.date) -> list[Scan]:
    """Every rule, in the order of the regulation."""
    open_case = Q(case__status=CaseStatus.OPEN)
    threshold = long_delay_threshold(today)
    scans = [
        Scan(
            ScanRule.ART7A,
            "limit_due",
            "c.limit_due IS NOT NULL AND c.limit_due < %s",
            (today,),
            open_case & Q(case__limit_due=F("due_date"), case__limit_due__lt=today),
        )
    ]
    for check in NODE_CHECKS:
        due, done = check.due_field, check.done_field
        scans.append(
            Scan(
                check.scan_rule,
                due,
                f"c.{due} IS NOT NULL AND c.{due} < %s AND c.{done} IS NULL",
                (today,),
                open_case
                & Q(
                    **{
                        f"case__{due}": F("due_date"),
                        f"case__{due}__lt": today,
                        f"case__{done}__isnull": True,
                    }
                ),
            )
        )
    scans += [
        Scan(
            ScanRule.ART8_LONG,
            "filed_on",
            "c.filed_on < %s",
            (threshold,),
            open_case & Q(case__filed_on=F("due_date"), case__filed_on__lt=threshold),
        ),
        Scan(
            ScanRule.ART8_OBSTACLE,
            "obstacle_since",
            "c.obstacle_since IS NOT NULL",
            (),
            open_case & Q(case__obstacle_since=F("due_date")),
        ),
        Scan(
            ScanRule.ART13_PETITIONS,
            "last_petition_on",
            "c.petition_count >= %s AND c.last_petition_on IS NOT NULL",
            (REPEATED_PETITIONS,),
            Q(case__petition_count__gte=REPEATED_PETITIONS, case__last_petition_on=F("due_date")),
            open_only=False,
            home_courts_too=True,
        ),
    ]
    for rule, column in (
        (ScanRule.ART13_CORRECTED, "corrected_on"),
        (ScanRule.ART13_LEADERSHIP, "leadership_since"),
        (ScanRule.ART13_MEDIA, "media_since"),
    ):
        scans.append(
            Scan(
                rule,
                column,
                f"c.{column} IS NOT NULL",
                (),
                Q(**{f"case__{column}": F("due_date")}),
                open_only=False,
                home_courts_too=True,
            )
        )
    return scans


def run_scans(*, actor: User | None = None, today: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Run every scan; new candidates are created, still-qualifying ones marked as seen, and
    those whose case no longer qualifies (concluded, or its due date moved) 已消除. Audited."""
    today = today or timezone.localdate()
    excluded = excluded_court_ids()
    result: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        for scan in scans_for(today):
            created = scan.insert(today, excluded)
            current = ScanCandidate.objects.filter(rule=scan.rule).exclude(state=CandidateState.RESOLVED)
            still = current.filter(scan.qualifies)
            if not scan.home_courts_too:
                still = still.exclude(court_id__in=excluded)
            seen = still.filter(last_seen__lt=today).update(last_seen=today)
            resolved = current.exclude(scan.qualifies).update(state=CandidateState.RESOLVED, last_seen=today)
            result[scan.rule] = {"new": created, "seen": seen, "resolved": resolved}
        record("cases.scan", actor=actor, after={"date": today, **{k: v for k, v in result.items()}})
    return result


ART13_RULES = frozenset(r for r in ScanRule.values if r.startswith("art13"))


def can_decide(actor: User, rule: str | None = None) -> bool:
    """The supervising court's 监督员 and 局长 decide; for the Art. 13 lists (重点评查) also its
    评查员."""
    if actor.is_superuser or actor.has_role(Role.OFFICER, Role.DIRECTOR):
        return True
    return rule in ART13_RULES and actor.has_role(Role.EVALUATOR)


def decide(candidate_ids: Iterable[int], *, actor: User, state: str, reason: str) -> int:
    """Confirm or dismiss candidates in bulk (one reason for all). Only the supervising court's
    监督员/局长 decide; basic courts see their candidates read-only. Returns how many changed."""
    if not can_decide(actor, next(iter(ART13_RULES))):
        raise PermissionDenied("只有监督员或局长（第十三条重点评查线索：另有评查员）可以确认或排除线索。")
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
        if not can_decide(actor):
            targets = targets.filter(rule__in=ART13_RULES)
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
