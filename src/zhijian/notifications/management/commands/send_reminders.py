from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zhijian.notifications.reminders import send_reminders


def parse_now(value: str) -> dt.datetime:
    """An ISO date-time; without a zone it is local time (TIME_ZONE, Asia/Shanghai)."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now 不是有效的时间：{value}（示例：2026-03-02T09:00）") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "发送期限提醒（即将到期、今日届满、已超期）和每日汇总；非工作时间不发送"
        "（send deadline reminders and daily digests）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")
        parser.add_argument(
            "--now", default="", help="按此时间运行（ISO 格式，默认为当前时间），用于补发或测试"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options["now"]) if options["now"] else None
        result = send_reminders(now)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(result.message)
            for error in result.errors:
                self.stderr.write(error)
        if result.errors:
            sys.exit(1)
