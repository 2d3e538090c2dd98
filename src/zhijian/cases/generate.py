"""Synthetic, deterministic case-flow exports for demos and benchmarks.

The same ``count`` and ``seed`` always give the same file. Cases are spread over the seven
Baishan courts (most in the six basic courts), filed 2016 … this year, with handlers per court,
people and companies from Faker's zh_CN provider, plausible amounts, conclusions (执行完毕,
终结本次执行程序 …) and a few anomalies, written in the export format ``import-cases`` reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

from faker import Faker

HEADER = [
    "案号", "立案日期", "承办人", "案件状态", "结案日期", "结案方式", "申请执行标的（元）", "执行到位金额（元）",
    "申请执行人", "被执行人", "执行依据类型", "原案号", "数据截至日期",
]  # fmt: skip
COURT_WEIGHTS = {"吉0602": 26, "吉0605": 14, "吉0621": 16, "吉0622": 10, "吉0623": 8, "吉0681": 18, "吉06": 8}
TYPE_WEIGHTS = {"执": 78, "执恢": 10, "执保": 6, "执异": 4, "执复": 1, "执他": 1}
METHODS = [
    ("执行完毕", 45),
    ("终结本次执行程序", 35),
    ("终结执行", 8),
    ("不予执行", 2),
    ("驳回申请", 2),
    ("销案", 3),
    ("和解长期履行", 5),
]
BASIS = [
    ("民事判决", 55),
    ("民事调解", 25),
    ("仲裁裁决", 6),
    ("公证债权文书", 4),
    ("行政非诉", 6),
    ("刑事裁判涉财产部分", 4),
]


def _pick(rng: random.Random, weighted: dict[str, int] | list[tuple[str, int]]) -> str:
    items = list(weighted.items()) if isinstance(weighted, dict) else weighted
    return rng.choices([k for k, _ in items], [w for _, w in items])[0]


def generate_rows(count: int, seed: int = 2026, *, today: dt.date | None = None) -> Iterator[list[str]]:
    """``count`` export rows (without the header)."""
    today = today or dt.date.today()
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    handlers = {code: [fake.name() for _ in range(12)] for code in COURT_WEIGHTS}
    seqs: dict[tuple[int, str, str], int] = {}
    first, last = dt.date(2016, 1, 4).toordinal(), today.toordinal() - 1
    for _ in range(count):
        court = _pick(rng, COURT_WEIGHTS)
        type_code = _pick(rng, TYPE_WEIGHTS)
        filed = dt.date.fromordinal(rng.randint(first, last))
        key = (filed.year, court, type_code)
        seqs[key] = seqs.get(key, 0) + 1
        number = f"（{filed.year}）{court}{type_code}{seqs[key]}号"
        age = today.toordinal() - filed.toordinal()
        concluded = rng.random() < min(0.95, 0.15 + age / 900)
        concluded_on = ""
        method = ""
        applied = rng.choice(
            [rng.randint(2, 50) * 1000, rng.randint(50, 2000) * 1000, rng.randint(2, 300) * 10000]
        )
        recovered = 0
        if concluded:
            end = dt.date.fromordinal(min(last, filed.toordinal() + rng.randint(20, max(21, min(age, 720)))))
            concluded_on = end.isoformat()
            method = _pick(rng, METHODS)
            recovered = applied if method == "执行完毕" else int(applied * rng.choice([0, 0, 0.1, 0.3, 0.6]))
        applicant = fake.name() if rng.random() < 0.6 else fake.company()
        respondent = fake.company() if rng.random() < 0.45 else fake.name()
        if rng.random() < 0.15:
            respondent += "；" + fake.name()
        basis = _pick(rng, BASIS)
        original = (
            f"（{max(2016, filed.year - 1)}）{court}民初{rng.randint(1, 3000)}号"
            if basis.startswith("民事")
            else ""
        )
        yield [
            number,
            filed.isoformat(),
            rng.choice(handlers[court]),
            "已结案" if concluded else "执行中",
            concluded_on,
            method,
            f"{applied:.2f}",
            f"{recovered:.2f}",
            applicant,
            respondent,
            basis,
            original,
            today.isoformat(),
        ]


def write_export(path: Path, count: int, seed: int = 2026, *, encoding: str = "gb18030") -> Path:
    """Write ``count`` generated cases as a case-flow CSV export (GB18030 by default, like
    Chinese Excel) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(generate_rows(count, seed))
    return path
