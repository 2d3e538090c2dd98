"""Architecture rules that a grep can hold: the legal clock is the only way to compute a deadline."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "zhijian"
# ``timedelta(days=1)`` for an inclusive date filter is not a deadline; anything else is.
DAY_ARITHMETIC = re.compile(r"timedelta\((?!days=1\))[^)]*\)|relativedelta\(")


def test_no_day_arithmetic_outside_the_legal_clock() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "legaltime" or "migrations" in rel.parts:
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if DAY_ARITHMETIC.search(line):
                offenders.append(f"{rel}:{lineno}: {line.strip()}")
    assert not offenders, "compute deadlines with zhijian.legaltime, not timedelta:\n" + "\n".join(offenders)


def test_the_guard_itself_catches_a_deadline() -> None:
    assert DAY_ARITHMETIC.search("due = start + dt.timedelta(days=5)")
    assert not DAY_ARITHMETIC.search("end + dt.timedelta(days=1)")
