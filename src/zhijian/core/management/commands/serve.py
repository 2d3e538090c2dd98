from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "启动网站（gunicorn，静态文件由 whitenoise 提供）（serve the site）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("ZHIJIAN_HOST", "127.0.0.1"), help="监听地址")
        parser.add_argument("--port", default=os.environ.get("ZHIJIAN_PORT", "8000"), help="监听端口")
        parser.add_argument("--workers", default=os.environ.get("ZHIJIAN_WORKERS", "2"), help="工作进程数")
        parser.add_argument("--no-collectstatic", action="store_true", help="不先收集静态文件")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if gunicorn is None:
            raise CommandError("未找到 gunicorn，请先运行 make setup。")
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"执监已启动：http://{bind}/ （按 Ctrl+C 停止）")
        self.stdout.flush()
        argv = [
            gunicorn,
            "zhijian.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--no-control-socket",
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
        os.execv(gunicorn, argv)
