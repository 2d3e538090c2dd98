"""Who is reminded of a supervision deadline, and the city director's daily digest.

Registered with ``notifications.reminders`` in ``apps.ready``. A basic court's item (签收, 报告,
通知答复) reminds its designated contact and deputy; overdue, it also goes to that court's
执行局长 and the city officer; a letter not signed for in time alerts the court's 执行局长. The
city's own limits (审查, 督办函, 办结, 向来源报告) remind the officer; the city 局长 sees every
overdue item in one daily digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from zhijian.legaltime.models import Deadline
from zhijian.org.choices import Role
from zhijian.org.models import User

from .models import DeadlinePurpose, MatterDeadline

COURT_PURPOSES = {DeadlinePurpose.SIGN, DeadlinePurpose.REPORT, DeadlinePurpose.REQUEST, DeadlinePurpose.URGE}


def _link(deadline: Deadline) -> MatterDeadline | None:
    return (
        MatterDeadline.objects.select_related(
            "matter__officer", "deadline__court__contact", "deadline__court__deputy_contact"
        )
        .filter(deadline=deadline)
        .first()
    )


def recipients(deadline: Deadline, stage: str) -> Iterable[User]:
    link = _link(deadline)
    if link is None or not link.matter.is_open and link.purpose != DeadlinePurpose.SOURCE:
        return []
    court = deadline.court
    users: list[User | None] = []
    if link.purpose in COURT_PURPOSES:
        users += [court.contact, court.deputy_contact]
        if court.contact is None and court.deputy_contact is None:
            # no designated contact (Art. 4): the court's 执行局长 is reminded instead
            users += [deadline.owner]
            users += list(
                User.objects.filter(court=court, is_active=True, role_assignments__role=Role.BASIC_DIRECTOR)
            )
        if stage == "overdue":
            users += list(
                User.objects.filter(court=court, is_active=True, role_assignments__role=Role.BASIC_DIRECTOR)
            )
            users.append(link.matter.officer)
    else:
        users.append(link.matter.officer or deadline.owner)
    seen: dict[int, User] = {}
    for user in users:
        if user is not None:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def director_digest(today: dt.date) -> Iterable[tuple[User, str, str, str]]:
    """The city 局长's daily digest of overdue supervision items."""
    overdue = (
        MatterDeadline.objects.select_related("matter", "deadline__court")
        .filter(deadline__completed_on__isnull=True, deadline__due_date__lt=today)
        .order_by("deadline__due_date")
    )
    by_court: dict[int, list[MatterDeadline]] = {}
    for link in overdue:
        if link.matter.is_open or link.purpose == DeadlinePurpose.SOURCE:
            by_court.setdefault(link.matter.supervising_court_id, []).append(link)
    for court_id, links in by_court.items():
        lines = [
            f"{link.matter.number} {DeadlinePurpose(link.purpose).label}（{link.deadline.court.short_name}，"
            f"{link.deadline.due_date}届满）"
            for link in links[:50]
        ]
        if len(links) > 50:
            lines.append(f"……共{len(links)}项")
        body = "\n".join(lines)
        for user in User.objects.filter(
            court_id=court_id, is_active=True, role_assignments__role=Role.DIRECTOR
        ):
            yield user, f"督办超期日报：{len(links)}项已超期", body, "/matters/?overdue=1"
