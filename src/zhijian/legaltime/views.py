from __future__ import annotations

import calendar as pycal
import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from openpyxl import Workbook

from zhijian.audit.services import record
from zhijian.core.access import acting_user, scoped_or_404, view_access
from zhijian.core.exceptions import ServiceError
from zhijian.core.export import safe_row
from zhijian.core.registry import board_counts
from zhijian.org.choices import Role
from zhijian.org.models import Court, User
from zhijian.org.scoping import is_read_only, is_system_admin, writable_court_ids

from . import services
from .arrangement import Entry, format_entries, parse_arrangement
from .calendar import CalendarUnknown, package_years
from .choices import STATUS_BADGE, DeadlineKind, DeadlineStatus
from .events import event_label
from .forms import (
    BoardFilterForm,
    CalculatorForm,
    CompleteForm,
    DeadlineForm,
    ExtendForm,
    HolidayYearForm,
    ResumeForm,
    RuleReviseForm,
    SuspendForm,
)
from .models import Deadline, HolidayYear, TimeLimitRule
from .services import Override

STAFF_WRITE_DENIED = "您的账号为只读账号，不能新建期限。"


def access_deadline(user: Any, pk: Any, *, write: bool = False) -> Deadline:
    return scoped_or_404(Deadline.objects.select_related("court", "owner", "rule"), user, pk, write=write)


# --- board ------------------------------------------------------------------------------------


def board_queryset(request: HttpRequest) -> tuple[QuerySet[Deadline], BoardFilterForm]:
    user = acting_user(request)
    courts = Court.objects.visible_to(user)
    owners = User.objects.visible_to(user).filter(deadlines__isnull=False).distinct()
    form = BoardFilterForm(request.GET or None)
    form.fields["court"].choices = [("", "全部"), *[(str(c.pk), c.short_name) for c in courts]]  # type: ignore[attr-defined]
    form.fields["owner"].choices = [("", "全部"), *[(str(u.pk), u.display_name) for u in owners]]  # type: ignore[attr-defined]
    qs = Deadline.objects.visible_to(user).select_related("court", "owner", "rule")
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    status = data.get("status", "")
    if status == "done":
        qs = qs.filter(completed_on__isnull=False)
    else:
        qs = qs.open()
        soon = services.due_soon_limit(today)
        running = Q(suspended_since__isnull=True, due_date__isnull=False)
        if status == DeadlineStatus.OVERDUE:
            qs = qs.filter(running, due_date__lt=today)
        elif status == DeadlineStatus.DUE_SOON:
            qs = qs.filter(running, due_date__gte=today, due_date__lte=soon)
        elif status == DeadlineStatus.PENDING:
            qs = qs.filter(running, provisional=False, due_date__gt=soon)
        elif status == DeadlineStatus.SUSPENDED:
            qs = qs.filter(Q(suspended_since__isnull=False) | Q(due_date__isnull=True))
        elif status == DeadlineStatus.PROVISIONAL:
            qs = qs.filter(running, provisional=True, due_date__gt=soon)
    if data.get("court"):
        qs = qs.filter(court_id=int(data["court"]))
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if data.get("owner"):
        qs = qs.filter(owner_id=int(data["owner"]))
    if data.get("mine"):
        qs = qs.filter(owner=user)
    order = request.GET.get("sort", "due")
    qs = qs.order_by("-due_date", "-pk") if order == "-due" else qs.order_by("due_date", "pk")
    return qs, form


def decorate(deadlines: Any, today: dt.date) -> None:
    calendars: dict[int, Any] = {}  # one calendar (one stamp read) per court, not per row
    for d in deadlines:
        if d.court_id not in calendars:
            calendars[d.court_id] = services.get_calendar(d.court_id)
        d.status = services.deadline_status(d, today, calendars[d.court_id])
        d.status_label = DeadlineStatus(d.status).label
        d.badge = STATUS_BADGE[DeadlineStatus(d.status)]
        d.days_left = (d.due_date - today).days if d.due_date and d.completed_on is None else None


@view_access()
def board(request: HttpRequest) -> HttpResponse:
    qs, form = board_queryset(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    decorate(page.object_list, today)
    user = acting_user(request)
    counts = {
        "overdue": Deadline.objects.visible_to(user)
        .open()
        .filter(suspended_since__isnull=True, due_date__lt=today)
        .count(),
        "soon": Deadline.objects.visible_to(user)
        .open()
        .filter(
            suspended_since__isnull=True, due_date__gte=today, due_date__lte=services.due_soon_limit(today)
        )
        .count(),
    }
    return render(
        request,
        "legaltime/board.html",
        {
            "page": page,
            "form": form,
            "today": today,
            "counts": counts,
            "can_create": not is_read_only(user),
            "board_counts": board_counts(user),
        },
    )


@view_access()
def board_export(request: HttpRequest) -> HttpResponse:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    qs, _ = board_queryset(request)
    today = timezone.localdate()
    rows = list(qs[:50_000])
    decorate(rows, today)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "时限看板"
    headers = [
        ("事项", 44), ("类别", 12), ("责任法院", 14), ("责任人", 10), ("起算日", 12), ("期限", 12),
        ("依据", 40), ("届满日", 12), ("中止自", 12), ("剩余天数", 10), ("状态", 10), ("暂定", 6), ("完成日期", 12),
    ]  # fmt: skip
    ws.append([h for h, _ in headers])
    for i, (_, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        ws.cell(row=1, column=i).font = Font(bold=True)
    for d in rows:
        ws.append(
            safe_row(
                [
                    d.title,
                    d.get_kind_display(),
                    d.court.short_name,
                    d.owner.display_name if d.owner else "",
                    d.start_date,
                    d.period_label,
                    d.basis,
                    d.due_date,
                    d.suspended_since,
                    d.days_left,
                    d.status_label,
                    "是" if d.provisional else "",
                    d.completed_on,
                ]
            )
        )
    for column in ("E", "H", "I", "M"):
        for cell in ws[column][1:]:
            cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    out = io.BytesIO()
    wb.save(out)
    record(
        "legaltime.board.export",
        actor=acting_user(request),
        after={"rows": len(rows), "filters": dict(request.GET.items())},
    )
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="deadlines-{today.isoformat()}.xlsx"'
    return response


# --- one deadline -----------------------------------------------------------------------------


@view_access(write=True)
def deadline_create(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if user.court is None:
        raise PermissionDenied("您的账号不属于任何法院。")
    form = DeadlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deadline = services.create_deadline(
                actor=user,
                title=data["title"],
                court=user.court,
                owner=user,
                start_date=data["start_date"],
                rule_code=data["rule"].code if data["rule"] else "",
                length=data["length"],
                unit=data["unit"],
                expedited=data["expedited"],
                note=data["note"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已新建期限，届满日 {deadline.due_date or '（中止中）'}。")
            return redirect(deadline.get_absolute_url())
    return render(request, "legaltime/deadline_form.html", {"form": form})


@view_access(obj="deadline")
def deadline_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    deadline = access_deadline(user, pk)
    decorate([deadline], timezone.localdate())
    writable = not is_read_only(user) and (user.is_superuser or deadline.court_id in writable_court_ids(user))
    managed = services.managed_by(deadline)
    writable = writable and managed is None
    return render(
        request,
        "legaltime/deadline_detail.html",
        {
            "managed_by": managed,
            "d": deadline,
            "writable": writable and deadline.completed_on is None,
            "can_extend": writable
            and services._can_extend(user, deadline)  # noqa: SLF001
            and (deadline.rule is None or deadline.rule.extendable),
            "extend_form": ExtendForm(),
            "suspend_form": SuspendForm(),
            "resume_form": ResumeForm(),
            "complete_form": CompleteForm(),
            "open_interval": deadline.intervals.filter(end__isnull=True).first(),
            "start_event": event_label(deadline.start_event),
        },
    )


def _deadline_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = acting_user(request)
    deadline = access_deadline(user, pk, write=True)
    try:
        if action == "complete":
            done = CompleteForm(request.POST)
            on = done.cleaned_data["on"] if done.is_valid() else None
            deadline = services.complete_deadline(deadline, actor=user, on=on)
            decorate([deadline], timezone.localdate())
            messages.success(request, f"已于{deadline.completed_on}办结（{deadline.status_label}）。")
        elif action == "extend":
            form = ExtendForm(request.POST)
            if not form.is_valid():
                problems = [
                    f"{form.fields[name].label}：{'、'.join(str(e) for e in errs)}"
                    for name, errs in form.errors.items()
                ]
                raise ServiceError("未延长。" + "；".join(problems))
            d = form.cleaned_data
            deadline = services.extend_deadline(
                deadline, actor=user, length=d["length"], unit=d["unit"], reason=d["reason"]
            )
            messages.success(request, f"已延长期限，新的届满日为 {deadline.due_date}。")
        elif action == "suspend":
            suspend = SuspendForm(request.POST)
            if not suspend.is_valid():
                raise ServiceError("请填写中止日期和事由。")
            services.suspend_deadline(
                deadline,
                actor=user,
                start=suspend.cleaned_data["start"],
                reason=suspend.cleaned_data["reason"],
            )
            messages.success(request, "已记录中止，期限暂停计算。")
        elif action == "resume":
            resume = ResumeForm(request.POST)
            if not resume.is_valid():
                raise ServiceError("请填写中止的最后一日。")
            deadline = services.resume_deadline(deadline, actor=user, end=resume.cleaned_data["end"])
            messages.success(request, f"已恢复计算，新的届满日为 {deadline.due_date}。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(deadline.get_absolute_url())


@view_access(obj="deadline", write=True, post_only=True)
def deadline_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _deadline_action(request, pk, "complete")


@view_access(obj="deadline", write=True, post_only=True)
def deadline_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _deadline_action(request, pk, "extend")


@view_access(obj="deadline", write=True, post_only=True)
def deadline_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _deadline_action(request, pk, "suspend")


@view_access(obj="deadline", write=True, post_only=True)
def deadline_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _deadline_action(request, pk, "resume")


# --- calculator -------------------------------------------------------------------------------


@view_access()
def calculator(request: HttpRequest) -> HttpResponse:
    form = CalculatorForm(request.GET or None)
    result = error = None
    if request.GET and form.is_valid():
        d = form.cleaned_data
        kwargs: dict[str, Any] = {
            "rule": d["rule"],
            "length": d["length"],
            "unit": d["unit"],
            "expedited": d["expedited"],
        }
        # the user's court's calendar, so that its local holidays count
        kwargs["court_id"] = acting_user(request).court_id
        try:
            result = services.calculate(d["start"], **kwargs)
        except CalendarUnknown as exc:
            error = str(exc)
            result = services.calculate(d["start"], allow_provisional=True, **kwargs)
        except ServiceError as exc:
            error = exc.message
    return render(request, "legaltime/calculator.html", {"form": form, "result": result, "error": error})


# --- rules ------------------------------------------------------------------------------------


@view_access()
def rule_list(request: HttpRequest) -> HttpResponse:
    from .forms import current_rules

    rules = list(current_rules())
    upcoming: dict[str, list[TimeLimitRule]] = {}
    for later in TimeLimitRule.objects.filter(effective_from__gt=timezone.localdate()).order_by(
        "effective_from"
    ):
        upcoming.setdefault(later.code, []).append(later)
    for rule in rules:
        rule.upcoming = upcoming.get(rule.code, [])
    return render(request, "legaltime/rule_list.html", {"rules": rules})


@view_access(obj="rule")
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(TimeLimitRule, pk=pk)
    versions = TimeLimitRule.objects.filter(code=rule.code).order_by("-version")
    user = acting_user(request)
    return render(
        request,
        "legaltime/rule_detail.html",
        {
            "rule": rule,
            "versions": versions,
            "start_label": event_label(rule.start_event),
            "can_revise": is_system_admin(user) and rule.effective_to is None,
            "latest": versions.first(),
            "today": timezone.localdate(),
            "open_count": Deadline.objects.visible_to(user).open().filter(rule=rule).count(),
        },
    )


@view_access(obj="rule", write=True, roles={Role.ADMIN}, system=True)
def rule_revise(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(TimeLimitRule, pk=pk)
    if rule.effective_to is not None:  # revisions follow the latest version
        latest = TimeLimitRule.objects.filter(code=rule.code).order_by("-version").first()
        assert latest is not None
        return redirect("legaltime:rule_revise", pk=latest.pk)
    form = RuleReviseForm(request.POST or None, instance=TimeLimitRule.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in RuleReviseForm.Meta.fields}
        try:
            new, moved = services.revise_rule(
                rule,
                actor=acting_user(request),
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["reason"],
                **changes,
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"已生成第 {new.version} 版，自 {new.effective_from} 起施行；{moved} 个期限的届满日随之变化。",
            )
            return redirect(new.get_absolute_url())
    return render(request, "legaltime/rule_revise.html", {"rule": rule, "form": form})


# --- the holiday calendar ---------------------------------------------------------------------


def year_rows() -> list[dict[str, Any]]:
    entered = {h.year: h for h in HolidayYear.objects.filter(court__isnull=True).select_related("entered_by")}
    local: dict[int, list[str]] = {}
    for h in HolidayYear.objects.filter(court__isnull=False).select_related("court"):
        local.setdefault(h.year, []).append(h.court.short_name)  # type: ignore[union-attr]
    pkg = package_years()
    this_year = timezone.localdate().year
    rows = []
    for year in range(this_year + 1, min(pkg.start, this_year - 3) - 1, -1):
        if year < this_year - 3:
            break
        status = "已录入" if year in entered else ("内置（节假日数据包）" if year in pkg else "未录入")
        rows.append(
            {"year": year, "status": status, "entry": entered.get(year), "local": local.get(year, [])}
        )
    return rows


def month_grid(year: int, cal: Any) -> list[dict[str, Any]]:
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells: list[dict[str, Any] | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                fact = cal.fact(day)
                working = cal.is_working_day(day)
                kind = "work" if working else "off"
                if fact is not None and fact.is_working and day.weekday() >= 5:
                    kind = "adjusted"
                elif fact is not None and not fact.is_working:
                    kind = "holiday"
                cells.append({"day": day.day, "kind": kind, "name": fact.name if fact else ""})
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return months


def existing_entries(year: int, court_id: int | None = None) -> list[Entry]:
    if court_id is not None:
        days = HolidayYear.objects.filter(year=year, court_id=court_id).values_list(
            "days__date", "days__is_working", "days__name"
        )
        return [Entry(d, bool(w), n or "") for d, w, n in days if d is not None]
    cal = services.get_calendar()
    if not cal.knows(year):
        return []
    entries = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        fact = cal.fact(day)
        if fact is not None:
            entries.append(Entry(day, fact.is_working, fact.name))
        day += dt.timedelta(days=1)
    return entries


@view_access(roles={Role.ADMIN})
def holiday_calendar(request: HttpRequest) -> HttpResponse:
    """List the years and their state; enter or correct a year (national, or one court's local
    holidays) with a month-by-month preview and the deadlines that would move, before saving."""
    user = acting_user(request)
    this_year = timezone.localdate().year
    year_param = request.GET.get("year") or request.POST.get("year") or str(this_year + 1)
    year = int(year_param) if year_param.isdigit() and 2004 <= int(year_param) <= 2100 else this_year + 1
    courts = {str(c.pk): c for c in Court.objects.writable_by(user)}
    national = is_system_admin(user)
    court_choices = ([("", "全国")] if national else []) + [(pk, c.short_name) for pk, c in courts.items()]
    # on POST the court is what the form says, never the page address
    court_param = request.POST.get("court", "") if request.method == "POST" else request.GET.get("court", "")
    court = courts.get(court_param)
    if court is None and not national and courts and request.method != "POST":
        court = next(iter(courts.values()))
        court_param = str(court.pk)
    court_id = court.pk if court else None
    context: dict[str, Any] = {"rows": year_rows(), "year": year, "court": court}
    if request.method == "POST":
        if is_read_only(user):
            raise PermissionDenied(STAFF_WRITE_DENIED)
        form = HolidayYearForm(request.POST)
        form.fields["court"].choices = court_choices  # type: ignore[attr-defined]
        if form.is_valid():
            year = form.cleaned_data["year"]
            entries, errors = parse_arrangement(form.cleaned_data["text"], year)
            context["errors"] = errors
            if not errors:
                override = Override(year, entries, court_id)
                preview_cal = services.build_calendar(court_id, override=override)
                context["months"] = month_grid(year, preview_cal) if preview_cal.knows(year) else None
                moves = services.plan_recompute(services.open_deadlines(), override=override)
                visible = set(Court.objects.visible_to(user).values_list("pk", flat=True))
                context["moves"] = [m for m in moves if m.deadline.court_id in visible]
                context["other_moves"] = len(moves) - len(context["moves"])
                context["entry_count"] = len(entries)
                if request.POST.get("action") == "save":
                    try:
                        _, moved = services.save_holiday_year(
                            actor=user,
                            year=year,
                            entries=entries,
                            court=court,
                            source=form.cleaned_data["source"],
                        )
                    except ServiceError as exc:
                        messages.error(request, exc.message)
                    else:
                        scope = f"{court.short_name}地方性假日" if court else "节假日安排"
                        messages.success(
                            request,
                            f"已保存{year}年{scope}（{len(entries)} 天），{moved} 个期限的届满日随之重新计算。",
                        )
                        suffix = f"&court={court.pk}" if court else ""
                        return redirect(f"{request.path}?year={year}{suffix}")
        context["form"] = form
        context["year"] = year
    else:
        entered = HolidayYear.objects.filter(year=year, court=court).first()
        form = HolidayYearForm(
            initial={
                "year": year,
                "court": court_param if court else "",
                "text": format_entries(existing_entries(year, court_id)),
                "source": entered.source if entered else "",
            }
        )
        form.fields["court"].choices = court_choices  # type: ignore[attr-defined]
        context["form"] = form
        cal = services.get_calendar(court_id)
        if cal.knows(year):
            context["months"] = month_grid(year, cal)
    return render(request, "legaltime/holiday_calendar.html", context)


def kinds() -> list[tuple[str, str]]:
    return list(DeadlineKind.choices)
