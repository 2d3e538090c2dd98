"""Deadline reminders and daily digests: stages by the legal calendar (across the 2026 Labour
Day holiday), idempotent runs, a moved due date, working hours, recipients, the command."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhijian.audit.models import AuditEvent
from zhijian.legaltime.models import Deadline
from zhijian.legaltime.services import get_calendar
from zhijian.notifications import reminders
from zhijian.notifications.models import Notification
from zhijian.notifications.reminders import send_reminders, stage_of

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat

# 2026: 5月1日(Fri)–5日(Tue) 劳动节放假, 5月9日(Sat) 调休上班. 5月6日 (Wed) is the first working
# day after the holiday; two working days before it are 4月30日 (Thu) and 5月6日 itself.
DUE = "2026-05-06"


def at(moment: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(moment))


def deadline(
    world: Any, due: str = DUE, *, owner: str = "a.handler", kind: str = "manual", **kw: Any
) -> Deadline:
    return Deadline.objects.create(
        kind=kind,
        title=kw.pop("title", f"报送材料 {due}"),
        court=world.courts[kw.pop("court", "a")],
        owner=world.user(owner) if owner else None,
        length=5,
        unit="days",
        start_date=D("2026-04-01"),
        due_date=D(due),
        **kw,
    )


@pytest.fixture(autouse=True)
def clean_registries(monkeypatch: Any) -> None:
    monkeypatch.setattr(reminders, "_recipient_resolvers", {})
    monkeypatch.setattr(reminders, "_digests", {})


def stages(world: Any, d: Deadline) -> list[str]:
    return sorted(
        Notification.objects.filter(key__startswith=f"deadline:{d.pk}:").values_list("kind", flat=True)
    )


def test_stage_is_counted_in_working_days_of_the_legal_calendar(world: Any) -> None:
    d = deadline(world)
    cal = get_calendar(d.court_id)
    assert stage_of(d, D("2026-04-28"), cal) is None  # 4/29, 4/30, 5/6: three working days
    assert stage_of(d, D("2026-04-29"), cal) == "before"  # seven calendar days, two working days
    assert stage_of(d, D("2026-04-30"), cal) == "before"
    assert stage_of(d, D("2026-05-06"), cal) == "due"
    assert stage_of(d, D("2026-05-07"), cal) == "overdue"
    assert stage_of(d, D("2026-06-30"), cal) == "overdue"
    assert stage_of(d, D("2026-04-29"), cal, n=1) is None
    assert stage_of(d, D("2026-04-30"), cal, n=1) == "before"
    # a weekend: due Monday 2026-03-09, two working days before is Thursday 2026-03-05
    monday = deadline(world, "2026-03-09")
    assert stage_of(monday, D("2026-03-04"), cal) is None
    assert stage_of(monday, D("2026-03-05"), cal) == "before"
    # a 调休 Saturday counts: due Monday 2026-03-02, Saturday 2026-02-28 is a working day
    after_makeup = deadline(world, "2026-03-02")
    assert stage_of(after_makeup, D("2026-02-26"), cal) is None
    assert stage_of(after_makeup, D("2026-02-27"), cal) == "before"
    d.completed_on = D("2026-05-06")
    assert stage_of(d, D("2026-05-07"), cal) is None


def test_the_setting_changes_the_window(world: Any, settings: Any) -> None:
    settings.ZHIJIAN_REMINDER_WORKDAYS_BEFORE = 3
    d = deadline(world)
    assert stage_of(d, D("2026-04-28"), get_calendar()) == "before"
    send_reminders(at("2026-04-28T09:00"))
    assert stages(world, d) == ["deadline.before"]


def test_a_run_sends_each_stage_once(world: Any) -> None:
    d = deadline(world)
    handler = world.user("a.handler")
    assert send_reminders(at("2026-04-28T09:00")).total == 0
    first = send_reminders(at("2026-04-29T09:00"))
    assert first.stages == {"before": 1, "due": 0, "overdue": 0}
    assert send_reminders(at("2026-04-29T15:00")).total == 0  # ten minutes later, and later
    assert send_reminders(at("2026-04-30T09:00")).total == 0  # still "before": already reminded
    assert send_reminders(at("2026-05-06T09:00")).stages["due"] == 1
    assert send_reminders(at("2026-05-07T09:00")).stages["overdue"] == 1
    assert send_reminders(at("2026-05-08T09:00")).total == 0  # one overdue notice, not daily
    assert stages(world, d) == ["deadline.before", "deadline.due", "deadline.overdue"]
    notes = Notification.objects.filter(recipient=handler)
    assert set(notes.values_list("url", flat=True)) == {d.get_absolute_url()}
    overdue = notes.get(kind="deadline.overdue")
    assert overdue.title == f"期限已超期：{d.title}"
    assert "2026年5月6日" in overdue.body
    assert overdue.key == f"deadline:{d.pk}:overdue:2026-05-06"
    assert overdue.court_id == d.court_id
    assert AuditEvent.objects.filter(action="notifications.reminders.send").count() == 3


def test_a_moved_due_date_reminds_again(world: Any) -> None:
    d = deadline(world)
    send_reminders(at("2026-05-06T09:00"))
    assert stages(world, d) == ["deadline.due"]
    d.due_date = D("2026-05-08")  # extended by two days
    d.save(update_fields=["due_date"])
    result = send_reminders(at("2026-05-07T09:00"))
    assert result.stages == {"before": 1, "due": 0, "overdue": 0}
    assert send_reminders(at("2026-05-08T09:00")).stages["due"] == 1
    assert stages(world, d) == ["deadline.before", "deadline.due", "deadline.due"]


def test_nothing_is_sent_outside_working_hours(world: Any) -> None:
    deadline(world)
    for moment in (
        "2026-05-06T08:29",  # before 08:30
        "2026-05-06T17:30",  # from 17:30
        "2026-05-06T23:00",
        "2026-05-04T10:00",  # Monday of the Labour Day holiday
        "2026-05-10T10:00",  # Sunday
    ):
        result = send_reminders(at(moment))
        assert not result.sent and result.message == "非工作时间，未发送提醒", moment
    assert not Notification.objects.exists()
    # the 调休 Saturday is a working day
    assert send_reminders(at("2026-05-09T10:00")).stages["overdue"] == 1


def test_working_hours_are_local_time_and_configurable(world: Any, settings: Any) -> None:
    deadline(world)
    utc = dt.datetime(2026, 5, 6, 0, 45, tzinfo=dt.UTC)  # 08:45 in Shanghai
    assert send_reminders(utc).sent
    settings.ZHIJIAN_WORKING_HOURS = "09:00-17:00"
    assert not send_reminders(at("2026-05-07T08:45")).sent
    assert send_reminders(at("2026-05-07T09:00")).sent


def test_skipped_deadlines_and_recipients(world: Any) -> None:
    inactive = world.user("a.handler")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    deadline(world, title="停用人员的期限")
    deadline(world, owner="", title="无责任人的期限")
    deadline(world, owner="a.contact", title="已完成", completed_on=D("2026-05-05"))
    deadline(world, owner="a.contact", title="中止中", suspended_since=D("2026-04-20"))
    result = send_reminders(at("2026-05-07T09:00"))
    assert result.total == 0
    assert not Notification.objects.exists()


def test_registered_recipients_for_a_kind(world: Any) -> None:
    calls: list[str] = []

    def letter_recipients(d: Deadline, stage: str) -> list[Any]:
        calls.append(stage)
        return [world.user("a.contact"), world.user("a.director")]

    reminders.register_deadline_recipients("letter", letter_recipients)
    letter = deadline(world, kind="letter", title="督办函回复")
    manual = deadline(world, title="自定")
    result = send_reminders(at("2026-05-06T09:00"))
    assert result.stages["due"] == 3
    assert calls == ["due"]
    assert set(
        Notification.objects.filter(key__contains=f":{letter.pk}:").values_list(
            "recipient__username", flat=True
        )
    ) == {
        "a.contact",
        "a.director",
    }
    assert Notification.objects.get(key__contains=f":{manual.pk}:").recipient.username == "a.handler"


def test_a_failing_resolver_does_not_stop_the_others(world: Any) -> None:
    def broken(d: Deadline, stage: str) -> list[Any]:
        raise RuntimeError("resolver bug")

    reminders.register_deadline_recipients("letter", broken)
    deadline(world, kind="letter")
    deadline(world, title="自定")
    result = send_reminders(at("2026-05-06T09:00"))
    assert result.stages["due"] == 1
    assert len(result.errors) == 1 and "resolver bug" in result.errors[0]


def test_daily_digest_once_per_user_per_day(world: Any) -> None:
    director = world.user("city.director")
    days: list[dt.date] = []

    @reminders.register_digest
    def overdue_digest(today: dt.date) -> list[tuple[Any, str, str, str]]:
        days.append(today)
        return [
            (director, f"{today} 超期事项汇总", "辖区内超期 2 项", "/deadlines/?status=overdue"),
            (director, "重复的一条", "", ""),  # same user, same digest, same day: ignored
        ]

    assert send_reminders(at("2026-05-06T09:00")).digest == 1
    assert send_reminders(at("2026-05-06T09:10")).digest == 0
    assert days == [D("2026-05-06")]  # the provider runs once a day
    assert send_reminders(at("2026-05-07T09:00")).digest == 1
    note = Notification.objects.filter(recipient=director).order_by("created_at").first()
    assert note is not None and note.key == "digest:2026-05-06:overdue_digest" and note.kind == "digest"
    assert note.url == "/deadlines/?status=overdue"


def test_a_failing_digest_is_retried(world: Any) -> None:
    fail = [True]

    def flaky(today: dt.date) -> list[tuple[Any, str, str, str]]:
        if fail[0]:
            raise RuntimeError("not yet")
        return [(world.user("city.director"), "汇总", "", "")]

    reminders.register_digest(flaky, name="flaky")
    assert send_reminders(at("2026-05-06T09:00")).errors
    fail[0] = False
    assert send_reminders(at("2026-05-06T09:10")).digest == 1


def test_the_command(world: Any) -> None:
    deadline(world)
    out = io.StringIO()
    call_command("send_reminders", "--now", "2026-05-06T07:00", stdout=out)
    assert out.getvalue().strip() == "非工作时间，未发送提醒"
    out = io.StringIO()
    call_command("send_reminders", "--json", "--now", "2026-05-06T07:00", stdout=out)
    assert json.loads(out.getvalue())["sent"] is False
    out = io.StringIO()
    call_command("send_reminders", "--json", "--now", "2026-05-06T09:00", stdout=out)
    data = json.loads(out.getvalue())  # exactly one object
    assert data["sent"] is True
    assert data["stages"] == {"before": 0, "due": 1, "overdue": 0}
    assert data["digest"] == 0
    out = io.StringIO()
    call_command("send_reminders", "--now", "2026-05-06T09:05", stdout=out)
    assert "今日届满 0 条" in out.getvalue()
