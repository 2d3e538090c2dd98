"""The scheduler: its decision function, once-a-day scans that survive restarts, and ``serve``
supervising it beside the web server."""

from __future__ import annotations

import datetime as dt
import io
import signal
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhijian.legaltime.models import Deadline
from zhijian.notifications import scheduler
from zhijian.notifications.models import JobMark, Notification
from zhijian.notifications.scheduler import REMINDERS, SCAN, jobs_due

D = dt.date.fromisoformat


def at(moment: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(moment))


def test_reminders_every_ten_minutes() -> None:
    now = at("2026-05-06T09:00")
    assert REMINDERS in jobs_due(now, reminders_last_at=None, scan_last_on=D("2026-05-06"))
    assert REMINDERS not in jobs_due(
        now, reminders_last_at=at("2026-05-06T08:51"), scan_last_on=D("2026-05-06")
    )
    assert REMINDERS in jobs_due(now, reminders_last_at=at("2026-05-06T08:50"), scan_last_on=D("2026-05-06"))
    # a clock set back must not stop the reminders
    assert REMINDERS in jobs_due(now, reminders_last_at=at("2026-05-06T11:00"), scan_last_on=D("2026-05-06"))


def test_scan_once_a_day_after_one_oclock() -> None:
    last = at("2026-05-06T09:00")
    assert SCAN not in jobs_due(at("2026-05-07T00:59"), reminders_last_at=last, scan_last_on=D("2026-05-06"))
    assert SCAN in jobs_due(at("2026-05-07T01:00"), reminders_last_at=last, scan_last_on=D("2026-05-06"))
    assert SCAN not in jobs_due(at("2026-05-07T01:10"), reminders_last_at=last, scan_last_on=D("2026-05-07"))
    assert SCAN in jobs_due(at("2026-05-07T14:00"), reminders_last_at=last, scan_last_on=None)  # never ran
    assert SCAN in jobs_due(at("2026-05-07T14:00"), reminders_last_at=last, scan_last_on=D("2026-05-01"))
    # local time: 17:30 UTC is 01:30 the next day in Shanghai
    utc = dt.datetime(2026, 5, 6, 17, 30, tzinfo=dt.UTC)
    assert SCAN in jobs_due(utc, reminders_last_at=last, scan_last_on=D("2026-05-06"))
    assert SCAN not in jobs_due(utc, reminders_last_at=last, scan_last_on=D("2026-05-07"))


@pytest.mark.django_db
def test_tick_runs_reminders_and_the_daily_scan_once(world: Any, monkeypatch: Any) -> None:
    scans: list[int] = []

    def fake_scan() -> dict[str, Any]:
        scans.append(1)
        return {"art7_overdue": {"new": 2, "seen": 0, "resolved": 0}}

    monkeypatch.setattr(scheduler, "_call_scan", fake_scan)
    Deadline.objects.create(
        title="报送材料",
        court=world.courts["a"],
        owner=world.user("a.handler"),
        length=5,
        unit="days",
        start_date=D("2026-04-01"),
        due_date=D("2026-05-06"),
    )
    night = scheduler.tick(at("2026-05-06T01:05"))
    assert night == ["非工作时间，未发送提醒", "检测扫描完成：新线索 2 条"]
    assert scans == [1]
    assert scheduler.tick(at("2026-05-06T01:10")) == []  # five minutes later: nothing due
    morning = scheduler.tick(at("2026-05-06T09:00"))
    assert len(morning) == 1 and "今日届满 1 条" in morning[0]
    assert Notification.objects.count() == 1
    # a restart (fresh process state) does not repeat the day's scan
    assert scheduler.tick(at("2026-05-06T09:20")) == [
        "已发送期限提醒：即将到期 0 条，今日届满 0 条，已超期 0 条；每日汇总 0 条。"
    ]
    assert scans == [1]
    scheduler.tick(at("2026-05-07T01:00"))
    assert scans == [1, 1]
    mark = JobMark.objects.get(name=SCAN)
    assert mark.last_on == D("2026-05-07") and mark.outcome == "检测扫描完成：新线索 2 条"


@pytest.mark.django_db
def test_a_claimed_or_failed_scan_is_not_repeated_the_same_day(world: Any) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("disk full")

    now = at("2026-05-06T02:00")
    assert scheduler.run_scan(now, broken) == "检测扫描失败：disk full"
    assert scheduler.run_scan(now, broken) is None  # claimed: another scheduler, or a restart
    assert JobMark.objects.get(name=SCAN).outcome == "检测扫描失败：disk full"
    assert scheduler.run_scan(at("2026-05-07T02:00"), lambda: {}) == "检测扫描完成：新线索 0 条"


@pytest.mark.django_db
def test_the_real_scan_command_runs(world: Any) -> None:
    assert scheduler.run_scan(at("2026-05-06T02:00")).startswith("检测扫描完成")  # type: ignore[union-attr]


@pytest.mark.django_db
def test_scheduler_once(world: Any) -> None:
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert JobMark.objects.filter(name=REMINDERS).exists()


def test_serve_supervises_the_scheduler_beside_the_web_server() -> None:
    from zhijian.core.management.commands.serve import Supervisor

    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    web = [sys.executable, "-c", "import time; time.sleep(1.5)"]
    err = io.StringIO()
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    supervisor = Supervisor(web, None, err, sleeper)
    try:
        assert supervisor.run() == 0
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    assert supervisor.worker is None
    assert supervisor.scheduler is not None
    assert supervisor.scheduler.returncode == -signal.SIGTERM  # stopped with the web server


def test_serve_has_a_no_scheduler_option() -> None:
    from zhijian.core.management.commands.serve import Command

    parser = Command().create_parser("zhijian", "serve")
    assert parser.parse_args(["--no-scheduler"]).no_scheduler is True
    assert parser.parse_args([]).no_scheduler is False
