"""Demo cases: a small, deterministic export imported through the real importer (so the demo's
audit trail shows an import), with cases inside and outside their time limits."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

from django.utils import timezone

from zhijian.core.demo import demo_loader

from .models import EnforcementCase
from .services import import_cases

COURTS = ["吉0602", "吉0605", "吉0621", "吉0622", "吉0623", "吉0681"]
HANDLERS = ["张建国", "李红梅", "王志强", "刘洋", "陈静", "杨帆"]
PARTIES = ["白山市某建材有限公司", "吉林某农业开发有限公司", "王某", "李某某", "赵某", "孙某某", "某运输公司"]
HEADER = "案号,立案日期,承办人,案件状态,结案日期,结案方式,申请执行标的（元）,执行到位金额（元）,申请执行人,被执行人,执行依据类型,数据截至日期"


@demo_loader(40, "演示案件")
def cases() -> int:
    if EnforcementCase.objects.exists():
        return 0
    rng = random.Random(2026)
    today = timezone.localdate()
    lines = [HEADER]
    for i, code in enumerate(COURTS):
        for n in range(1, 7):
            # random demo dates, not deadlines: picked as day ordinals
            filed = dt.date.fromordinal(today.toordinal() - rng.randint(20, 330))
            concluded = n % 3 == 0
            end = dt.date.fromordinal(filed.toordinal() + rng.randint(30, 150)) if concluded else None
            method = "执行完毕" if concluded else ""
            basis = "行政非诉" if n == 5 else "民事判决"
            amount = rng.randint(5, 500) * 1000
            lines.append(
                ",".join(
                    [
                        f"（{filed.year}）{code}执{100 + n}号",
                        filed.isoformat(),
                        HANDLERS[(i + n) % len(HANDLERS)],
                        "已结案" if concluded else "执行中",
                        end.isoformat() if end and end <= today else "",
                        method if end and end <= today else "",
                        str(amount),
                        str(amount if concluded else 0),
                        PARTIES[n % len(PARTIES)],
                        PARTIES[(n + 3) % len(PARTIES)],
                        basis,
                        today.isoformat(),
                    ]
                )
            )
    # rows whose end date fell after today are still open
    fixed = []
    for line in lines[1:]:
        parts = line.split(",")
        if parts[3] == "已结案" and not parts[4]:
            parts[3] = "执行中"
        fixed.append(",".join(parts))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "演示-执行案件导出.csv"
        path.write_bytes(("\n".join([HEADER, *fixed]) + "\n").encode("gb18030"))
        result = import_cases(path, actor=None)
    return result.created


@demo_loader(50, "检测扫描")
def scan() -> int:
    from .models import ScanCandidate
    from .scans import run_scans

    if ScanCandidate.objects.exists():
        return 0
    result = run_scans()
    return sum(counts["new"] for counts in result.values())


# the rule-boundary cases register their own loader
from . import demo_boundaries  # noqa: E402, F401
