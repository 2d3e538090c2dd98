"""The one way to write the audit trail.

``record()`` is called by service functions inside the transaction that makes the change, as
the last step before commit: it takes the chain-head lock (a row lock on PostgreSQL; SQLite's
IMMEDIATE transactions already serialise writers), links the new event to the previous one and
schedules a checkpoint line for after the commit.
"""

from __future__ import annotations

import fcntl
import json
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


def snapshot(obj: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A JSON-ready dict of the named fields of ``obj`` (foreign keys as their ids)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        data[name] = to_jsonable(getattr(obj, attname))
    return data


def _lock_head() -> AuditChainHead:
    try:
        return AuditChainHead.objects.select_for_update().get(pk=1)
    except AuditChainHead.DoesNotExist:
        try:
            with transaction.atomic():
                return AuditChainHead.objects.create(pk=1, seq=0, hash=GENESIS_HASH)
        except IntegrityError:
            return AuditChainHead.objects.select_for_update().get(pk=1)


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
) -> AuditEvent:
    """Append one event to the chain. ``actor=None`` means the system itself (demo loader, CLI).

    ``court`` defaults to the target's court (or the target itself when it is a court), else the
    actor's court.
    """
    if court is None and target is not None:
        court = target if target._meta.label == "org.Court" else getattr(target, "court", None)  # type: ignore[assignment]
    if court is None and actor is not None:
        court = actor.court
    ctx = request_context.current()
    with transaction.atomic():
        head = _lock_head()
        row: dict[str, Any] = {
            "seq": head.seq + 1,
            "created_at": timezone.now(),
            "actor_id": actor.pk if actor is not None else None,
            "actor_username": actor.get_username() if actor is not None else "",
            "actor_name": actor_name or (actor.display_name if actor is not None else SYSTEM_ACTOR_NAME),
            "court_id": court.pk if court is not None else None,
            "court_name": court.name if court is not None else "",
            "action": action,
            "target_type": target._meta.label if target is not None else "",
            "target_id": str(target.pk) if target is not None else "",
            "target_repr": (target_repr if target_repr is not None else (str(target) if target else ""))[
                :300
            ],
            "before": to_jsonable(dict(before)) if before is not None else None,
            "after": to_jsonable(dict(after)) if after is not None else None,
            "reason": reason,
            "request_id": ctx.request_id,
            "client_ip": ctx.client_ip,
            "prev_hash": head.hash,
        }
        row["hash"] = compute_hash(row)
        event = AuditEvent.objects.create(**row)
        AuditChainHead.objects.filter(pk=1).update(seq=row["seq"], hash=row["hash"])
    seq, digest = row["seq"], row["hash"]
    transaction.on_commit(lambda: append_checkpoint(seq, digest))
    return event


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def append_checkpoint(seq: int, digest: str) -> None:
    """Append a chain-head checkpoint line to the file outside the database."""
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"seq": seq, "hash": digest, "at": timezone.now().isoformat()}) + "\n"
    with path.open("a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.write(line)
            fh.flush()
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
