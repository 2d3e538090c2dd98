from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhijian.legaltime.services import recompute_all


class Command(BaseCommand):
    help = "按现行日历重新计算所有未完成的期限（升级 chinesecalendar 后运行），记入审计日志（recompute open deadlines）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reason", default="", help="事由，例如“升级节假日数据包”")
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        moved = recompute_all(actor=None, reason=options["reason"])
        if options["json"]:
            self.stdout.write(json.dumps({"moved": moved}))
        else:
            self.stdout.write(f"已重新计算，{moved} 个期限的届满日发生变化。")
