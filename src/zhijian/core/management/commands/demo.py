from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from zhijian.core.demo import loaders
from zhijian.org.loaders import DEMO_PASSWORD


class Command(BaseCommand):
    help = "建库并载入演示数据（法院、各角色演示账号……），可重复执行，然后退出（migrate and load demo data, idempotently）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr if as_json else self.stdout)
        results: dict[str, Any] = {}
        for loader in loaders():
            results[loader.name] = loader.fn()
            if not as_json:
                self.stderr.write(f"已载入：{loader.name}")
        accounts = results.get("演示账号", [])
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "password": DEMO_PASSWORD,
                        "accounts": [
                            {"username": u, "name": n, "court": c, "roles": r} for u, n, c, r in accounts
                        ],
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write("")
        self.stdout.write("演示账号（仅供演示，切勿用于生产环境）—— 密码均为：" + DEMO_PASSWORD)
        self.stdout.write(f"{'用户名':<20}{'姓名':<10}{'法院':<10}角色")
        for username, name, court, roles in accounts:
            self.stdout.write(f"{username:<22}{name:<10}{court:<10}{roles}")
