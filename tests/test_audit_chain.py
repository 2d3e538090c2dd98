"""The hash chain: round trip on the database in use, and every kind of tampering detected."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from zhijian.audit.chain import GENESIS_HASH, compute_hash
from zhijian.audit.models import AuditChainHead, AuditEvent
from zhijian.audit.services import checkpoint_path, record
from zhijian.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_checkpoints(settings: Any, tmp_path: Path) -> Path:
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.log"
    return settings.AUDIT_CHECKPOINT_FILE


def make_events(world: Any, n: int = 6) -> list[AuditEvent]:
    events = []
    for i in range(n):
        events.append(
            record(
                "org.court.update",
                actor=world.user("city.admin"),
                target=world.courts["a"],
                before={"名称": "旧名称", "金额": decimal.Decimal("1234.50"), "n": i},
                after={"名称": f"新名称{i}", "日期": dt.date(2026, 10, 8), "嵌套": {"b": [1, 2.5, None]}},
                reason=f"测试事由{i}",
            )
        )
    return events


def flush_on_commit() -> None:
    """Run the on-commit checkpoint hooks inside a test transaction."""
    for _, callback, _ in connection.run_on_commit:
        callback()
    connection.run_on_commit.clear()


def verify(path: Path | None = None) -> Any:
    return verify_chain(path or checkpoint_path())


def test_events_round_trip_through_the_database(world: Any) -> None:
    make_events(world)
    rows = AuditEvent.objects.order_by("seq")
    assert rows.count() > 6
    previous = None
    for event in rows:
        stored = {f.name: getattr(event, f.name) for f in AuditEvent._meta.fields}
        assert compute_hash(stored) == event.hash, f"event #{event.seq} does not round-trip"
        if previous is not None:
            assert event.prev_hash == previous.hash
        previous = event
    first = rows.first()
    assert first is not None and first.seq == 1 and first.prev_hash == GENESIS_HASH
    # decimals are stored as strings so that they hash identically on every backend
    last = rows.last()
    assert last is not None and last.before["金额"] == "1234.50" and last.after["日期"] == "2026-10-08"


def test_clean_chain_verifies_with_checkpoints(world: Any) -> None:
    make_events(world)
    flush_on_commit()
    result = verify()
    assert result.ok, result.problems
    assert result.checkpoints == result.events == AuditEvent.objects.count()


def test_edited_event_is_named(world: Any) -> None:
    events = make_events(world)
    target = events[2]
    AuditEvent.objects.filter(pk=target.pk).update(reason="改过的事由")
    result = verify()
    assert not result.ok
    assert result.first_bad_seq == target.seq


def test_edited_json_snapshot_is_detected(world: Any) -> None:
    events = make_events(world)
    AuditEvent.objects.filter(pk=events[1].pk).update(after={"名称": "伪造"})
    assert verify().first_bad_seq == events[1].seq


def test_deleted_middle_event_is_detected(world: Any) -> None:
    events = make_events(world)
    AuditEvent.objects.filter(pk=events[3].pk).delete()
    result = verify()
    assert not result.ok and result.first_bad_seq == events[3].seq


def test_reordered_events_are_detected(world: Any) -> None:
    events = make_events(world)
    a, b = events[1], events[2]
    with transaction.atomic():
        AuditEvent.objects.filter(pk=a.pk).update(seq=-1)
        AuditEvent.objects.filter(pk=b.pk).update(seq=a.seq)
        AuditEvent.objects.filter(pk=a.pk).update(seq=b.seq)
    result = verify()
    assert not result.ok and result.first_bad_seq == a.seq


def test_event_inserted_in_the_middle_is_detected(world: Any) -> None:
    events = make_events(world)
    k = events[2].seq
    with transaction.atomic():
        for event in AuditEvent.objects.filter(seq__gt=k).order_by("-seq"):
            AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
        row = {f.name: getattr(events[2], f.name) for f in AuditEvent._meta.fields if f.name not in ("id",)}
        row.update(seq=k + 1, prev_hash=events[2].hash, reason="伪造事件")
        row["hash"] = compute_hash(row)
        AuditEvent.objects.create(**row)
    result = verify()
    assert not result.ok and result.first_bad_seq == k + 2


def test_removed_newest_events_are_detected_through_the_head_row(world: Any) -> None:
    make_events(world)
    newest = AuditEvent.objects.order_by("-seq").first()
    assert newest is not None
    AuditEvent.objects.filter(pk=newest.pk).delete()
    result = verify_chain(None)
    assert not result.ok and result.first_bad_seq == newest.seq


def test_truncation_with_a_forged_head_is_caught_by_the_checkpoint_file(world: Any) -> None:
    make_events(world)
    flush_on_commit()
    keep = AuditEvent.objects.order_by("seq")[3]
    AuditEvent.objects.filter(seq__gt=keep.seq).delete()
    AuditChainHead.objects.filter(pk=1).update(seq=keep.seq, hash=keep.hash)
    assert verify_chain(None).ok  # invisible inside the database alone
    result = verify()
    assert not result.ok and result.first_bad_seq == keep.seq + 1


def test_deleting_every_event_is_detected(world: Any) -> None:
    make_events(world)
    flush_on_commit()
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.filter(pk=1).update(seq=0, hash=GENESIS_HASH)
    result = verify()
    assert not result.ok and result.first_bad_seq == 1


def test_rewritten_chain_is_caught_by_the_checkpoint_file(world: Any) -> None:
    """Someone edits an event and recomputes every later hash: the chain is self-consistent
    again, but the external checkpoints still name the original hashes."""
    events = make_events(world)
    flush_on_commit()
    prev = events[0].prev_hash
    for event in AuditEvent.objects.filter(seq__gte=events[0].seq).order_by("seq"):
        row = {f.name: getattr(event, f.name) for f in AuditEvent._meta.fields}
        if event.pk == events[0].pk:
            row["reason"] = "改写"
        row["prev_hash"] = prev
        row["hash"] = compute_hash(row)
        AuditEvent.objects.filter(pk=event.pk).update(reason=row["reason"], prev_hash=prev, hash=row["hash"])
        prev = row["hash"]
    AuditChainHead.objects.filter(pk=1).update(hash=prev)
    assert verify_chain(None).ok
    result = verify()
    assert not result.ok and result.first_bad_seq == events[0].seq


@pytest.mark.django_db(transaction=True)
def test_verify_audit_command_exit_codes(world: Any, capsys: Any) -> None:
    """Through the real ``zhijian`` entry point (hyphenated name), which closes connections."""
    from zhijian.cli import main

    events = make_events(world)
    main(["zhijian", "verify-audit", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["events"] == AuditEvent.objects.count()

    AuditEvent.objects.filter(pk=events[4].pk).update(actor_name="别人")
    with pytest.raises(SystemExit) as exc:
        main(["zhijian", "verify-audit", "--json"])
    assert exc.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["first_bad_seq"] == events[4].seq

    with pytest.raises(SystemExit) as exc:
        main(["zhijian", "verify-audit"])
    assert exc.value.code == 1
    assert f"#{events[4].seq}" in capsys.readouterr().err


def test_a_missing_checkpoint_file_is_reported(world: Any) -> None:
    make_events(world)
    result = verify(Path("/nonexistent/checkpoints.log"))
    assert not result.ok and "检查点文件" in result.problems[-1]


def test_no_update_or_delete_path_in_the_application() -> None:
    """Nothing in the application code updates or deletes audit rows (reads are fine)."""
    import re

    writes = re.compile(
        r"AuditEvent\.objects[^\n]*\.(update|delete|bulk_update)\(|AuditEvent\([^)]*\)\.save\(|(event|audit_event)\.(save|delete)\("
    )
    root = Path(__file__).resolve().parents[1] / "src" / "zhijian"
    offenders = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if writes.search(line):
                offenders.append(f"{path.relative_to(root)}:{lineno}: {line.strip()}")
    assert not offenders, offenders
    assert writes.search("AuditEvent.objects.filter(pk=1).update(reason='x')")
    assert not writes.search("AuditEvent.objects.filter(action='accounts.login').order_by('-seq')")


@pytest.mark.django_db(transaction=True)
def test_chain_stays_one_line_under_concurrent_writers(world: Any) -> None:
    """Several threads (own connections) append at once: seq stays contiguous, links intact."""
    from django.db import connections

    admin = world.user("city.admin")
    court = world.courts["a"]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(i: int) -> None:
        try:
            start.wait()
            for j in range(15):
                with transaction.atomic():
                    record("org.court.update", actor=admin, target=court, after={"worker": i, "j": j})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    before = AuditEvent.objects.count()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert AuditEvent.objects.count() == before + 60
    result = verify()
    assert result.ok, result.problems
    assert result.checkpoints == result.events
