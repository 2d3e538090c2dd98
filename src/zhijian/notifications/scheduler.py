"""The scheduler (``zhijian scheduler``, started by ``zhijian serve``): there is no cron.

Every ``REMINDER_INTERVAL_SECONDS`` (10 minutes) it runs ``send_reminders`` (which itself sends
nothing outside working hours), and once a day, from ``SCAN_AFTER`` (01:00 local time), the case
detection scans (``zhijian scan``). When each job last ran is kept in ``JobMark`` rows, so a
restart does not repeat the day's scan; the daily run is claimed (compare-and-swap on the date)
*before* it starts, so two schedulers never both run it and a scan that crashes the process is
not retried in a loop — it runs again the next day (or by hand: ``zhijian scan``).

``jobs_due`` is the decision, a pure function; ``tick`` runs what is due once; ``Scheduler``
loops, checking every ``TICK_SECONDS`` and stopping between jobs on SIGTERM/SIGINT.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.utils import timezone

from .models import JobMark
from .reminders import claim_daily, send_reminders

logger = logging.getLogger(__name__)

REMINDERS = "reminders"
SCAN = "scan"
REMINDER_INTERVAL_SECONDS = 600
SCAN_AFTER = dt.time(1, 0)
TICK_SECONDS = 30


def jobs_due(
    now: dt.datetime,
    *,
    reminders_last_at: dt.datetime | None,
    scan_last_on: dt.date | None,
    interval: float = REMINDER_INTERVAL_SECONDS,
    scan_after: dt.time = SCAN_AFTER,
) -> list[str]:
    """Which jobs to run at ``now``: the reminders when ``interval`` seconds have passed since
    the last run (or it never ran, or the clock went back); the scan when it is past
    ``scan_after`` local time and it has not run on this local date."""
    due: list[str] = []
    if reminders_last_at is None:
        due.append(REMINDERS)
    else:
        elapsed = (now - reminders_last_at).total_seconds()
        if elapsed >= interval or elapsed < 0:
            due.append(REMINDERS)
    local = timezone.localtime(now)
    if local.time() >= scan_after and (scan_last_on is None or scan_last_on < local.date()):
        due.append(SCAN)
    return due


def last_runs() -> tuple[dt.datetime | None, dt.date | None]:
    marks = {m.name: m for m in JobMark.objects.filter(name__in=[REMINDERS, SCAN])}
    reminders = marks.get(REMINDERS)
    scan = marks.get(SCAN)
    return (reminders.last_at if reminders else None, scan.last_on if scan else None)


def _mark(name: str, now: dt.datetime, outcome: str) -> None:
    JobMark.objects.update_or_create(
        name=name,
        defaults={"last_at": now, "last_on": timezone.localtime(now).date(), "outcome": outcome[:300]},
    )


def run_reminders(now: dt.datetime) -> str:
    try:
        result = send_reminders(now)
        outcome = result.message + (f"（{len(result.errors)} 项出错）" if result.errors else "")
    except Exception as exc:  # the loop goes on; the next run tries again
        logger.exception("send_reminders failed")
        outcome = f"发送提醒失败：{exc}"
    _mark(REMINDERS, now, outcome)
    return outcome


def run_scan(now: dt.datetime, scan: Callable[[], dict[str, Any]] | None = None) -> str | None:
    """Today's case scan, if this process wins the claim; the outcome, or None when another
    process (or an earlier run today) has it."""
    with transaction.atomic():
        if not claim_daily(SCAN, timezone.localtime(now).date(), now):
            return None
    try:
        counts = scan() if scan is not None else _call_scan()
        new = sum(int(c.get("new", 0)) for c in counts.values())
        outcome = f"检测扫描完成：新线索 {new} 条"
    except Exception as exc:
        logger.exception("scan failed")
        outcome = f"检测扫描失败：{exc}"
    JobMark.objects.filter(name=SCAN).update(outcome=outcome[:300])
    return outcome


def _call_scan() -> dict[str, Any]:
    out = io.StringIO()
    call_command("scan", "--json", stdout=out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def tick(now: dt.datetime | None = None) -> list[str]:
    """Run the jobs due now; their outcomes."""
    now = now or timezone.now()
    reminders_last_at, scan_last_on = last_runs()
    outcomes: list[str] = []
    for job in jobs_due(now, reminders_last_at=reminders_last_at, scan_last_on=scan_last_on):
        if job == REMINDERS:
            outcomes.append(run_reminders(now))
        elif job == SCAN:
            outcome = run_scan(now)
            if outcome is not None:
                outcomes.append(outcome)
    return outcomes


class Scheduler:
    """The loop. The first SIGTERM/SIGINT stops it after the job in progress; a second one
    interrupts that job (its transaction is rolled back)."""

    def __init__(self, out: Any, *, tick_seconds: float = TICK_SECONDS) -> None:
        self.out = out
        self.tick_seconds = tick_seconds
        self.stopping = False

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            raise KeyboardInterrupt
        self.stopping = True

    def _write(self, text: str) -> None:
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
        self.out.write(f"[{stamp}] {text}\n")
        self.out.flush()

    def run(self) -> None:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        self._write(
            "定时任务进程已启动：每 10 分钟发送期限提醒（仅工作时间），每天 1:00 后运行一次检测扫描。"
        )
        while not self.stopping:
            close_old_connections()  # a long-lived process: reconnect after a database restart
            try:
                for outcome in tick():
                    self._write(outcome)
            except Exception as exc:  # e.g. the database is unreachable: try again later
                logger.exception("scheduler tick failed")
                self._write(f"定时任务出错：{exc}")
            finally:
                close_old_connections()
            waited = 0.0
            while waited < self.tick_seconds and not self.stopping:
                time.sleep(min(1.0, self.tick_seconds - waited))
                waited += 1.0
        self._write("定时任务进程已停止。")
