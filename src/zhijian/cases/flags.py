"""The Art. 13 facts of a case that come from links rather than from its own row:

* 复议纠错 — an 执复 case concluded by 撤销 or 变更 marks the case named in its 原案号
  (``mark_corrections``, after every case import);
* 领导督办 and 媒体/社会关注 — set by later issues' links (a supervision matter ordered by the
  leadership, a media report) through ``set_attention`` / ``clear_attention``, never by hand.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from zhijian.audit.services import record, snapshot
from zhijian.core.exceptions import ServiceError
from zhijian.org.models import User

from .models import CaseStatus, EnforcementCase

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
