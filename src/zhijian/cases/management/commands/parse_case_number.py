from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from zhijian.cases.numbers import CaseNumber, CaseNumberError, parse
from zhijian.org.models import Court


class Command(BaseCommand):
    help = "解析并校验执行案件案号，如 zhijian parse-case-number '（2016）吉0602执123号' [--json]（parse a case number）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help="案号")
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        courts = dict(Court.objects.values_list("code", "name"))
        try:
            number = parse(options["text"], known_courts=courts, current_year=timezone.localdate().year)
        except CaseNumberError as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"error": exc.reason, "legacy": exc.legacy}, ensure_ascii=False))
            else:
                self.stderr.write(exc.reason)
            sys.exit(2)
        assert isinstance(number, CaseNumber)
        data = {
            "year": number.year,
            "court_code": number.court_code,
            "court": courts[number.court_code],
            "type_code": number.type_code,
            "type": number.type_name,
            "seq": number.seq,
            "normalized": number.normalized,
        }
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            labels = {
                "year": "年度",
                "court_code": "法院代字",
                "court": "法院",
                "type_code": "类型代字",
                "type": "类型",
                "seq": "编号",
                "normalized": "规范案号",
            }
            for key, label in labels.items():
                self.stdout.write(f"{label}：{data[key]}")
