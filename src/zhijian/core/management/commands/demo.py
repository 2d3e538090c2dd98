from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from zhijian.audit.services import checkpoint_path
from zhijian.core.demo import loaders
from zhijian.org.loaders import DEMO_PASSWORD


def _audit_is_empty() -> bool:
    from django.db import connection

    from zhijian.audit.models import AuditEvent

    if AuditEvent._meta.db_table not in connection.introspection.table_names():
        return True
    return not AuditEvent.objects.exists()


class Command(BaseCommand):
    help = "建库并载入演示数据（法院、各角色演示账号……），可重复执行，然后退出（migrate and load demo data, idempotently）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        self.set_aside_orphaned_checkpoints()
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

    def set_aside_orphaned_checkpoints(self) -> None:
        """A demo database created afresh next to the checkpoint file of a deleted one would fail
        verification for ever: move the old file aside (demo only, never in production)."""
        path = checkpoint_path()
        if path.exists() and path.stat().st_size and _audit_is_empty():
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            target = path.with_name(f"{path.name}.orphaned-{stamp}")
            path.rename(target)
            self.stderr.write(f"审计检查点文件属于已删除的数据库，已移至 {target}")
