"""Deadline reminders and daily digests (``zhijian send-reminders``, run by the scheduler).

For every running legal-time ``Deadline`` (not completed, not suspended, with a due date) the
reminder stage of today is:

* ``before`` — the due date is within ``ZHIJIAN_REMINDER_WORKDAYS_BEFORE`` working days
  (default 2), counted by the legal clock's calendar of the deadline's court;
* ``due`` — today is the due date;
* ``overdue`` — the due date has passed (one notice per due date, not one a day).

The notification key is ``deadline:{id}:{stage}:{due_date}``: a second run sends nothing twice,
and a moved due date (extension, suspension, a new holiday) reminds again. Recipients come from
the resolver registered for the deadline's kind (``register_deadline_recipients``); the default
is the deadline's owner. Digests (``register_digest``) are sent once a day per user.

Nothing is sent outside working hours: a working day of the national legal calendar, between
``ZHIJIAN_WORKING_HOURS`` (default 08:30–17:30, local time).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhijian.legaltime.calendar import BusinessCalendar, CalendarUnknown

from .models import JobMark, Notification
from .services import notify

if TYPE_CHECKING:
    from zhijian.legaltime.models import Deadline
    from zhijian.org.models import User

logger = logging.getLogger(__name__)

BEFORE, DUE, OVERDUE = "before", "due", "overdue"
STAGES = (BEFORE, DUE, OVERDUE)
STAGE_LABELS = {BEFORE: "即将到期", DUE: "今日届满", OVERDUE: "已超期"}
DIGEST_KIND = "digest"
OUTSIDE_HOURS = "非工作时间，未发送提醒"
DEFAULT_WORKING_HOURS = ("08:30", "17:30")

RecipientResolver = Callable[["Deadline", str], Iterable["User"]]
DigestItem = tuple["User", str, str, str]  # (user, title, body, url)
DigestProvider = Callable[[dt.date], Iterable[DigestItem]]

_recipient_resolvers: dict[str, RecipientResolver] = {}
_digests: dict[str, DigestProvider] = {}


# --- registries -----------------------------------------------------------------------------------


def register_deadline_recipients(kind: str, fn: RecipientResolver) -> RecipientResolver:
    """Who is reminded of deadlines of ``kind`` (a ``DeadlineKind`` value, e.g. ``letter``):
    ``fn(deadline, stage)`` returns the users (inactive ones are skipped). Replaces an earlier
    registration for the same kind. Without one, the deadline's owner is reminded."""
    _recipient_resolvers[kind] = fn
    return fn


def register_digest(fn: DigestProvider, *, name: str | None = None) -> DigestProvider:
    """A daily digest: ``fn(today)`` returns ``(user, title, body, url)`` items; each user gets
    at most one item of this digest a day (key ``digest:{date}:{name}``). ``name`` defaults to
    the function's name and must be unique; usable as a decorator."""
    _digests[name or fn.__name__] = fn
    return fn


def default_recipients(deadline: Deadline, stage: str) -> list[User]:
    return [deadline.owner] if deadline.owner is not None else []


def recipients_for(deadline: Deadline, stage: str) -> list[User]:
    resolver = _recipient_resolvers.get(deadline.kind, default_recipients)
    return [u for u in resolver(deadline, stage) if u is not None]


# --- settings and time ------------------------------------------------------------------------------


def workdays_before() -> int:
    return max(0, int(getattr(settings, "ZHIJIAN_REMINDER_WORKDAYS_BEFORE", 2)))


def _clock(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value).strip())


def working_hours() -> tuple[dt.time, dt.time]:
    """``ZHIJIAN_WORKING_HOURS``: a pair ("08:30", "17:30") or a string "08:30-17:30"."""
    value = getattr(settings, "ZHIJIAN_WORKING_HOURS", DEFAULT_WORKING_HOURS)
    if isinstance(value, str):
        value = value.replace("–", "-").split("-")
    start, end = (_clock(v) for v in value)
    return start, end


def _working_day(calendar: BusinessCalendar, day: dt.date) -> bool:
    try:
        return calendar.is_working_day(day)
    except CalendarUnknown:  # a year not entered yet: weekends only, as for 暂定 due dates
        return calendar.provisional().is_working_day(day)


def is_working_time(now: dt.datetime) -> bool:
    """A working day of the national legal calendar, within the working hours (local time)."""
    from zhijian.legaltime.services import get_calendar

    local = timezone.localtime(now)
    start, end = working_hours()
    if not (start <= local.time() < end):
        return False
    return _working_day(get_calendar(), local.date())


def _working_days_between(calendar: BusinessCalendar, start: dt.date, end: dt.date) -> int:
    try:
        return calendar.working_days_between(start, end)
    except CalendarUnknown:
        return calendar.provisional().working_days_between(start, end)


def _reminder_limit(calendar: BusinessCalendar, today: dt.date, n: int) -> dt.date:
    """The last due date that gets a ``before`` reminder today."""
    if n <= 0:
        return today
    try:
        return calendar.add_working_days(today, n)
    except CalendarUnknown:
        return calendar.provisional().add_working_days(today, n)


def stage_of(
    deadline: Deadline, today: dt.date, calendar: BusinessCalendar, n: int | None = None
) -> str | None:
    """The reminder stage of a running deadline today, or None (not yet)."""
    due = deadline.due_date
    if due is None or deadline.completed_on is not None or deadline.suspended_since is not None:
        return None
    if due < today:
        return OVERDUE
    if due == today:
        return DUE
    n = workdays_before() if n is None else n
    if n > 0 and _working_days_between(calendar, today, due) <= n:
        return BEFORE
    return None


def reminder_key(deadline: Deadline, stage: str) -> str:
    assert deadline.due_date is not None
    return f"deadline:{deadline.pk}:{stage}:{deadline.due_date.isoformat()}"


def _date_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def reminder_text(
    deadline: Deadline, stage: str, calendar: BusinessCalendar, today: dt.date
) -> tuple[str, str]:
    assert deadline.due_date is not None
    due = _date_label(deadline.due_date)
    where = f"{deadline.court.short_name or deadline.court.name}：" if deadline.court_id else ""
    kind = deadline.get_kind_display()
    if stage == BEFORE:
        left = _working_days_between(calendar, today, deadline.due_date)
        return (
            f"期限即将到期：{deadline.title}",
            f"{where}{kind}“{deadline.title}”将于{due}届满（还有{left}个工作日），请及时办理。",
        )
    if stage == DUE:
        return (
            f"期限今日届满：{deadline.title}",
            f"{where}{kind}“{deadline.title}”今日（{due}）届满，请按时办结并在系统中登记完成。",
        )
    return (
        f"期限已超期：{deadline.title}",
        f"{where}{kind}“{deadline.title}”已于{due}届满，尚未登记完成。",
    )


# --- the run ------------------------------------------------------------------------------------------


@dataclass
class ReminderResult:
    now: dt.datetime
    sent: bool = True
    message: str = ""
    stages: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    digest: int = 0
    deadlines: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.stages.values()) + self.digest

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": timezone.localtime(self.now).isoformat(),
            "sent": self.sent,
            "message": self.message,
            "stages": dict(self.stages),
            "digest": self.digest,
            "deadlines": self.deadlines,
            "errors": list(self.errors),
        }


def candidates(today: dt.date, n: int) -> list[Deadline]:
    """Running deadlines due on or before their court's reminder limit."""
    from zhijian.legaltime.models import Deadline
    from zhijian.legaltime.services import courts_with_local_holidays, get_calendar

    local = courts_with_local_holidays()
    window = Q(due_date__lte=_reminder_limit(get_calendar(), today, n)) & ~Q(court_id__in=local)
    for court_id in local:
        window |= Q(court_id=court_id, due_date__lte=_reminder_limit(get_calendar(court_id), today, n))
    qs = (
        Deadline.objects.open()
        .filter(due_date__isnull=False, suspended_since__isnull=True)
        .filter(window)
        .select_related("court", "owner")
        .order_by("court_id", "due_date", "pk")
    )
    return list(qs)  # read before writing: no cursor left open across the notify transactions


def _chunks[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def claim_daily(name: str, day: dt.date, now: dt.datetime) -> bool:
    """Claim today's run of a once-a-day job (compare-and-swap on ``JobMark.last_on``): True for
    exactly one caller per day. Inside a transaction, a rollback gives the claim back."""
    won = (
        JobMark.objects.filter(name=name)
        .filter(Q(last_on__lt=day) | Q(last_on__isnull=True))
        .update(last_on=day, last_at=now, outcome="")
    )
    if won:
        return True
    _, created = JobMark.objects.get_or_create(name=name, defaults={"last_on": day, "last_at": now})
    return created


def send_deadline_reminders(result: ReminderResult, today: dt.date) -> None:
    from zhijian.legaltime.services import get_calendar

    n = workdays_before()
    calendars: dict[int, BusinessCalendar] = {}
    for chunk in _chunks(candidates(today, n), 500):
        staged: list[tuple[Deadline, str, str]] = []
        for deadline in chunk:
            calendar = calendars.get(deadline.court_id)
            if calendar is None:
                calendar = calendars[deadline.court_id] = get_calendar(deadline.court_id)
            stage = stage_of(deadline, today, calendar, n)
            if stage is not None:
                staged.append((deadline, stage, reminder_key(deadline, stage)))
        result.deadlines += len(staged)
        # a stage already reminded is not resolved again (the common case, every ten minutes)
        done = set(
            Notification.objects.filter(key__in=[key for _, _, key in staged]).values_list("key", flat=True)
        )
        for deadline, stage, key in staged:
            if key in done:
                continue
            try:
                with transaction.atomic():
                    title, body = reminder_text(deadline, stage, calendars[deadline.court_id], today)
                    result.stages[stage] += notify(
                        recipients_for(deadline, stage),
                        kind=f"deadline.{stage}",
                        title=title,
                        body=body,
                        url=deadline.get_absolute_url(),
                        key=key,
                        court=deadline.court,
                    )
            except Exception as exc:  # one resolver's failure must not stop the others
                logger.exception("reminder for deadline %s failed", deadline.pk)
                result.errors.append(f"期限 {deadline.pk}：{exc}")


def send_digests(result: ReminderResult, today: dt.date, now: dt.datetime) -> None:
    for name, provider in list(_digests.items()):
        try:
            with transaction.atomic():
                if not claim_daily(f"digest:{name}", today, now):
                    continue
                key = f"digest:{today.isoformat()}:{name}"
                for user, title, body, url in provider(today):
                    result.digest += notify(
                        [user], kind=DIGEST_KIND, title=title, body=body, url=url, key=key
                    )
        except Exception as exc:  # rolled back, claim included: the next run tries again
            logger.exception("digest %s failed", name)
            result.errors.append(f"每日汇总 {name}：{exc}")


def send_reminders(now: dt.datetime | None = None) -> ReminderResult:
    """Send today's deadline reminders and daily digests; nothing outside working hours."""
    from zhijian.audit.services import record

    now = now or timezone.now()
    if timezone.is_naive(now):
        now = timezone.make_aware(now)
    result = ReminderResult(now=now)
    if not is_working_time(now):
        result.sent = False
        result.message = OUTSIDE_HOURS
        return result
    today = timezone.localtime(now).date()
    send_deadline_reminders(result, today)
    send_digests(result, today, now)
    if result.total:
        with transaction.atomic():
            record(
                "notifications.reminders.send",
                actor=None,
                after={"stages": result.stages, "digest": result.digest, "date": today.isoformat()},
            )
    result.message = summary(result)
    return result


def summary(result: ReminderResult) -> str:
    if not result.sent:
        return OUTSIDE_HOURS
    parts = "，".join(f"{STAGE_LABELS[s]} {result.stages[s]} 条" for s in STAGES)
    return f"已发送期限提醒：{parts}；每日汇总 {result.digest} 条。"
