"""The ``zhijian`` command line: every Django management command, plus hyphenated names for the
project's own commands (``zhijian verify-audit`` runs ``verify_audit``)."""

from __future__ import annotations

import os
import sys

OVERVIEW = """执监 —— 执行监督与质效管理系统 命令行

用法：zhijian <命令> [参数]      每个命令都支持 --help

本系统命令：
  demo                 建库并载入演示数据（可重复执行），打印演示账号后退出
  serve                启动网站（默认 http://127.0.0.1:8000）及后台任务处理进程
  worker               只运行后台任务处理进程（生产环境中作为单独的服务运行）
  import-cases         导入执行案件流程系统导出的案件文件或流程节点文件（在终端上显示进度）
  import-matters       导入现有督办台账、信访台账（上线时使用，整表校验，全部通过才写入）
  init-courts          载入默认法院（吉林高院、白山中院及六个基层法院）
  verify-audit         校验审计日志哈希链，发现篡改时以非零状态退出

常用 Django 命令：migrate、createsuperuser、check --deploy、collectstatic、shell
带 --json 的命令只在标准输出打印一个 JSON 对象。
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.settings")
    if len(argv) < 2 or argv[1] in {"-h", "--help", "help"} and len(argv) == 2:
        sys.stdout.write(OVERVIEW)
        return
    if not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
