from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhijian.org.loaders import load_default_courts


class Command(BaseCommand):
    help = (
        "载入默认法院（吉林高院、白山中院及六个基层法院），可重复执行（load the default courts, idempotent）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_default_courts()
        if options["json"]:
            self.stdout.write(json.dumps({"created": created}, ensure_ascii=False))
        else:
            self.stdout.write(f"默认法院已就绪，新建 {len(created)} 个：{'、'.join(created) or '无'}")
