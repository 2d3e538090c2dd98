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

import contextlib
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
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


_RULE_NAME = re.compile(r"[a-z0-9_]+")
_COLUMN = re.compile(r"\bc\.(\w+)")
SCAN_TABLE = "zj_scan"  # TEMP: the qualifying (case, rule, anchor) of one run
WORK_MEM = "64MB"  # PostgreSQL, for the run's hash joins and the materialised open cases


@dataclass(frozen=True)
class Scan:
    """One rule: candidates are the cases matching ``where`` (SQL over the case's columns, alias
    ``c``), identified by ``anchor`` (the due date, or the date the fact began)."""

    rule: str
    anchor: str
    where: str
    params: tuple[Any, ...]
    open_only: bool = True
    home_courts_too: bool = False  # Art. 13 lists include the installation's own court

    def columns(self) -> set[str]:
        return {self.anchor, *_COLUMN.findall(self.where)}

    def select(self) -> tuple[str, list[Any]]:
        """The cases that qualify for this rule (from ``o``, the cases any rule may take), as
        (case_id, court_id, rule, anchor, home): every court's, the exclusion is applied later."""
        assert _RULE_NAME.fullmatch(self.rule) and _RULE_NAME.fullmatch(self.anchor), self.rule
        where, params = [self.where], list(self.params)
        if self.open_only:
            where.append("c.status = %s")
            params.append(CaseStatus.OPEN)
        sql = (
            f"SELECT c.id AS case_id, c.court_id AS court_id, '{self.rule}' AS rule, c.{self.anchor} AS anchor, "
            f"{1 if self.home_courts_too else 0} AS home FROM o c WHERE {' AND '.join(where)}"
        )
        return sql, params


def scans_for(today: dt.date) -> list[Scan]:
    """Every rule, in the order of the regulation."""
    threshold = long_delay_threshold(today)
    scans = [Scan(ScanRule.ART7A, "limit_due", "c.limit_due IS NOT NULL AND c.limit_due < %s", (today,))]
    for check in NODE_CHECKS:
        due, done = check.due_field, check.done_field
        scans.append(
            Scan(check.scan_rule, due, f"c.{due} IS NOT NULL AND c.{due} < %s AND c.{done} IS NULL", (today,))
        )
    scans += [
        Scan(ScanRule.ART8_LONG, "filed_on", "c.filed_on < %s", (threshold,)),
        Scan(ScanRule.ART8_OBSTACLE, "obstacle_since", "c.obstacle_since IS NOT NULL", ()),
        Scan(
            ScanRule.ART13_PETITIONS,
            "last_petition_on",
            "c.petition_count >= %s AND c.last_petition_on IS NOT NULL",
            (REPEATED_PETITIONS,),
            open_only=False,
            home_courts_too=True,
        ),
    ]
    for rule, column in (
        (ScanRule.ART13_CORRECTED, "corrected_on"),
        (ScanRule.ART13_LEADERSHIP, "leadership_since"),
        (ScanRule.ART13_MEDIA, "media_since"),
    ):
        scans.append(Scan(rule, column, f"c.{column} IS NOT NULL", (), open_only=False, home_courts_too=True))
    return scans


def _qualifying_sql(scans: list[Scan], today: dt.date, excluded: list[int]) -> tuple[str, list[Any]]:
    """One pass over the case table for every rule: the cases any rule may take (the open ones,
    and those an Art. 13 rule takes whatever their status) are read once into ``o``
    (materialised, only the columns the rules read), and each rule's ``WHERE`` picks its
    candidates from ``o``. Each qualifying (case, rule, anchor) is matched to its candidate, if
    any, and classified: ``insert`` (none yet, or 已消除: the case qualifies again), ``seen`` (an
    undecided or decided one, not yet seen today), or nothing to do."""
    cases = connection.ops.quote_name(EnforcementCase._meta.db_table)
    candidates = connection.ops.quote_name(ScanCandidate._meta.db_table)
    columns = sorted({"id", "court_id", "status"}.union(*(s.columns() for s in scans)))
    wide = [s for s in scans if not s.open_only]
    params: list[Any] = [CaseStatus.OPEN]
    for scan in wide:
        params += scan.params
    o = f"SELECT {', '.join(f'c.{c}' for c in columns)} FROM {cases} c WHERE c.status = %s" + "".join(
        f" OR ({s.where})" for s in wide
    )
    branches = []
    for scan in scans:
        sql, branch_params = scan.select()
        branches.append(sql)
        params += branch_params
    excl = ", ".join(str(int(pk)) for pk in excluded)
    sql = (
        f"WITH o AS MATERIALIZED ({o}), q AS ({' UNION ALL '.join(branches)}) "
        "SELECT q.case_id, q.court_id, q.rule, q.anchor, x.id AS candidate_id, "
        # a new candidate, or a resolved one reopened: not for the home courts' Art. 7/8 cases
        f"CASE WHEN (x.id IS NULL OR x.state = %s) AND (q.home = 1 OR q.court_id NOT IN ({excl})) "
        "THEN 'insert' "
        # still there: seen today (by the candidate's court, as it was recorded)
        f"WHEN x.state <> %s AND x.last_seen < %s AND (q.home = 1 OR x.court_id NOT IN ({excl})) "
        "THEN 'seen' ELSE '' END AS action "
        f"FROM q LEFT JOIN {candidates} x ON x.case_id = q.case_id AND x.rule = q.rule AND x.due_date = q.anchor"
    )
    params += [CandidateState.RESOLVED, CandidateState.RESOLVED, today]
    return sql, params


def _by_rule(cursor: Any, sql: str, params: list[Any]) -> dict[str, int]:
    """Run a statement ending in ``RETURNING rule``; how many rows it touched, by rule."""
    if connection.vendor == "postgresql":
        cursor.execute(f"WITH touched AS ({sql}) SELECT rule, COUNT(*) FROM touched GROUP BY rule", params)
        return {rule: int(n) for rule, n in cursor.fetchall()}
    cursor.execute(sql, params)  # SQLite: RETURNING, not inside a WITH
    return dict(Counter(rule for (rule,) in cursor.fetchall()))


@contextlib.contextmanager
def _work_mem(cursor: Any) -> Iterator[None]:
    """PostgreSQL: enough memory for the run's hashes and the materialised cases (put back
    afterwards, also inside a caller's transaction)."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT current_setting('work_mem')")
    before = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
    yield
    cursor.execute("SELECT set_config('work_mem', %s, true)", [before])


def run_scans(*, actor: User | None = None, today: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Run every scan; new candidates are created, still-qualifying ones marked as seen, and
    those whose case no longer qualifies (concluded, or its due date moved) 已消除. Audited.

    Set-based, for every rule at once: one pass over the cases stores the qualifying (case,
    rule, anchor) of every rule in a TEMP table, matched to their candidates; then one
    ``UPDATE`` resolves the candidates not among them, one marks the ones seen again, and one
    ``INSERT … ON CONFLICT`` creates the new ones (or reopens resolved ones)."""
    today = today or timezone.localdate()
    excluded = excluded_court_ids()
    scans = scans_for(today)
    rules = [s.rule for s in scans]
    candidates = connection.ops.quote_name(ScanCandidate._meta.db_table)
    select, params = _qualifying_sql(scans, today, excluded)
    with transaction.atomic(), connection.cursor() as cursor, _work_mem(cursor):
        temp = "pg_temp" if connection.vendor == "postgresql" else "temp"
        cursor.execute(f"DROP TABLE IF EXISTS {temp}.{SCAN_TABLE}")
        cursor.execute(f"CREATE TEMP TABLE {SCAN_TABLE} AS {select}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {SCAN_TABLE}")
        in_rules = f"rule IN ({', '.join(['%s'] * len(rules))})"
        # a candidate whose case no longer qualifies (with that anchor) is 已消除; first, so that
        # the ids of the qualifying ones are those matched above
        resolved = _by_rule(
            cursor,
            f"UPDATE {candidates} SET state = %s, last_seen = %s WHERE state <> %s AND {in_rules} "
            f"AND NOT EXISTS (SELECT 1 FROM {SCAN_TABLE} s WHERE s.candidate_id = {candidates}.id) "
            "RETURNING rule",
            [CandidateState.RESOLVED, today, CandidateState.RESOLVED, *rules],
        )
        seen = _by_rule(
            cursor,
            f"UPDATE {candidates} SET last_seen = %s "
            f"WHERE id IN (SELECT s.candidate_id FROM {SCAN_TABLE} s WHERE s.action = 'seen') RETURNING rule",
            [today],
        )
        created = _by_rule(
            cursor,
            f"INSERT INTO {candidates} (case_id, court_id, rule, due_date, state, first_seen, last_seen, reason) "
            f"SELECT s.case_id, s.court_id, s.rule, s.anchor, %s, %s, %s, '' FROM {SCAN_TABLE} s "
            "WHERE s.action = 'insert' "
            # a candidate resolved earlier whose case qualifies again with the same anchor is
            # reopened (its earlier decision stays on the row); decided ones are left alone
            "ON CONFLICT (case_id, rule, due_date) DO UPDATE SET state = %s, last_seen = %s "
            f"WHERE {candidates}.state = %s RETURNING rule",
            [CandidateState.NEW, today, today, CandidateState.NEW, today, CandidateState.RESOLVED],
        )
        cursor.execute(f"DROP TABLE {SCAN_TABLE}")
        result = {
            rule: {"new": created.get(rule, 0), "seen": seen.get(rule, 0), "resolved": resolved.get(rule, 0)}
            for rule in rules
        }
        record("cases.scan", actor=actor, after={"date": today, **result})
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
