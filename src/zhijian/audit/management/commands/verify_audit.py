from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhijian.audit.services import checkpoint_path
from zhijian.audit.verify import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链：发现被修改、删除、插入或重排的事件时以非零状态退出（verify the audit chain）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")
        parser.add_argument(
            "--checkpoints", help="检查点文件路径（默认取 ZHIJIAN_AUDIT_CHECKPOINT_FILE）", default=None
        )
        parser.add_argument("--no-checkpoints", action="store_true", help="不比对外部检查点文件")

    def handle(self, *args: Any, **options: Any) -> None:
        path = None if options["no_checkpoints"] else Path(options["checkpoints"] or checkpoint_path())
        result = verify_chain(path)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        elif result.ok:
            self.stdout.write(
                f"审计链完整：{result.events} 个事件，最新 #{result.last_seq}，外部检查点 {result.checkpoints} 个。"
            )
        else:
            self.stderr.write(f"审计链已被破坏，第一个问题在事件 #{result.first_bad_seq}：")
            for problem in result.problems:
                self.stderr.write(f"  - {problem}")
        if not result.ok:
            raise CommandError("审计链校验失败", returncode=1) if not options["json"] else SystemExit(1)
