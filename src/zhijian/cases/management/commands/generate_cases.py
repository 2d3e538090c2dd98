from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from zhijian.cases.generate import write_export
from zhijian.cases.importer import import_file
from zhijian.cases.services import ImportRefused


class Command(BaseCommand):
    help = "生成确定性的模拟执行案件导出文件（用于演示和基准测试），可直接导入（generate synthetic cases）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="案件数")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子：同样的数目和种子生成同样的文件")
        parser.add_argument("--output", help="输出的 CSV 文件（默认在数据目录下）")
        parser.add_argument(
            "--events",
            nargs="?",
            const="",
            default=None,
            help="同时生成流程节点文件（可指定文件名，默认与案件文件同目录）",
        )
        parser.add_argument("--encoding", default="gb18030", choices=["gb18030", "utf-8", "utf-8-sig"])
        parser.add_argument("--import", dest="do_import", action="store_true", help="生成后立即导入")
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if count <= 0:
            self.stderr.write("案件数必须为正整数。")
            raise SystemExit(2)
        output = Path(
            options["output"] or Path(settings.DATA_DIR) / f"generated-cases-{count}-{options['seed']}.csv"
        )
        events = None
        if options["events"] is not None:
            events = Path(options["events"] or output.with_name(output.stem + "-events.csv"))
        write_export(output, count, options["seed"], encoding=options["encoding"], events_path=events)
        result: dict[str, Any] = {"file": str(output), "count": count, "seed": options["seed"]}
        if events:
            result["events_file"] = str(events)
        if options["do_import"]:
            for key, path in (("import", output), ("import_events", events)):
                if path is None:
                    continue
                try:
                    record = import_file(path, actor=None)
                except ImportRefused as exc:
                    record = exc.case_import
                result[key] = {
                    "state": record.state,
                    "created": record.created,
                    "updated": record.updated,
                    "rejected": record.rejected,
                }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(f"已生成 {count} 件：{output}")
            if events:
                self.stdout.write(f"流程节点：{events}")
            for key, label in (("import", "导入案件"), ("import_events", "导入流程节点")):
                if key in result:
                    i = result[key]
                    self.stdout.write(
                        f"{label}：新增 {i['created']}，更新 {i['updated']}，有错误 {i['rejected']} 行（{i['state']}）"
                    )
