"""Canonical serialisation and hashing of audit events (pure functions, no ORM)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

GENESIS_HASH = "0" * 64

# Every column of an event row except ``hash`` (and the surrogate primary key) enters the hash.
HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_name",
    "court_id",
    "court_name",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "before",
    "after",
    "reason",
    "request_id",
    "client_ip",
    "prev_hash",
)


def to_jsonable(value: Any) -> Any:
    """Convert a value into JSON that survives a database round trip unchanged.

    Decimals and floats become strings (JSON numbers are not exact across backends), datetimes
    UTC ISO-8601 with microseconds, dates ISO, sets sorted lists, model instances their pk.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, (decimal.Decimal, float)):
        return str(value)
    if isinstance(value, dt.datetime):
        return utc_iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, enum.Enum)):
        return str(value.value if isinstance(value, enum.Enum) else value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((to_jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    pk = getattr(value, "pk", None)
    if pk is not None:
        return to_jsonable(pk)
    return str(value)


def utc_iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(to_jsonable(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compute_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields of one event row."""
    payload = {name: row.get(name) for name in HASHED_FIELDS}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
