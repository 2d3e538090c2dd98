from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhijian.cases.models import ScanRule
from zhijian.cases.scans import run_scans


class Command(BaseCommand):
    help = "运行检测扫描（第七条超期未结、应作未作，第八条久拖不结、执行障碍，第十三条重点评查），生成待确认的线索（run the detection scans）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        result = run_scans()
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for rule, counts in result.items():
            self.stdout.write(
                f"{ScanRule(rule).label}：新线索 {counts['new']}，仍存在 {counts['seen']}，已消除 {counts['resolved']}"
            )
