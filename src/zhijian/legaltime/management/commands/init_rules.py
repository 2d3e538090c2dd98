from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhijian.legaltime.services import seed_rules


class Command(BaseCommand):
    help = "载入默认期限规则（已存在的不变），可重复执行（seed the default time-limit rules）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_rules()
        if options["json"]:
            self.stdout.write(json.dumps({"created": created}))
        else:
            self.stdout.write(f"默认期限规则已就绪，新建 {created} 条。")
