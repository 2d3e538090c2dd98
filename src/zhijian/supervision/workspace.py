"""The designated contact's workspace (Art. 4): what a basic court has received and owes."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q
from django.utils import timezone

from zhijian.org.choices import Role
from zhijian.org.models import User

from .models import (
    ExtensionRequest,
    ExtensionState,
    InfoRequest,
    Letter,
    LetterState,
    MatterDeadline,
    Measure,
    MeasureState,
    Report,
    ReportState,
    RequestState,
)

Level = Literal["info", "warning", "danger"]


def workspace(user: User) -> dict[str, Any]:
    court_id = user.court_id or -1
    today = timezone.localdate()
    letters = Letter.objects.filter(court_id=court_id).exclude(
        state__in=[LetterState.DRAFT, LetterState.PENDING]
    )
    letters = letters.select_related("matter", "document", "contact_at_arrival", "signed_by").order_by(
        "-issued_on", "-pk"
    )
    deadlines = (
        MatterDeadline.objects.filter(deadline__court_id=court_id, deadline__completed_on__isnull=True)
        .select_related(
            "deadline",
            "matter",
            "letter__court",
            "letter__document",
            "request__court",
            "source",
            "measure__type",
            "measure_case__case",
            "task__court",
        )
        .order_by("deadline__due_date")
    )
    measures = (
        Measure.objects.filter(Q(court_id=court_id) | Q(tasks__court_id=court_id) | Q(new_court_id=court_id))
        .filter(issued_on__isnull=False)  # never a draft, even a withdrawn one
        .select_related("matter", "type", "document", "case")
        .distinct()
        .order_by("-issued_on", "-pk")
    )
    return {
        "measures": measures[:100],
        "measures_to_sign": [
            m for m in measures if m.state == MeasureState.ISSUED and m.court_id == court_id
        ],
        "to_sign": [x for x in letters if x.state == LetterState.ISSUED],
        "to_report": [x for x in letters if x.state == LetterState.SIGNED],
        "letters": letters[:100],
        "requests": InfoRequest.objects.filter(court_id=court_id)
        .select_related("matter", "document", "contact_at_arrival")
        .order_by("state", "-sent_on")[:100],
        "reports_pending": Report.objects.filter(court_id=court_id, state=ReportState.PENDING).select_related(
            "letter__matter"
        ),
        "reports_draft": Report.objects.filter(court_id=court_id, state=ReportState.DRAFT).select_related(
            "letter__matter"
        ),
        "reports": Report.objects.filter(court_id=court_id)
        .select_related("letter__matter", "letter__document")
        .order_by("-pk")[:100],
        "deadlines": deadlines,
        "overdue": [d for d in deadlines if d.deadline.due_date and d.deadline.due_date < today],
        "extensions": ExtensionRequest.objects.filter(link__deadline__court_id=court_id)
        .select_related(
            "matter", "link__letter__court", "link__letter__document", "link__request__court", "link__source"
        )
        .order_by("-requested_at")[:50],
        "today": today,
        "is_contact": user.pk
        in (getattr(user.court, "contact_id", None), getattr(user.court, "deputy_contact_id", None)),
        "is_director": user.has_role(Role.BASIC_DIRECTOR),
    }


def workspace_counts(user: User) -> list[tuple[str, int, Level]]:
    court_id = user.court_id or -1
    today = timezone.localdate()
    out: list[tuple[str, int, Level]] = [
        (
            "督办函待签收",
            Letter.objects.filter(court_id=court_id, state=LetterState.ISSUED).count(),
            "warning",
        ),
        (
            "监督措施待签收",
            Measure.objects.filter(court_id=court_id, state=MeasureState.ISSUED).count(),
            "warning",
        ),
        (
            "通知待答复",
            InfoRequest.objects.filter(court_id=court_id, state=RequestState.SENT).count(),
            "info",
        ),
        (
            "期限已超期",
            MatterDeadline.objects.filter(
                deadline__court_id=court_id, deadline__completed_on__isnull=True, deadline__due_date__lt=today
            ).count(),
            "danger",
        ),
    ]
    if user.has_role(Role.BASIC_DIRECTOR):
        out.append(
            (
                "督办报告待您审批",
                Report.objects.filter(court_id=court_id, state=ReportState.PENDING).count(),
                "warning",
            )
        )
    else:
        out.append(
            (
                "督办报告待报告",
                Letter.objects.filter(court_id=court_id, state=LetterState.SIGNED).count(),
                "info",
            )
        )
    out.append(
        (
            "延期申请待审批",
            ExtensionRequest.objects.filter(court_id=court_id, state=ExtensionState.PENDING).count(),
            "info",
        )
    )
    return out
