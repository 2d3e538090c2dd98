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
import re
from collections.abc import Iterator
from pathlib import Path

from faker import Faker

HEADER = [
    "案号", "立案日期", "承办人", "案件状态", "结案日期", "结案方式", "申请执行标的（元）", "执行到位金额（元）",
    "申请执行人", "被执行人", "被执行人证件号码", "被执行人联系电话", "执行依据类型", "原案号", "数据截至日期",
]  # fmt: skip
RECONSIDERATION_RESULTS = [("驳回复议申请", 60), ("撤销执行裁定", 25), ("变更执行裁定", 15)]
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


def _id_number(rng: random.Random, fake: Faker, name: str) -> str:
    """A person's 18-digit ID number or a company's 统一社会信用代码 (synthetic)."""
    if name.endswith(("公司", "厂", "店", "社", "中心")):
        return "9122060" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(11))
    return str(fake.ssn())


def generate_rows(count: int, seed: int = 2026, *, today: dt.date | None = None) -> Iterator[list[str]]:
    """``count`` export rows (without the header)."""
    today = today or dt.date.today()
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    handlers = {code: [fake.name() for _ in range(12)] for code in COURT_WEIGHTS}
    seqs: dict[tuple[int, str, str], int] = {}
    recent: list[str] = []  # 执 numbers an 执复 case may review
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
        respondents = [fake.company() if rng.random() < 0.45 else fake.name()]
        if rng.random() < 0.15:
            respondents.append(fake.name())
        ids = [_id_number(rng, fake, name) for name in respondents]
        phones = [fake.phone_number() if rng.random() < 0.8 else "" for _ in respondents]
        basis = _pick(rng, BASIS)
        original = (
            f"（{max(2016, filed.year - 1)}）{court}民初{rng.randint(1, 3000)}号"
            if basis.startswith("民事")
            else ""
        )
        if type_code == "执" and court != "吉06":
            recent.append(number)
            if len(recent) > 500:
                recent.pop(0)
        elif type_code == "执复" and recent:
            original = rng.choice(recent)
            if concluded:
                method = _pick(rng, RECONSIDERATION_RESULTS)
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
            "；".join(respondents),
            "；".join(ids),
            "；".join(phones),
            basis,
            original,
            today.isoformat(),
        ]


EVENT_HEADER = ["案号", "节点", "开始日期", "结束日期", "说明", "数据截至日期"]


def _day(ordinal: int, last: int) -> dt.date:
    return dt.date.fromordinal(min(ordinal, last))


def events_for(row: list[str], rng: random.Random, today: dt.date) -> list[list[str]]:
    """Plausible process nodes of one generated case: 立案, 执行通知 (mostly within days, now and
    then late or missing), 网络查控 and its completion, money received and paid out, and for a few
    cases 中止执行 (some resumed), 执行信访 (some repeated or collective) and 执行障碍."""
    number, filed_text, status, concluded_text = row[0], row[1], row[3], row[4]
    filed = dt.date.fromisoformat(filed_text)
    last = (dt.date.fromisoformat(concluded_text) if concluded_text else today).toordinal()
    f = filed.toordinal()
    out: list[tuple[str, dt.date, dt.date | None, str]] = [("立案", filed, None, "")]

    def add(name: str, ordinal: int, end: int | None = None, note: str = "") -> None:
        if ordinal <= last:
            out.append((name, _day(ordinal, last), _day(end, last) if end else None, note))

    if rng.random() < 0.93:
        add("发出执行通知书", f + rng.choice([1, 2, 3, 5, 8, 9, 12, 20]))
    if rng.random() < 0.85:
        add("通知提供财产线索", f + rng.choice([1, 2, 3, 4]))
    if rng.random() < 0.9:
        started = f + rng.randint(2, 20)
        add("网络查控", started)
        if rng.random() < 0.9:
            add("财产调查完毕", started + rng.randint(5, 40))
    if rng.random() < 0.2:
        provided = f + rng.randint(10, 60)
        add("提供财产线索", provided, note="申请执行人提供被执行人名下车辆线索")
        if rng.random() < 0.85:
            add("线索核查", provided + rng.randint(1, 10))
    if float(row[7] or 0) > 0:
        received = f + rng.randint(30, 150)
        add("案款到账", received)
        if rng.random() < 0.95:
            add("案款发放", received + rng.randint(3, 40))
    if rng.random() < 0.06:
        start = f + rng.randint(20, 200)
        end = start + rng.randint(10, 120) if rng.random() < 0.5 else None
        add("中止执行", start, end, "被执行人进入破产程序" if end is None else "案外人提出异议")
        if end is None and status != "已结案" and rng.random() < 0.3:
            add("恢复执行", start + rng.randint(30, 150))
    if rng.random() < 0.04:
        for k in range(rng.choice([1, 1, 2, 3])):
            add("集体访" if rng.random() < 0.2 else "执行信访", f + rng.randint(40, 400) + 30 * k)
    if status != "已结案" and rng.random() < 0.03:
        add("执行障碍", f + rng.randint(30, 300), note="被执行人下落不明")
    return [
        [number, name, on.isoformat(), end.isoformat() if end else "", note, row[-1]]
        for name, on, end, note in out
    ]


def write_export(
    path: Path,
    count: int,
    seed: int = 2026,
    *,
    encoding: str = "gb18030",
    events_path: Path | None = None,
) -> Path:
    """Write ``count`` generated cases as a case-flow CSV export (GB18030 by default, like
    Chinese Excel) and return the path; with ``events_path``, also their process nodes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    today = dt.date.today()
    rng = random.Random(seed + 1)
    events_fh = events_path.open("w", encoding=encoding, newline="") if events_path else None
    try:
        events_writer = csv.writer(events_fh) if events_fh else None
        if events_writer:
            events_writer.writerow(EVENT_HEADER)
        with path.open("w", encoding=encoding, newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            for row in generate_rows(count, seed, today=today):
                writer.writerow(row)
                if events_writer and _type_of(row[0]) in ("执", "执恢"):
                    events_writer.writerows(events_for(row, rng, today))
    finally:
        if events_fh:
            events_fh.close()
    return path


def _type_of(number: str) -> str:
    match = re.search(r"(执[恢保异复监协他]?)\d+号$", number)
    return match.group(1) if match else ""
