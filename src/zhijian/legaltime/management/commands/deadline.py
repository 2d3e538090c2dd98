from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhijian.core.exceptions import ServiceError
from zhijian.legaltime import services
from zhijian.legaltime.calendar import CalendarUnknown
from zhijian.legaltime.models import TimeLimitRule


class Command(BaseCommand):
    help = "计算期限届满日并说明理由：zhijian deadline 起算日 (--days N | --workdays N | --months N | --rule 代码) [--json]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("start", help="起算日（起算事件发生之日），如 2026-09-28")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--days", type=int, help="N 日（自然日）")
        group.add_argument("--workdays", type=int, help="N 个工作日")
        group.add_argument("--months", type=int, help="N 个月")
        group.add_argument("--years", type=int, help="N 年")
        group.add_argument("--rule", help="期限规则代码，如 SUP_LETTER、CASE_LIMIT")
        parser.add_argument(
            "--expedited", action="store_true", help="特事特办 / 情况紧急（规则配置了缩短期限时适用）"
        )
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def fail(self, message: str, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"error": message}, ensure_ascii=False))
        else:
            self.stderr.write(message)
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        try:
            start = dt.date.fromisoformat(options["start"])
        except ValueError:
            self.fail(f"起算日“{options['start']}”不是有效日期，请写成 2026-09-28 的形式。", as_json)
            return
        rule = None
        length, unit = None, None
        if options["rule"]:
            try:
                rule = services.rule_in_force(options["rule"], start)
            except ServiceError as exc:
                codes = "、".join(
                    TimeLimitRule.objects.values_list("code", flat=True).distinct().order_by("code")
                )
                self.fail(
                    f"{exc.message} 可用的规则代码：{codes or '（尚未载入，请运行 zhijian init-rules）'}",
                    as_json,
                )
                return
        else:
            for name in ("days", "workdays", "months", "years"):
                if options[name] is not None:
                    length, unit = options[name], name
            if length is None or length <= 0:
                self.fail("期限长度必须是正整数。", as_json)
                return
        try:
            result = services.calculate(
                start, rule=rule, length=length, unit=unit, expedited=options["expedited"]
            )
        except CalendarUnknown as exc:
            self.fail(str(exc), as_json)
            return
        if as_json:
            data = result.as_dict()
            if rule is not None:
                data["rule"] = {"code": rule.code, "version": rule.version, "name": rule.name}
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        assert result.due is not None
        self.stdout.write(f"届满日：{result.due.isoformat()}")
        for step in result.steps:
            self.stdout.write(f"  - {step}")
