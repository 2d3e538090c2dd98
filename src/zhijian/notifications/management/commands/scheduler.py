from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhijian.notifications.scheduler import TICK_SECONDS, Scheduler, tick


class Command(BaseCommand):
    help = (
        "运行定时任务进程：每 10 分钟发送期限提醒（仅工作时间），每天 1:00 后运行一次检测扫描；"
        "按 Ctrl+C 时先做完当前任务再退出（run the scheduler）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只检查并运行一次到期的任务后退出")
        parser.add_argument(
            "--tick", type=float, default=TICK_SECONDS, help=f"每隔几秒检查一次（默认 {TICK_SECONDS}）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            for outcome in tick():
                self.stdout.write(outcome)
            return
        Scheduler(self.stdout, tick_seconds=options["tick"]).run()
