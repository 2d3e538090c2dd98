from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhijian.cases.importer import import_file
from zhijian.cases.services import ImportRefused
from zhijian.core.progress import TerminalProgress


class Command(BaseCommand):
    help = (
        "导入执行案件流程系统导出的案件文件或流程节点文件（CSV/XLSX，按表头自动识别）："
        "默认整体导入，任何一行有错误则不写入并列出全部错误"
        "（import enforcement cases）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV（UTF-8、带 BOM 的 UTF-8 或 GB18030）或 XLSX 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验，报告将新增/更新多少件，不写入")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="跳过有错误的行，写入其余各行（记入审计）"
        )
        parser.add_argument("--force", action="store_true", help="即使库中数据来自更晚的导出，也用本文件覆盖")
        parser.add_argument("--sheet", help="XLSX 的工作表名（默认第一个）")
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        refused = False
        # rows validated, then merged: on a terminal's stderr only, never with --json
        bar = TerminalProgress.for_stream(sys.stderr, enabled=not options["json"])
        try:
            result = import_file(
                path,
                actor=None,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                force=options["force"],
                sheet=options["sheet"],
                progress=bar,
            )
        except ImportRefused as exc:
            result, refused = exc.case_import, True
        finally:
            if bar is not None:
                bar.close()
        summary = {
            "import_id": result.pk,
            "state": result.state,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "skipped_older": result.skipped_older,
            "rejected": result.rejected,
            "kind": result.kind,
            "unknown_columns": result.unknown_columns,
            "unknown_nodes": result.options.get("unknown_nodes", {}),
            "errors": result.errors,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            verdict = (
                "未导入（有错误，未写入任何数据）"
                if refused
                else ("仅校验" if options["dry_run"] else "已导入")
            )
            self.stdout.write(
                f"{verdict}：数据 {result.rows} 行，新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，"
                f"旧数据未覆盖 {result.skipped_older}，有错误 {result.rejected} 行。"
            )
            if result.unknown_columns:
                self.stdout.write(f"未识别的列（已忽略）：{'、'.join(result.unknown_columns)}")
            unknown_nodes = result.options.get("unknown_nodes") or {}
            if unknown_nodes:
                listed = "、".join(f"{name}（{count} 行）" for name, count in unknown_nodes.items())
                self.stdout.write(f"未识别的节点名称（这些行已跳过，可在“导入别名”中添加）：{listed}")
            for e in result.errors[:200]:
                where = f"第 {e['line']} 行" + (f"“{e['column']}”列" if e["column"] else "")
                value = f"（值：{e['value']}）" if e["value"] else ""
                (self.stderr if refused else self.stdout).write(f"  {where}：{e['reason']}{value}")
            if len(result.errors) > 200:
                self.stdout.write(f"  ……另有 {len(result.errors) - 200} 处错误，详见导入记录 #{result.pk}")
        if refused:
            sys.exit(1)
