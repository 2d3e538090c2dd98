from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser

from zhijian.core.exceptions import ServiceError
from zhijian.org.models import User
from zhijian.supervision.importer import import_matters, supervising_court_for


class Command(BaseCommand):
    help = (
        "上线导入：把本院现有的、尚未办结的督办台账/信访台账（CSV/XLSX）登记为监督事项；"
        "整体导入，任何一行有错误则不写入并列出全部错误（import supervision matters）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV（UTF-8、带 BOM 的 UTF-8 或 GB18030）或 XLSX 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")
        parser.add_argument("--court", help="导入台账的法院（督办法院）的代字；默认为 --user 所在法院")
        parser.add_argument("--user", help="登记人（本院监督员或局长）的用户名；默认为系统")
        parser.add_argument("--sheet", help="XLSX 的工作表名（默认第一个）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            actor = None
            if options["user"]:
                actor = User.objects.filter(username=options["user"], is_active=True).first()
                if actor is None:
                    raise ServiceError(f"未找到用户“{options['user']}”。")
            court = supervising_court_for(actor, options["court"])
            if not path.is_file():
                raise ServiceError(f"文件不存在：{path}")
            result = import_matters(
                path, actor=actor, court=court, dry_run=options["dry_run"], sheet=options["sheet"]
            )
        except (ServiceError, PermissionDenied) as exc:
            reason = exc.message if isinstance(exc, ServiceError) else str(exc)
            if options["json"]:
                error = {"line": 0, "column": "", "value": "", "reason": reason}
                self.stdout.write(
                    json.dumps({"created": 0, "rejected": 0, "errors": [error]}, ensure_ascii=False)
                )
            else:
                self.stderr.write(reason)
            sys.exit(1)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            if result.refused:
                verdict = "未导入（有错误，未写入任何数据）"
            elif result.dry_run:
                verdict = f"仅校验：全部 {result.rows} 行可以导入，未写入"
            else:
                verdict = f"已导入 {result.created} 件监督事项（{court.name}）"
            self.stdout.write(f"{verdict}。数据 {result.rows} 行，有错误 {result.rejected} 行。")
            if result.numbers and not result.dry_run:
                self.stdout.write("登记编号：" + "、".join(result.numbers))
            if result.unknown_columns:
                self.stdout.write(f"未识别的列（已忽略）：{'、'.join(result.unknown_columns)}")
            for e in result.errors:
                self.stderr.write(f"  {e}")
        if result.refused:
            sys.exit(1)
