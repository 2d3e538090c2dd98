"""The Art. 13 facts of a case that come from links rather than from its own row:

* 复议纠错 — an 执复 case concluded by 撤销 or 变更 marks the case named in its 原案号
  (``mark_corrections``, after every case import);
* 领导督办 and 媒体/社会关注 — set by later issues' links (a supervision matter ordered by the
  leadership, a media report) through ``set_attention`` / ``clear_attention``, never by hand;
* petitions from a supervision matter's source (``add_matter_petition``);
* periods not counted in the time limit that a supervision measure writes — a higher court's
  暂缓执行 notice (``add_suspension`` / ``change_suspension`` / ``remove_suspension``), kept by
  every import and recomputed by the legal clock at once;
* 指定执行 / 提级执行: one case opened read-only to one more court (``grant_case`` /
  ``revoke_case_grant``; who sees what: ``access.py``).

Every function here is called by another app's service, which checks the actor's role; none is
reachable from a view. Each one locks the case row, writes, and audits in one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhijian.audit.services import record, snapshot
from zhijian.core.exceptions import ServiceError
from zhijian.org.models import Court, User

from .models import CaseGrant, CaseStatus, CaseSuspension, EnforcementCase, SuspensionKind

CORRECTING_WORDS = ("撤销", "变更")
ATTENTION_FIELDS = {"leadership": "leadership_since", "media": "media_since"}


def mark_corrections() -> int:
    """Set 复议纠错 on every case named as 原案号 by a concluded 执复 case of a court above it
    whose 结案方式 says 撤销 or 变更; clear it where no such case is left. Returns how many
    cases changed."""
    from zhijian.org.models import Court

    parents = dict(Court.objects.values_list("pk", "parent_id"))

    def supervises(upper: int, lower: int) -> bool:
        """Only a court above the original case's court can correct it on reconsideration."""
        court = parents.get(lower)
        while court is not None:
            if court == upper:
                return True
            court = parents.get(court)
        return False

    found: list[tuple[str, dt.date, str, int]] = []
    rows = (
        EnforcementCase.objects.filter(type_code="执复", status=CaseStatus.CONCLUDED)
        .exclude(original_number="")
        .values_list("original_number", "concluded_on", "number", "conclusion_method", "court_id")
        .order_by("concluded_on", "number")
    )
    for original, concluded_on, number, method, court_id in rows.iterator(chunk_size=5000):
        if concluded_on is not None and any(word in method for word in CORRECTING_WORDS):
            found.append((original, concluded_on, number, court_id))
    original_courts: dict[str, int] = {}
    originals = sorted({f[0] for f in found})
    for offset in range(0, len(originals), 5000):
        original_courts.update(
            EnforcementCase.objects.filter(number__in=originals[offset : offset + 5000]).values_list(
                "number", "court_id"
            )
        )
    corrections: dict[str, tuple[dt.date, str]] = {}
    for original, on, by, court_id in found:  # the earliest correction by a court above wins
        if original in original_courts and supervises(court_id, original_courts[original]):
            corrections.setdefault(original, (on, by))
    changed = 0
    current = dict(
        EnforcementCase.objects.filter(corrected_on__isnull=False).values_list("number", "corrected_by")
    )
    for number in set(current) - set(corrections):
        changed += EnforcementCase.objects.filter(number=number).update(corrected_on=None, corrected_by="")
    for number, (on, by) in corrections.items():
        if current.get(number) != by:
            changed += EnforcementCase.objects.filter(number=number).update(corrected_on=on, corrected_by=by)
    return changed


def set_attention(
    case: EnforcementCase, *, kind: str, since: dt.date, actor: User | None, source: str
) -> None:
    """Mark a case 领导督办 (``kind="leadership"``) or 媒体/社会关注 (``"media"``) from ``since``;
    ``source`` names the link that set it (e.g. the supervision matter). Audited."""
    field = ATTENTION_FIELDS.get(kind)
    if field is None:
        raise ServiceError(f"未知的关注类型：{kind}")
    with transaction.atomic():
        locked = EnforcementCase.objects.select_for_update().get(pk=case.pk)
        before = getattr(locked, field)
        if before is not None and before <= since:
            return
        setattr(locked, field, since)
        locked.save(update_fields=[field])
        record(
            f"cases.attention.{kind}",
            actor=actor,
            target=locked,
            court=locked.court,
            before={field: before},
            after={field: since},
            reason=source,
        )
    setattr(case, field, since)


def clear_attention(case: EnforcementCase, *, kind: str, actor: User | None, source: str) -> None:
    field = ATTENTION_FIELDS.get(kind)
    if field is None:
        raise ServiceError(f"未知的关注类型：{kind}")
    with transaction.atomic():
        locked = EnforcementCase.objects.select_for_update().get(pk=case.pk)
        before = getattr(locked, field)
        if before is None:
            return
        setattr(locked, field, None)
        locked.save(update_fields=[field])
        record(
            f"cases.attention.{kind}.clear",
            actor=actor,
            target=locked,
            court=locked.court,
            before={field: before},
            after={field: None},
            reason=source,
        )
    setattr(case, field, None)


def add_matter_petition(
    case: EnforcementCase, *, on: dt.date, group: bool, origin: str, actor: User | None
) -> bool:
    """Count a petition about ``case`` from a supervision matter's petition source (Art. 3 items 2
    and 6) — the Art. 13 repeated-petition scan reads ``petition_count``. One petition a day, as
    in the import; an events import keeps these rows. Returns whether the count changed."""
    from .models import CasePetition

    with transaction.atomic():
        locked = EnforcementCase.objects.select_for_update().get(pk=case.pk)
        if CasePetition.objects.filter(case=locked, received_on=on).exists():
            if group:
                CasePetition.objects.filter(case=locked, received_on=on).update(group=True)
                if not locked.group_petition:
                    EnforcementCase.objects.filter(pk=locked.pk).update(group_petition=True)
            return False
        CasePetition.objects.create(case=locked, received_on=on, group=group, note=origin, origin=origin[:60])
        before = snapshot(locked, ("petition_count", "last_petition_on"))
        rows = CasePetition.objects.filter(case=locked)
        locked.petition_count = rows.count()
        locked.last_petition_on = max(rows.values_list("received_on", flat=True))
        locked.group_petition = locked.group_petition or group
        locked.save(update_fields=["petition_count", "last_petition_on", "group_petition"])
        record(
            "cases.petition.add",
            actor=actor,
            target=locked,
            court=locked.court,
            before=before,
            after=snapshot(locked, ("petition_count", "last_petition_on")),
            reason=origin,
        )
    case.petition_count = locked.petition_count
    return True


# --- 暂缓执行 and other excluded periods written by a supervision measure ------------------------
#
# A higher court's 暂缓执行 notice (执行工作若干问题的规定 Art. 77: at most 3 months, longer with the
# 院长's approval — checked by the calling measure, not here) is not counted in the case's
# enforcement time limit (执行程序解释第十三条). The row carries its ``origin``, so every import
# keeps it; the case's due columns are recomputed by the legal clock in the same transaction.
# No role is checked here: the supervision service that calls these does; no view calls them.


def _locked_case(case_id: int) -> EnforcementCase:
    return EnforcementCase.objects.select_for_update().select_related("court").get(pk=case_id)


def _suspension_snapshot(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "kind": row.kind,
        "start": row.start,
        "end": row.end,
        "origin": row.origin,
    }


def _recompute_case(locked: EnforcementCase, caller: EnforcementCase | None) -> dict[str, Any]:
    """Recompute the locked case's due columns by the legal clock (``recompute.recompute_ids``,
    inside the caller's transaction); copy them onto the caller's instance, if any, and return
    the before/after of ``limit_due`` and ``suspended_since`` for the audit."""
    from .dues import DUE_FIELDS
    from .recompute import recompute_ids

    before = {"limit_due": locked.limit_due, "suspended_since": locked.suspended_since}
    recompute_ids([locked.pk])
    locked.refresh_from_db(fields=list(DUE_FIELDS))
    if caller is not None:
        for name in DUE_FIELDS:
            setattr(caller, name, getattr(locked, name))
    return {
        "limit_due_before": before["limit_due"],
        "limit_due": locked.limit_due,
        "suspended_since_before": before["suspended_since"],
        "suspended_since": locked.suspended_since,
    }


def _check_dates(start: dt.date, end: dt.date | None, filed_on: dt.date) -> None:
    if end is not None and end < start:
        raise ServiceError(
            f"结束日期（{end:%Y-%m-%d}）早于起始日期（{start:%Y-%m-%d}），请核对。", field="end"
        )
    if start < filed_on:
        raise ServiceError(
            f"起始日期（{start:%Y-%m-%d}）早于本案立案日期（{filed_on:%Y-%m-%d}），请核对。", field="start"
        )


def add_suspension(
    case: EnforcementCase,
    *,
    kind: str,
    start: dt.date,
    end: dt.date | None,
    origin: str,
    actor: User | None,
) -> CaseSuspension:
    """Record a period not counted in the case's time limit (``kind`` a ``SuspensionKind``,
    usually ``"deferred"`` 暂缓执行) from ``start`` to ``end`` (both counted; None: not yet
    ended), added by ``origin`` (required: the link, e.g. 暂缓执行通知 白中法执缓〔2026〕1号).
    ``limit_due`` moves later by the excluded days (or the case shows 中止中 while open).
    Adding the same period from the same origin again returns the row already there. Audited
    (``cases.suspension.add``)."""
    origin = (origin or "").strip()
    if kind not in SuspensionKind.values:
        raise ServiceError(f"未知的不计入期间类型：{kind}", field="kind")
    if not origin:
        raise ServiceError("须写明来源（如暂缓执行通知的文号）：没有来源的期间会被下一次流程节点导入覆盖。")
    with transaction.atomic():
        locked = _locked_case(case.pk)
        _check_dates(start, end, locked.filed_on)
        same = CaseSuspension.objects.filter(
            case=locked, kind=kind, start=start, end=end, origin=origin[:60]
        ).first()
        if same is not None:
            return same
        row = CaseSuspension.objects.create(
            case=locked, kind=kind, start=start, end=end, origin=origin[:60], note=origin[:300]
        )
        dues = _recompute_case(locked, case)
        record(
            "cases.suspension.add",
            actor=actor,
            target=locked,
            court=locked.court,
            after={**_suspension_snapshot(row), **dues},
            reason=origin,
        )
    return row


def _own_suspension(suspension: CaseSuspension) -> tuple[EnforcementCase, CaseSuspension]:
    """The case locked and the suspension re-read under the lock; refused for imported rows."""
    locked = _locked_case(suspension.case_id)
    try:
        row = CaseSuspension.objects.get(pk=suspension.pk, case=locked)
    except CaseSuspension.DoesNotExist:
        raise ServiceError("该期间已不存在（可能已被删除），请刷新后查看。") from None
    if not row.origin:
        raise ServiceError("该期间来自流程节点导入，只能通过重新导入流程节点更改，不能在此修改或删除。")
    return locked, row


def change_suspension(
    suspension: CaseSuspension, *, end: dt.date | None, actor: User | None, reason: str
) -> CaseSuspension:
    """Set the end of a period a measure added (extend it, end it early, or None: open again);
    the case's due dates are recomputed. Only rows with an origin; audited
    (``cases.suspension.change``). The same end again changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写变更理由。", field="reason")
    with transaction.atomic():
        locked, row = _own_suspension(suspension)
        _check_dates(row.start, end, locked.filed_on)
        if row.end == end:
            return row
        before = _suspension_snapshot(row)
        row.end = end
        row.save(update_fields=["end"])
        dues = _recompute_case(locked, _cached_case(suspension))
        record(
            "cases.suspension.change",
            actor=actor,
            target=locked,
            court=locked.court,
            before=before,
            after={**_suspension_snapshot(row), **dues},
            reason=reason,
        )
    suspension.end = end
    return row


def remove_suspension(suspension: CaseSuspension, *, actor: User | None, reason: str) -> None:
    """Remove a period a measure added (the notice withdrawn); the case's due dates move back.
    Only rows with an origin; audited (``cases.suspension.remove``)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写删除理由。", field="reason")
    with transaction.atomic():
        locked, row = _own_suspension(suspension)
        before = _suspension_snapshot(row)
        row.delete()
        dues = _recompute_case(locked, _cached_case(suspension))
        record(
            "cases.suspension.remove",
            actor=actor,
            target=locked,
            court=locked.court,
            before=before,
            after=dues,
            reason=reason,
        )


def _cached_case(suspension: CaseSuspension) -> EnforcementCase | None:
    """The case instance the caller's suspension holds, if loaded (its due columns are then
    refreshed too, as ``add_suspension`` refreshes the case it was given)."""
    if CaseSuspension.case.is_cached(suspension):
        return suspension.case
    return None


# --- 指定执行 / 提级执行: one case opened to one more court -------------------------------------


def grant_case(
    case: EnforcementCase, court: Court, *, reason: str, origin: str, actor: User | None
) -> CaseGrant:
    """Open ``case`` to ``court`` (the court designated to enforce it, or the city court taking
    it up): that court's users see this one case read-only (``cases.access``). Idempotent: a
    live grant of the same case to the same court is returned as it is. Audited
    (``cases.grant.add``, in the case's court's log). No role is checked here: the caller's."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写指定或提级执行的事由。", field="reason")
    with transaction.atomic():
        locked = _locked_case(case.pk)
        if court.pk == locked.court_id:
            raise ServiceError(
                f"{court.short_name or court.name}本来就是本案的执行法院，无需授权。", field="court"
            )
        existing = CaseGrant.objects.live().filter(case=locked, court=court).first()
        if existing is not None:
            return existing
        grant = CaseGrant.objects.create(
            case=locked,
            court=court,
            reason=reason[:200],
            origin=(origin or "").strip()[:60],
            granted_by=actor,
        )
        record(
            "cases.grant.add",
            actor=actor,
            target=locked,
            court=locked.court,
            after={
                "grant": grant.pk,
                "court": court.pk,
                "court_name": court.name,
                "reason": grant.reason,
                "origin": grant.origin,
            },
            reason=reason,
        )
    return grant


def revoke_case_grant(grant: CaseGrant, *, actor: User | None, reason: str) -> None:
    """End a grant (the designation withdrawn or the case returned): the court no longer sees
    the case. A grant already revoked is left as it is. Audited (``cases.grant.revoke``)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写撤销理由。", field="reason")
    with transaction.atomic():
        locked = _locked_case(grant.case_id)
        row = CaseGrant.objects.select_related("court").get(pk=grant.pk)
        if row.revoked_at is not None:
            grant.revoked_at = row.revoked_at
            return
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        record(
            "cases.grant.revoke",
            actor=actor,
            target=locked,
            court=locked.court,
            before={"grant": row.pk, "court": row.court_id, "court_name": row.court.name, "revoked_at": None},
            after={"revoked_at": row.revoked_at},
            reason=reason,
        )
    grant.revoked_at = row.revoked_at
