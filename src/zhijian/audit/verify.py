"""Walk the audit chain and report the first break, if any."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .chain import GENESIS_HASH, HASHED_FIELDS, compute_hash
from .models import AuditChainHead, AuditEvent


@dataclass
class VerifyResult:
    ok: bool = True
    events: int = 0
    last_seq: int = 0
    checkpoints: int = 0
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    def fail(self, seq: int | None, message: str) -> None:
        if self.ok:
            self.first_bad_seq = seq
        self.ok = False
        self.problems.append(message)

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "events": self.events,
            "last_seq": self.last_seq,
            "checkpoints": self.checkpoints,
            "first_bad_seq": self.first_bad_seq,
            "problems": self.problems,
        }


def read_checkpoints(path: Path) -> tuple[dict[int, str], list[str]]:
    """Checkpoint lines as {seq: hash}; unreadable lines are reported, not ignored."""
    points: dict[int, str] = {}
    errors: list[str] = []
    if not path.exists():
        return points, errors
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                errors.append(f"检查点文件第 {lineno} 行不是有效的 UTF-8")
                continue
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                seq, digest = item["seq"], item["hash"]
                if type(seq) is not int or seq < 1 or not isinstance(digest, str) or len(digest) != 64:
                    raise ValueError
            except (ValueError, KeyError, TypeError, OverflowError):
                errors.append(f"检查点文件第 {lineno} 行无法解析")
                continue
            if points.get(seq, digest) != digest:
                errors.append(f"检查点文件中事件 #{seq} 有两个不同的哈希")
            points[seq] = digest
    return points, errors


def verify_chain(checkpoint_file: Path | None = None, *, max_problems: int = 20) -> VerifyResult:
    """Recompute every hash and link; compare the chain head and the external checkpoints.

    Reads, in this order, the checkpoint file, the head row, then the events up to the head —
    so events committed by other processes while it runs are not mistaken for tampering."""
    result = VerifyResult()
    points: dict[int, str] = {}
    missing_file = checkpoint_file is not None and not checkpoint_file.exists()
    if checkpoint_file is not None:
        points, errors = read_checkpoints(checkpoint_file)
        result.checkpoints = len(points)
        for message in errors:
            result.fail(None, message)

    head = AuditChainHead.objects.filter(pk=1).first()
    rows = AuditEvent.objects.order_by("seq").values("id", "hash", *HASHED_FIELDS)
    if head is not None:
        rows = rows.filter(seq__lte=head.seq)
    expected_seq = 1
    prev_hash = GENESIS_HASH
    for row in rows.iterator(chunk_size=2000):
        if len(result.problems) >= max_problems:
            break
        seq = row["seq"]
        result.events += 1
        if seq != expected_seq:
            if seq > expected_seq:
                span = f"#{expected_seq}" if seq - 1 == expected_seq else f"#{expected_seq}–#{seq - 1}"
                result.fail(expected_seq, f"事件 {span} 缺失（被删除）")
            else:
                result.fail(seq, f"事件 #{seq} 顺序错误（重复或插入）")
        if row["prev_hash"] != prev_hash:
            result.fail(seq, f"事件 #{seq} 的前一事件哈希与链不符（插入、删除或重排）")
        if compute_hash(row) != row["hash"]:
            result.fail(seq, f"事件 #{seq} 的内容与哈希不符（被修改）")
        point = points.get(seq)
        if point is not None and point != row["hash"]:
            result.fail(seq, f"事件 #{seq} 与外部检查点不符（链被改写）")
        prev_hash = row["hash"]
        expected_seq = seq + 1
        result.last_seq = seq

    if head is None:
        if AuditEvent.objects.exists():
            result.fail(None, "审计链头记录缺失（被删除）")
    elif (head.seq, head.hash) != (result.last_seq, prev_hash):
        result.fail(
            result.last_seq + 1 if head.seq > result.last_seq else head.seq,
            f"链头记录为 #{head.seq}，而最后一个事件为 #{result.last_seq}（最新事件被删除或链头被改动）",
        )
    if missing_file and result.events:
        # Without the file, removal of the newest events cannot be ruled out.
        result.fail(
            None, f"检查点文件 {checkpoint_file} 不存在（被删除或路径配置错误），无法确认最新事件未被删除"
        )
    if points:
        newest = max(points)
        if newest > result.last_seq:
            result.fail(
                result.last_seq + 1,
                f"外部检查点记录到事件 #{newest}，数据库中只有到 #{result.last_seq}（最新事件被删除）",
            )
    return result
