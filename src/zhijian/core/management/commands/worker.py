from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def uses_database_queue() -> bool:
    """True when background jobs go through django-tasks-db (settings.TASKS), i.e. a worker
    process must run them."""
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


class Command(BaseCommand):
    help = (
        "运行后台任务处理进程：导入网页上传的案件文件、法定节假日或期限规则变更后重新计算期限等；"
        "按 Ctrl+C 时先做完当前任务再退出（run the background-job worker）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="队列为空时每隔几秒查看一次（默认 1）"
        )
        parser.add_argument("--batch", action="store_true", help="处理完队列中现有的任务后退出")
        parser.add_argument("--max-tasks", type=int, default=None, help="处理这么多个任务后退出")

    def handle(self, *args: Any, **options: Any) -> None:
        if not uses_database_queue():
            raise CommandError(
                "后台任务没有使用数据库队列（settings.TASKS），任务在提交时立即执行，无需运行 worker。"
            )
        call_command(
            "db_worker",
            queue_name="*",
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            reload=False,
            verbosity=options["verbosity"],
        )
