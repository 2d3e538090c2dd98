"""The one way to write the audit trail.

``record()`` is called by service functions inside the transaction that makes the change, as
the last step before commit: it takes the chain-head lock (a row lock on PostgreSQL; SQLite's
IMMEDIATE transactions already serialise writers), links the new event to the previous one and
schedules a checkpoint line for after the commit.
"""

from __future__ import annotations

import fcntl
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from zhijian.core import request as request_context

from .chain import GENESIS_HASH, compute_hash, to_jsonable
from .models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from zhijian.org.models import Court, User

SYSTEM_ACTOR_NAME = "系统"
logger = logging.getLogger(__name__)


def snapshot(obj: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A JSON-ready dict of the named fields of ``obj`` (foreign keys as their ids)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        data[name] = to_jsonable(getattr(obj, attname))
    return data


def _lock_head() -> tuple[AuditChainHead, bool]:
    """The locked head row, and whether it had to be rebuilt. A missing head row with events
    present is rebuilt from the newest event — and the caller records that in the chain, so the
    rebuild is visible (``audit.head.rebuilt``) instead of silently healing a deletion."""
    try:
        return AuditChainHead.objects.select_for_update().get(pk=1), False
    except AuditChainHead.DoesNotExist:
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        seq, digest = (last["seq"], last["hash"]) if last else (0, GENESIS_HASH)
        try:
            with transaction.atomic():
                return AuditChainHead.objects.create(pk=1, seq=seq, hash=digest), last is not None
        except IntegrityError:
            return AuditChainHead.objects.select_for_update().get(pk=1), False


def record(
    action: str,
    *,
    actor: User | None,
    target: models.Model | None = None,
    court: Court | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    actor_name: str | None = None,
    target_repr: str | None = None,
    deleted: tuple[models.Model, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. ``actor=None`` means the system itself (demo loader, CLI).

    ``court`` defaults to the target's court (or the target itself when it is a court), else the
    actor's court. For a deletion, pass ``deleted=(obj, pk)`` after deleting: the event names
    the object's type and former id.
    """
    if court is None and target is not None:
        court = target if target._meta.label == "org.Court" else getattr(target, "court", None)  # type: ignore[assignment]
    if court is None and actor is not None:
        court = actor.court
    ctx = request_context.current()
    with transaction.atomic():
        head, rebuilt = _lock_head()
        if rebuilt:
            logger.error("audit chain head row was missing; rebuilt from event #%s", head.seq)
            _append(head, actor=None, action="audit.head.rebuilt", court=None, target=None, ctx=ctx,
                    before=None, after={"seq": head.seq}, reason="审计链头记录缺失，已按最后一个事件重建",
                    actor_name=None, target_repr=None)  # fmt: skip
            head.refresh_from_db()
        return _append(head, actor=actor, action=action, court=court, target=target, ctx=ctx, before=before,
                       after=after, reason=reason, actor_name=actor_name, target_repr=target_repr,
                       deleted=deleted)  # fmt: skip


def _append(
    head: AuditChainHead,
    *,
    actor: User | None,
    action: str,
    court: Court | None,
    target: models.Model | None,
    ctx: request_context.RequestContext,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    reason: str,
    actor_name: str | None,
    target_repr: str | None,
    deleted: tuple[models.Model, Any] | None = None,
) -> AuditEvent:
    row: dict[str, Any] = {
        "seq": head.seq + 1,
        "created_at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_username": actor.get_username()[:150] if actor is not None else "",
        "actor_name": (actor_name or (actor.display_name if actor is not None else SYSTEM_ACTOR_NAME))[:100],
        "court_id": court.pk if court is not None else None,
        "court_name": court.name[:100] if court is not None else "",
        "action": action[:80],
        "target_type": target._meta.label
        if target is not None
        else (deleted[0]._meta.label if deleted else ""),
        "target_id": str(target.pk) if target is not None else (str(deleted[1]) if deleted else ""),
        "target_repr": (target_repr if target_repr is not None else (str(target) if target else ""))[:300],
        "before": to_jsonable(dict(before)) if before is not None else None,
        "after": to_jsonable(dict(after)) if after is not None else None,
        "reason": reason,
        "request_id": ctx.request_id[:64],
        "client_ip": ctx.client_ip[:64],
        "prev_hash": head.hash,
    }
    row["hash"] = compute_hash(row)
    event = AuditEvent.objects.create(**row)
    AuditChainHead.objects.filter(pk=1).update(seq=row["seq"], hash=row["hash"])
    seq, digest = row["seq"], row["hash"]
    transaction.on_commit(lambda: append_checkpoint(seq, digest), robust=True)
    return event


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def append_checkpoint(seq: int, digest: str) -> None:
    """Append a chain-head checkpoint line to the file outside the database. Runs after commit
    (robustly: a failure here is logged, never turned into an error page for a change that was
    made; ``verify-audit`` then finds the missing checkpoint)."""
    path = checkpoint_path()
    try:
        _write_checkpoint(path, seq, digest)
    except OSError:
        logger.exception("could not append audit checkpoint #%s to %s", seq, path)
        raise


def _write_checkpoint(path: Path, seq: int, digest: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"seq": seq, "hash": digest, "at": timezone.now().isoformat()}) + "\n"
    with path.open("a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.write(line)
            fh.flush()
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
