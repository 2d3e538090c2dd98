from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from .worker import uses_database_queue

# a worker (or the scheduler) that exits this many times within a minute is not restarted again
WORKER_RESTARTS_PER_MINUTE = 5


class Command(BaseCommand):
    help = (
        "启动网站（gunicorn，静态文件由 whitenoise 提供）、后台任务处理进程和定时任务进程，按 Ctrl+C 一并停止"
        "（serve the site and run the background-job worker and the scheduler beside it）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("ZHIJIAN_HOST", "127.0.0.1"), help="监听地址")
        parser.add_argument("--port", default=os.environ.get("ZHIJIAN_PORT", "8000"), help="监听端口")
        parser.add_argument("--workers", default=os.environ.get("ZHIJIAN_WORKERS", "2"), help="工作进程数")
        parser.add_argument("--no-collectstatic", action="store_true", help="不先收集静态文件")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="不启动后台任务处理进程（生产环境中另行运行 zhijian worker 时使用）",
        )
        # --- scheduler (zhijian.notifications: reminders and the nightly scan) ---
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="不启动定时任务进程（期限提醒、夜间检测扫描；生产环境中另行运行 zhijian scheduler 时使用）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if gunicorn is None:
            raise CommandError("未找到 gunicorn，请先运行 make setup。")
        bind = f"{options['host']}:{options['port']}"
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
        self.stdout.write(f"执监已启动：http://{bind}/ （按 Ctrl+C 停止）")
        run_worker = not options["no_worker"] and uses_database_queue()
        run_scheduler = not options["no_scheduler"]
        if not run_worker and not run_scheduler:
            self.stdout.flush()
            os.execv(gunicorn, argv)
        if run_worker:
            self.stdout.write("后台任务处理进程已启动（导入网页上传的文件、重新计算期限等）。")
        if run_scheduler:
            self.stdout.write(
                "定时任务进程已启动（工作时间内每 10 分钟发送期限提醒，每天 1:00 后运行检测扫描）。"
            )
        self.stdout.flush()
        worker_argv = [sys.executable, "-m", "zhijian.cli", "worker"] if run_worker else None
        scheduler_argv = [sys.executable, "-m", "zhijian.cli", "scheduler"] if run_scheduler else None
        sys.exit(Supervisor(argv, worker_argv, self.stderr, scheduler_argv).run())


class Supervisor:
    """Runs gunicorn, the worker and the scheduler as children, each in its own process group,
    so that Ctrl+C reaches only this process: the first Ctrl+C (or SIGTERM) stops the web server
    and asks the worker and the scheduler to stop after their current job; a second one stops
    them at once (an import being merged is rolled back and recorded as interrupted); a third
    kills them. A worker or scheduler that exits on its own is restarted."""

    def __init__(
        self,
        web_argv: list[str],
        worker_argv: list[str] | None,
        err: Any,
        scheduler_argv: list[str] | None = None,
    ) -> None:
        self.web_argv = web_argv
        self.worker_argv = worker_argv
        self.scheduler_argv = scheduler_argv
        self.err = err
        self.stops = 0
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.scheduler: subprocess.Popen[bytes] | None = None

    def _start(self, argv: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(argv, process_group=0)

    def _signal(self, proc: subprocess.Popen[bytes] | None, signum: int) -> None:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signum)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stops += 1
        if self.stops == 1:
            self._signal(self.web, signum)
            if self.worker is not None and self.worker.poll() is None:
                self.err.write("正在停止……后台任务处理进程会先做完当前任务（再按一次 Ctrl+C 立即停止）。")
        if self.stops >= 3:  # the worker did not stop: the database rolls its transaction back
            self.err.write("已强制结束后台任务处理进程。")
            self._signal(self.worker, signal.SIGKILL)
            self._signal(self.scheduler, signal.SIGKILL)
        else:
            self._signal(self.worker, signal.SIGTERM)
            self._signal(self.scheduler, signal.SIGTERM)

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        self.web = self._start(self.web_argv)
        if self.worker_argv is not None:
            self.worker = self._start(self.worker_argv)
        if self.scheduler_argv is not None:
            self.scheduler = self._start(self.scheduler_argv)
        restarts: list[float] = []
        scheduler_restarts: list[float] = []
        while self.web.poll() is None:
            if self.worker is not None and self.worker.poll() is not None and not self.stops:
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < 60]
                if len(restarts) >= WORKER_RESTARTS_PER_MINUTE or self.worker_argv is None:
                    self.err.write("后台任务处理进程反复退出，不再重新启动；网页上传的文件将不会被导入。")
                    self.worker = None
                else:
                    self.err.write(f"后台任务处理进程已退出（状态 {self.worker.returncode}），正在重新启动。")
                    restarts.append(now)
                    self.worker = self._start(self.worker_argv)
            if self.scheduler is not None and self.scheduler.poll() is not None and not self.stops:
                now = time.monotonic()
                scheduler_restarts = [t for t in scheduler_restarts if now - t < 60]
                if len(scheduler_restarts) >= WORKER_RESTARTS_PER_MINUTE or self.scheduler_argv is None:
                    self.err.write("定时任务进程反复退出，不再重新启动；期限提醒和夜间检测扫描将不会运行。")
                    self.scheduler = None
                else:
                    self.err.write(f"定时任务进程已退出（状态 {self.scheduler.returncode}），正在重新启动。")
                    scheduler_restarts.append(now)
                    self.scheduler = self._start(self.scheduler_argv)
            time.sleep(0.5)
        if not self.stops:  # the web server stopped by itself: stop the worker and scheduler too
            self.stops = 1
            self._signal(self.worker, signal.SIGTERM)
            self._signal(self.scheduler, signal.SIGTERM)
        if self.worker is not None:
            self.worker.wait()
        if self.scheduler is not None:
            self.scheduler.wait()
        return self.web.returncode
