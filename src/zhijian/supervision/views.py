"""Pages of supervision matters: list (filters, saved filters, ledger export), registration
(with the duplicate check), detail (timeline, deadlines, only the actions the user may take
now), one POST endpoint per action, the designated contact's workspace and attachments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from zhijian.accountability.models import SubBasis, TargetKind
from zhijian.cases.masking import mask
from zhijian.core.access import NOT_FOUND, acting_user, scoped_or_404, view_access
from zhijian.core.exceptions import ServiceError
from zhijian.org.choices import SUPERVISING_ROLES, Role
from zhijian.org.models import Court, User
from zhijian.org.scoping import is_read_only, visible_court_ids

from . import services
from .models import (
    Attachment,
    Channel,
    DeadlinePurpose,
    ExtensionRequest,
    Finding,
    InfoRequest,
    Letter,
    LetterState,
    Matter,
    MatterDeadline,
    MatterSource,
    MatterState,
    Measure,
    MeasureCase,
    MeasureType,
    Report,
    ReportMode,
    ReportState,
    RequestKind,
    SavedFilter,
    SourceCategory,
)
from .registry import COURT_SIDE, REGISTRARS
from .workspace import workspace

PAGE = 50
OPEN_LETTER_STATES = {
    LetterState.DRAFT,
    LetterState.PENDING,
    LetterState.ISSUED,
    LetterState.SIGNED,
    LetterState.REPORTED,
}
CITY_ROLES = set(SUPERVISING_ROLES)


def _is_city(user: User) -> bool:
    return user.is_superuser or bool(user.role_codes & CITY_ROLES)


# --- list --------------------------------------------------------------------------------------


FILTER_KEYS = (
    "q",
    "source",
    "court",
    "state",
    "officer",
    "finding",
    "overdue",
    "expedited",
    "from",
    "to",
    "todo",
)


def filtered_matters(request: HttpRequest) -> tuple[QuerySet[Matter], dict[str, str], list[str]]:
    user = acting_user(request)
    params = {k: request.GET.get(k, "").strip() for k in FILTER_KEYS}
    errors: list[str] = []
    qs = Matter.objects.visible_to(user).select_related("supervising_court", "officer")
    if params["q"]:
        from zhijian.cases.views import number_fragment

        text = params["q"]
        qs = qs.filter(
            Q(number__icontains=text) | Q(title__contains=text) | Q(complainant_name__contains=text)
            | Q(case_links__number__contains=number_fragment(text)) | Q(sources__doc_number__icontains=text)
            | Q(external_ref__icontains=text)
        ).distinct()  # fmt: skip
    if params["source"].isdecimal():
        qs = qs.filter(sources__category__item=int(params["source"])).distinct()
    if params["court"].isdecimal():
        qs = qs.filter(court_links__court_id=int(params["court"]))
    if params["state"] == "open":
        qs = qs.open()
    elif params["state"] in MatterState.values:
        qs = qs.filter(state=params["state"])
    if params["officer"].isdecimal():
        qs = qs.filter(officer_id=int(params["officer"]))
    if params["finding"] in Finding.values:
        qs = qs.filter(finding=params["finding"])
    if params["expedited"] == "1":
        qs = qs.filter(expedited=True)
    if params["overdue"] == "1":
        late = MatterDeadline.objects.filter(
            matter=OuterRef("pk"),
            deadline__completed_on__isnull=True,
            deadline__due_date__lt=timezone.localdate(),
        )
        if not _is_city(user):  # a basic court: its own limits only
            late = late.filter(deadline__court_id=user.court_id or -1)
        qs = qs.filter(Exists(late))
    if params["todo"] == "approve":
        qs = qs.filter(Q(state=MatterState.REPLY_APPROVAL) | Q(letters__state=LetterState.PENDING)).distinct()
    for key, label, lookup in (
        ("from", "收到日期（起）", "received_on__gte"),
        ("to", "收到日期（止）", "received_on__lte"),
    ):
        if params[key]:
            day = _safe_date(params[key])
            if day is None:
                errors.append(f"{label}“{params[key]}”不是有效日期，应形如 2026-01-31。")
            else:
                qs = qs.filter(**{lookup: day})
    return qs.order_by("-registered_at", "-pk"), params, errors


def _safe_date(text: str) -> dt.date | None:
    """A date from a form field; None for anything that is not a real calendar day (2026-02-30)."""
    try:
        return parse_date(text)
    except ValueError:
        return None


def _query(params: dict[str, str]) -> str:
    q = QueryDict(mutable=True)
    for k, v in params.items():
        if v:
            q[k] = v
    return q.urlencode()


@view_access()
def matter_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    qs, params, errors = filtered_matters(request)
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows = list(qs[(page - 1) * PAGE : page * PAGE + 1])
    has_next = len(rows) > PAGE
    rows = rows[:PAGE]
    today = timezone.localdate()
    ids = [m.pk for m in rows]
    next_due: dict[int, Any] = {}
    for link in (
        MatterDeadline.objects.filter(matter_id__in=ids, deadline__completed_on__isnull=True)
        .filter(Q() if _is_city(user) else Q(deadline__court_id=user.court_id or -1))
        .select_related("deadline", "letter__court", "letter__document", "request__court", "source")
        .order_by("deadline__due_date")
    ):
        if link.deadline.due_date and link.matter_id not in next_due:
            next_due[link.matter_id] = link
    courts_of: dict[int, list[str]] = {}
    from .models import MatterCourt

    for mid, name in MatterCourt.objects.filter(matter_id__in=ids).values_list(
        "matter_id", "court__short_name"
    ):
        courts_of.setdefault(mid, []).append(name)
    for m in rows:
        found = next_due.get(m.pk)
        due = found.deadline.due_date if found is not None else None
        m.next_link = found  # type: ignore[attr-defined]
        m.next_overdue = bool(due is not None and due < today)  # type: ignore[attr-defined]
        m.court_names = "、".join(courts_of.get(m.pk, []))  # type: ignore[attr-defined]
    visible = visible_court_ids(user)
    return render(
        request,
        "supervision/matter_list.html",
        {
            "matters": rows,
            "params": params,
            "errors": errors,
            "query": _query(params),
            "page": page,
            "has_next": has_next,
            "categories": SourceCategory.objects.all(),
            "courts": Court.objects.filter(pk__in=visible, supervisor__isnull=False)
            .exclude(pk=user.court_id or 0)
            .order_by("sort_order", "code")
            if _is_city(user)
            else [],
            "officers": User.objects.filter(
                court_id=user.court_id, role_assignments__role__in=[Role.OFFICER, Role.DIRECTOR]
            ).distinct()
            if _is_city(user)
            else [],
            "states": MatterState.choices,
            "findings": Finding.choices,
            "saved": SavedFilter.objects.filter(user=user),
            "can_register": user.is_superuser or user.has_role(*REGISTRARS),
            "today": today,
        },
    )


@view_access(write=True, post_only=True)
def filter_save(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    try:
        services.save_filter(user, name=request.POST.get("name", ""), query=request.POST.get("query", ""))
        messages.success(request, "已保存常用筛选，可在左侧导航中直接打开。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('supervision:list')}?{request.POST.get('query', '')}")


@view_access(write=True, post_only=True)
def filter_delete(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    pk = request.POST.get("filter", "")
    saved = SavedFilter.objects.filter(user=user, pk=int(pk)).first() if pk.isdecimal() else None
    if saved is None:
        messages.error(request, "未找到该常用筛选（可能已删除）。")
        return redirect("supervision:list")
    services.delete_filter(user, saved)
    messages.success(request, f"已删除常用筛选“{saved.name}”。")
    return redirect("supervision:list")


@view_access()
def ledger_export(request: HttpRequest) -> HttpResponse:
    from .ledger import ledger_response

    user = acting_user(request)
    qs, _params, _errors = filtered_matters(request)
    return ledger_response(qs, user=user)


# --- registration --------------------------------------------------------------------------------


def _source_from_post(post: QueryDict, prefix: str = "s_") -> services.SourceInput:
    item = post.get(f"{prefix}category", "")
    category = SourceCategory.objects.filter(item=int(item)).first() if item.isdecimal() else None
    if category is None:
        raise ServiceError("请选择监督来源类别（第三条）。", field="sources")
    received = _date(
        post.get(f"{prefix}received_on") or post.get("received_on", ""), "收到日期", required=True
    )
    assert received is not None
    return services.SourceInput(
        category=category,
        body=post.get(f"{prefix}body", ""),
        received_on=received,
        doc_number=post.get(f"{prefix}doc_number", ""),
        doc_date=_date(post.get(f"{prefix}doc_date", ""), "来文日期"),
        instructor=post.get(f"{prefix}instructor", ""),
        instruction=post.get(f"{prefix}instruction", ""),
        instruction_date=_date(post.get(f"{prefix}instruction_date", ""), "批示日期"),
        report_back=post.get(f"{prefix}report_back") == "1",
        report_rule=post.get(f"{prefix}report_rule", "") if post.get(f"{prefix}report_back") == "1" else "",
        report_by=_date(post.get(f"{prefix}report_by", ""), "报告期限"),
    )


def _date(text: str, label: str, *, required: bool = False) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise ServiceError(f"请填写{label}。", field="received_on")
        return None
    day = _safe_date(text)
    if day is None:
        raise ServiceError(f"{label}“{text}”不是有效日期，应形如 2026-01-31。")
    return day


def _case_lines(text: str) -> list[str]:
    import re

    return [t for t in re.split(r"[\s,，;；、]+", text or "") if t]


def _matter_input(post: QueryDict, user: User) -> services.MatterInput:
    officer = None
    officer_id = str(post.get("officer", ""))
    if officer_id.isdecimal():
        officer = User.objects.filter(pk=int(officer_id), court_id=user.court_id).first()
    received = _date(post.get("received_on", ""), "收到日期", required=True)
    assert received is not None
    return services.MatterInput(
        title=post.get("title", ""),
        received_on=received,
        sources=[_source_from_post(post)],
        court_ids=[int(x) for x in post.getlist("courts") if x.isdecimal()],
        case_numbers=_case_lines(post.get("case_numbers", "")),
        content=post.get("content", ""),
        channel=post.get("channel", "paper") if post.get("channel") in Channel.values else "paper",
        external_ref=post.get("external_ref", ""),
        anonymous=post.get("anonymous") == "1",
        complainant_name=post.get("complainant_name", ""),
        complainant_id_number=post.get("complainant_id_number", ""),
        complainant_phone=post.get("complainant_phone", ""),
        complainant_address=post.get("complainant_address", ""),
        group_petition=post.get("group_petition") == "1",
        expedited=post.get("expedited") == "1",
        expedited_reason=post.get("expedited_reason", ""),
        expedited_by=post.get("expedited_by", ""),
        officer=officer,
    )


def _register_context(user: User, post: QueryDict | None = None, **extra: Any) -> dict[str, Any]:
    court = user.court
    return {
        "post": post or QueryDict(),
        "checked_courts": post.getlist("courts") if post is not None else [],
        "categories": SourceCategory.objects.all(),
        "courts": Court.objects.filter(supervisor=court).order_by("sort_order", "code") if court else [],
        "officers": User.objects.filter(
            court=court, is_active=True, role_assignments__role__in=[Role.OFFICER, Role.DIRECTOR]
        ).distinct(),
        "channels": Channel.choices,
        "report_rules": services.SOURCE_RULES,
        "today": timezone.localdate(),
        **extra,
    }


@view_access(roles=REGISTRARS, write=True)
def matter_new(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if request.method != "POST":
        return render(request, "supervision/matter_new.html", _register_context(user))
    post = request.POST
    duplicates: list[Matter] = []
    try:
        data = _matter_input(post, user)
        numbers = services.clean_case_numbers(data.case_numbers)
        attach_to = post.get("attach_to", "")
        duplicates = services.possible_duplicates(
            case_numbers=numbers, complainant_name=data.complainant_name,
            complainant_id_number=data.complainant_id_number, received_on=data.received_on,
            supervising_court=user.court,
        )  # fmt: skip
        from django.db import transaction

        attaching = post.get("confirm_attach") == "1" or (
            attach_to.isdecimal() and post.get("confirm_new") != "1"
        )
        if attaching:
            if not attach_to.isdecimal():
                raise ServiceError("请选择要追加到的监督事项。", field="attach_to")
            matter = scoped_or_404(Matter.objects.all(), user, int(attach_to))
            with transaction.atomic():  # the source, its cases and its files, or nothing
                services.add_source(matter, user, data.sources[0])
                if numbers:
                    services.link_case_numbers(matter, user, numbers)
                files = request.FILES.getlist("files")
                if files:
                    services.add_attachments(matter, user, files)
            messages.success(request, f"已作为新的来源追加到监督事项 {matter.number}。")
            return redirect(matter.get_absolute_url())
        if duplicates and post.get("confirm_new") != "1":
            return render(
                request, "supervision/matter_new.html",
                _register_context(user, post, duplicates=duplicates, files_dropped=bool(request.FILES)), status=200,
            )  # fmt: skip
        with transaction.atomic():  # a refused attachment refuses the registration: nothing saved
            matter = services.register_matter(user, data)
            files = request.FILES.getlist("files")
            if files:
                services.add_attachments(matter, user, files)
    except ServiceError as exc:
        # keep the duplicate panel when the refusal came from it (e.g. no matter chosen)
        shown = duplicates if post.get("confirm_attach") else None
        return render(
            request, "supervision/matter_new.html", _register_context(user, post, error=exc, duplicates=shown)
        )
    messages.success(request, f"已登记监督事项 {matter.number}。")
    return redirect(matter.get_absolute_url())


# --- detail --------------------------------------------------------------------------------------


def _visible_matter(request: HttpRequest, pk: int) -> Matter:
    return scoped_or_404(
        Matter.objects.select_related("supervising_court", "officer", "registered_by"),
        acting_user(request),
        pk,
    )


def _own_court_only(user: User, matter: Matter) -> int | None:
    """A basic-court user sees only its own court's items of the matter."""
    if user.is_superuser or matter.supervising_court_id in visible_court_ids(user):
        return None
    return user.court_id or -1


def detail_context(request: HttpRequest, matter: Matter, **extra: Any) -> dict[str, Any]:
    user = acting_user(request)
    own = _own_court_only(user, matter)
    today = timezone.localdate()
    letters = matter.letters.select_related(
        "court", "document", "contact_at_arrival", "signed_by", "approved_by", "drafted_by"
    )
    requests = matter.requests.select_related("court", "document", "answered_by")
    timeline = matter.timeline.select_related("actor", "court")
    links = matter.deadline_links.select_related(
        "deadline",
        "deadline__court",
        "deadline__rule",
        "letter__court",
        "letter__document",
        "request__court",
        "source",
        "measure__type",
        "measure_case__case",
        "task__court",
    ).order_by("deadline__due_date", "pk")
    attachments = matter.attachments.select_related("uploaded_by", "court")
    extensions = matter.extension_requests.select_related(
        "link__letter__court",
        "link__letter__document",
        "link__request__court",
        "link__source",
        "requested_by",
        "decided_by",
        "court",
    )
    if own is not None:
        letters = letters.filter(court_id=own).exclude(state__in=[LetterState.DRAFT, LetterState.PENDING])
        requests = requests.filter(court_id=own)
        timeline = timeline.filter(court_id=own)
        links = links.filter(deadline__court_id=own)
        attachments = attachments.filter(court_id=own)
        extensions = extensions.filter(link__deadline__court_id=own)
    letter_rows: list[Any] = list(letters)
    for letter in letter_rows:
        letter.report_list = list(
            letter.reports.select_related("drafted_by", "approved_by", "assessed_by").prefetch_related(
                "attachments"
            )
        )
        letter.actions = _actions(user, matter, "letter", letter.state, letter.court)
        for report in letter.report_list:
            report.actions = _actions(user, matter, "report", report.state, report.court)
            if report.state in (ReportState.DRAFT, ReportState.PENDING):
                letter.actions.discard("draft_report")  # one report in progress
    request_rows: list[Any] = list(requests)
    for req in request_rows:
        req.actions = _actions(user, matter, "request", req.state, req.court)
    link_rows: list[Any] = list(links)
    for link in link_rows:
        d = link.deadline
        d.overdue = bool(d.completed_on is None and d.due_date and d.due_date < today)
        d.late = bool(d.completed_on and d.due_date and d.completed_on > d.due_date)
    sources = list(matter.sources.select_related("category"))
    documents = _documents(user, matter, letter_rows, request_rows, sources)
    pending_ext = [e for e in extensions if e.state == "pending"]
    courts = list(matter.courts.order_by("sort_order", "code"))
    return {
        "matter": matter,
        "own_court": own,
        "documents": documents,
        "proposals": list(matter.proposals.select_related("court", "document")) if own is None else [],
        "measures": _measure_rows(matter, user),
        "can_propose_discipline": own is None and _may_propose(user, matter),
        "discipline_targets": TargetKind.choices,
        "discipline_bases": SubBasis.choices,
        "measure_types": MeasureType.objects.all(),
        "sources": sources,
        "courts": courts,
        "cases": matter.case_links.select_related("case", "case__court"),
        "letters": letter_rows,
        "requests": request_rows,
        "timeline": timeline,
        "links": link_rows,
        "attachments": attachments,
        "extensions": extensions,
        "pending_extensions": pending_ext,
        "actions": _actions(user, matter, "matter", matter.state, None),
        "findings": Finding.choices,
        "request_kinds": RequestKind.choices,
        "report_modes": ReportMode.choices,
        "reply_modes": services.REPLY_MODES,
        "categories": SourceCategory.objects.all(),
        "report_rules": services.SOURCE_RULES,
        "officers": User.objects.filter(
            court=matter.supervising_court,
            is_active=True,
            role_assignments__role__in=[Role.OFFICER, Role.DIRECTOR],
        ).distinct(),
        "complainant_id": mask("id_number", matter.complainant_id_number),
        "complainant_phone": mask("phone", matter.complainant_phone),
        "extendable_links": [
            link
            for link in link_rows
            if link.deadline.completed_on is None
            and link.deadline.rule is not None
            and link.deadline.rule.extendable
            and (own is None or link.deadline.court_id == own)
        ],  # fmt: skip
        "urgeable": [link for link in link_rows if services.may_urge(link, today)]
        if "urge" in _actions(user, matter, "matter", matter.state, None)
        else [],
        "can_request_extension": services.may(
            user,
            "matter",
            "request_extension",
            matter.state,
            matter=matter,
            court=user.court if own is not None else None,
        ),
        "sources_to_report": [s for s in sources if s.report_back and s.reported_on is None],
        "today": today,
        "letter_courts": [
            c
            for c in courts
            if not any(x.court_id == c.pk and x.state in OPEN_LETTER_STATES for x in letter_rows)
        ],  # fmt: skip
        "request_courts": courts,
        "posted": request.POST if request.method == "POST" else QueryDict(),
        **extra,
    }


def _may_propose(user: User, matter: Matter) -> bool:
    from zhijian.accountability.services import may_propose

    return may_propose(user, matter) and not is_read_only(user)


def _measure_rows(matter: Matter, user: User) -> list[Any]:
    from .measures import visible_measures

    rows: list[Any] = visible_measures(matter, user)
    counts: dict[int, tuple[int, int]] = {
        measure_id: (n, still_open)
        for measure_id, n, still_open in MeasureCase.objects.filter(measure__in=rows)
        .values("measure_id")
        .annotate(n=Count("pk"), still_open=Count("pk", filter=Q(resolved_on__isnull=True)))
        .values_list("measure_id", "n", "still_open")
    }  # one query for every measure's list
    for m in rows:
        m.item_count, m.open_count = counts.get(m.pk, (0, 0))
    return rows


def _documents(
    user: User, matter: Matter, letters: list[Any], requests: list[Any], sources: list[Any]
) -> list[Any]:
    """Every numbered document of the matter the user may read: letters, notices, the reply and
    reports to sources (a basic court: those addressed to it)."""
    from django.contrib.contenttypes.models import ContentType

    from zhijian.documents.models import OfficialDocument

    owners = Q(owner_type=ContentType.objects.get_for_model(Matter), owner_id=matter.pk)
    urges = list(MatterDeadline.objects.filter(matter=matter, purpose=DeadlinePurpose.URGE))
    for model, rows in (
        (Letter, letters),
        (InfoRequest, requests),
        (MatterSource, sources),
        (MatterDeadline, urges),
        (Measure, list(matter.measures.all())),
    ):
        if rows:
            owners |= Q(
                owner_type=ContentType.objects.get_for_model(model), owner_id__in=[r.pk for r in rows]
            )
    return list(OfficialDocument.objects.visible_to(user).filter(owners).order_by("issued_at", "pk"))


def _actions(user: User, matter: Matter, table: str, state: str, court: Court | None) -> set[str]:
    from .workflow import TABLES

    return {a for a in TABLES[table] if services.may(user, table, a, state, matter=matter, court=court)}


@view_access(obj="matter")
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _visible_matter(request, pk)
    return render(request, "supervision/matter_detail.html", detail_context(request, matter))


# --- actions -------------------------------------------------------------------------------------


def _child(model: Any, matter: Matter, field: str, value: str, **lookup: Any) -> Any:
    if not value.isdecimal():
        raise ServiceError("请求缺少办理对象。")
    obj = model._default_manager.filter(pk=int(value), **{field: matter}, **lookup).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def _letter(matter: Matter, post: QueryDict, user: User) -> Letter:
    letter = _child(Letter, matter, "matter", post.get("letter", ""))
    own = _own_court_only(user, matter)
    if own is not None and letter.court_id != own:
        raise Http404(NOT_FOUND)
    return letter


def _report(matter: Matter, post: QueryDict, user: User) -> Report:
    report = _child(Report, matter, "letter__matter", post.get("report", ""))
    own = _own_court_only(user, matter)
    if own is not None and report.court_id != own:
        raise Http404(NOT_FOUND)
    return report


def _request(matter: Matter, post: QueryDict, user: User) -> InfoRequest:
    req = _child(InfoRequest, matter, "matter", post.get("request", ""))
    own = _own_court_only(user, matter)
    if own is not None and req.court_id != own:
        raise Http404(NOT_FOUND)
    return req


def _int(text: str, label: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdecimal():
        raise ServiceError(f"{label}应为正整数。")
    return int(text)


def _court_of(matter: Matter, value: str) -> Court:
    court = matter.courts.filter(pk=int(value)).first() if value.isdecimal() else None
    if court is None:
        raise ServiceError("请选择本事项的被监督法院。", field="court")
    return court


def _run(action: str, matter: Matter, request: HttpRequest) -> str:
    """Perform ``action`` with the posted fields; returns the success message."""
    user = acting_user(request)
    p = request.POST
    f = request.FILES
    if action == "assign":
        officer = User.objects.filter(pk=_int(str(p.get("officer", "")), "承办人") or 0).first()
        if officer is None:
            raise ServiceError("请选择承办人。", field="officer")
        services.assign(matter, user, officer)
        return f"已分配承办人：{officer.display_name}"
    if action == "take":
        services.assign(matter, user, user)
        return "已由您领办。"
    if action == "edit":
        services.update_matter(matter, user, title=p.get("title", matter.title), content=p.get("content", matter.content),
                               external_ref=p.get("external_ref", matter.external_ref))  # fmt: skip
        return "已修改登记信息。"
    if action == "add_source":
        services.add_source(matter, user, _source_from_post(p))
        return "已追加来源。"
    if action == "link_cases":
        added = services.link_case_numbers(matter, user, _case_lines(p.get("case_numbers", "")))
        return "已关联：" + "、".join(added) if added else "这些案号已关联。"
    if action == "attach":
        files = f.getlist("files")
        if not files:
            raise ServiceError("请选择要上传的文件。", field="files")
        services.add_attachments(matter, user, files)
        return f"已上传 {len(files)} 个附件。"
    if action == "request_info":
        try:
            meeting = parse_datetime(str(p.get("meeting_at", ""))) if p.get("meeting_at") else None
        except ValueError:
            meeting = None
        if meeting is not None and timezone.is_naive(meeting):
            meeting = timezone.make_aware(meeting)
        if p.get("meeting_at") and meeting is None:
            raise ServiceError("汇报时间不是有效的日期时间。", field="meeting_at")
        req = services.request_info(matter, user, court=_court_of(matter, p.get("court", "")), kind=p.get("kind", ""),
                                    details=p.get("details", ""), meeting_at=meeting, place=p.get("place", ""),
                                    attendees=p.get("attendees", ""))  # fmt: skip
        return f"已发出{req.get_kind_display()}。"
    if action == "propose_reply":
        services.propose_reply(matter, user, finding=p.get("finding", ""), opinion=p.get("opinion", ""))
        return "已提交局长审批径行答复。"
    if action == "decide_supervise":
        services.decide_supervise(matter, user, finding=p.get("finding", ""), opinion=p.get("opinion", ""))
        return "已决定督办，请在5日内起草督办函并报局长审批。"
    if action == "approve_reply":
        services.approve_reply(matter, user, comment=p.get("comment", ""))
        return "已批准径行答复。"
    if action == "return_reply":
        services.return_reply(matter, user, comment=p.get("comment", ""))
        return "已退回。"
    if action == "record_reply":
        services.record_reply(matter, user, mode=p.get("mode", ""), note=p.get("note", ""),
                              transcript=f.get("transcript"), addressee=p.get("addressee", ""))  # fmt: skip
        return "已记录答复，待办结。"
    if action == "draft_letter":
        services.draft_letter(matter, user, court=_court_of(matter, p.get("court", "")), facts=p.get("facts", ""),
                              requirements=p.get("requirements", ""), report_length=_int(p.get("report_length", ""), "报告期限"))  # fmt: skip
        return "已起草督办函。"
    if action == "edit_letter":
        services.edit_letter(_letter(matter, p, user), user, facts=p.get("facts", ""), requirements=p.get("requirements", ""),
                             report_length=_int(p.get("report_length", ""), "报告期限"))  # fmt: skip
        return "已修改督办函。"
    if action == "submit_letter":
        services.submit_letter(_letter(matter, p, user), user)
        return "已提交局长审批。"
    if action == "approve_letter":
        letter = services.approve_letter(_letter(matter, p, user), user, comment=p.get("comment", ""))
        assert letter.document is not None
        return f"已签发督办函 {letter.document.number}。"
    if action == "return_letter":
        services.return_letter(_letter(matter, p, user), user, comment=p.get("comment", ""))
        return "已退回督办函。"
    if action == "void_letter":
        services.void_letter(_letter(matter, p, user), user, reason=p.get("reason", ""))
        return "已作废督办函（文号保留）。"
    if action == "sign_letter":
        services.sign_letter(_letter(matter, p, user), user)
        return "已签收督办函。"
    if action == "draft_report":
        services.draft_report(_letter(matter, p, user), user, mode=p.get("mode", ""), text=p.get("text", ""),
                              reporter=p.get("reporter", ""), reported_on=_date(p.get("reported_on", ""), "汇报日期"),
                              files=f.getlist("files"))  # fmt: skip
        return "已保存报告草稿，请提交本院执行局长审批。"
    if action == "edit_report":
        services.edit_report(_report(matter, p, user), user, mode=p.get("mode", ""), text=p.get("text", ""),
                             reporter=p.get("reporter", ""), reported_on=_date(p.get("reported_on", ""), "汇报日期"),
                             files=f.getlist("files"))  # fmt: skip
        return "已修改报告。"
    if action == "submit_report":
        services.submit_report(_report(matter, p, user), user)
        return "已提交本院执行局长审批。"
    if action == "approve_report":
        services.approve_report(_report(matter, p, user), user)
        return "已批准并报送市法院执行局。"
    if action == "return_report":
        services.return_report(_report(matter, p, user), user, comment=p.get("comment", ""))
        return "已退回报告。"
    if action == "accept_report":
        services.accept_report(_report(matter, p, user), user, assessment=p.get("assessment", ""))
        return "已采纳报告。"
    if action == "reject_report":
        services.reject_report(_report(matter, p, user), user, assessment=p.get("assessment", ""))
        return "已不予采纳；可再次发函督办或采取其他监督措施。"
    if action == "answer_request":
        services.answer_request(
            _request(matter, p, user), user, answer=p.get("answer", ""), files=f.getlist("files")
        )
        return "已答复。"
    if action == "withdraw_request":
        services.withdraw_request(_request(matter, p, user), user, reason=p.get("reason", ""))
        return "已撤回通知。"
    if action == "finish_supervision":
        services.finish_supervision(matter, user, reason=p.get("reason", ""))
        return "已结束督办，待办结。"
    if action == "conclude":
        services.conclude(matter, user, summary=p.get("summary", ""))
        return "已办结。"
    if action == "report_to_source":
        source = _child(MatterSource, matter, "matter", p.get("source", ""))
        services.report_to_source(
            source, user, note=p.get("note", ""), issue_letter=p.get("issue_letter", "1") == "1"
        )
        return f"已向{source.body}报告结果。"
    if action == "cancel":
        services.cancel(matter, user, reason=p.get("reason", ""))
        return "已撤销登记。"
    if action == "comment":
        services.comment(matter, user, text=p.get("text", ""))
        return "已添加意见。"
    if action == "request_extension":
        link = _child(MatterDeadline, matter, "matter", p.get("link", ""))
        own = _own_court_only(user, matter)
        if own is not None and link.deadline.court_id != own:
            raise Http404(NOT_FOUND)
        length = _int(p.get("length", ""), "延长天数")
        if length is None:
            raise ServiceError("请填写延长天数。", field="length")
        services.request_extension(link, user, length=length, reason=p.get("reason", ""))
        return "已提交延期申请，待局长审批。"
    if action == "urge":
        link = _child(MatterDeadline, matter, "matter", p.get("link", ""))
        services.urge(link, user)
        return f"已向{link.deadline.court.short_name}发出催办通知。"
    if action == "decide_extension":
        ext = _child(ExtensionRequest, matter, "matter", p.get("extension", ""))
        services.decide_extension(ext, user, approve=p.get("approve") == "1", note=p.get("note", ""))
        return "已审批延期申请。"
    raise Http404(NOT_FOUND)


COURT_ACTIONS = frozenset(
    {"sign_letter", "draft_report", "edit_report", "submit_report", "approve_report", "return_report",
     "answer_request", "request_extension"}
)  # fmt: skip
CITY_ACTIONS = frozenset(
    {"assign", "take", "edit", "add_source", "link_cases", "attach", "request_info", "propose_reply",
     "decide_supervise", "approve_reply", "return_reply", "record_reply", "draft_letter", "edit_letter",
     "submit_letter", "approve_letter", "return_letter", "void_letter", "accept_report", "reject_report",
     "withdraw_request", "finish_supervision", "conclude", "report_to_source", "cancel", "comment",
     "request_extension", "decide_extension", "urge"}
)  # fmt: skip


def _act(request: HttpRequest, pk: int, action: str, allowed: frozenset[str]) -> HttpResponse:
    if action not in allowed:
        raise Http404(NOT_FOUND)
    matter = _visible_matter(request, pk)
    from django.utils.http import url_has_allowed_host_and_scheme

    back = request.POST.get("next", "")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = matter.get_absolute_url()
    try:
        message = _run(action, matter, request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        if back.startswith(reverse("supervision:workspace")):
            user = acting_user(request)
            return render(
                request,
                "supervision/workspace.html",
                {**workspace(user), "posted": request.POST, "failed": action},
                status=400,
            )
        matter.refresh_from_db()
        return render(
            request,
            "supervision/matter_detail.html",
            detail_context(request, matter, failed=action),
            status=400,
        )
    messages.success(request, message)
    return redirect(back)


@view_access(obj="matter", roles=REGISTRARS, write=True, post_only=True)
def matter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """An action of the supervising bureau (监督员/局长) on a matter or its letters, reports,
    requests and extensions."""
    return _act(request, pk, action, CITY_ACTIONS)


@view_access(obj="matter", roles=COURT_SIDE, write=True, post_only=True)
def court_action(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """An action of the addressed basic court (联络专人/执行局长): sign, report, answer."""
    return _act(request, pk, step, COURT_ACTIONS)


@view_access(roles=COURT_SIDE)
def workspace_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    return render(request, "supervision/workspace.html", {**workspace(user), "posted": QueryDict()})


def attachment_for(user: User, pk: int) -> Attachment:
    """The attachment if ``user`` may read it — its matter is visible and, for a basic court,
    the attachment belongs to that court — else 404. Used by the page and the API."""
    attachment = Attachment.objects.filter(pk=pk).select_related("matter").first()
    if attachment is None:
        raise Http404(NOT_FOUND)
    matter = scoped_or_404(Matter.objects.all(), user, attachment.matter_id)
    own = _own_court_only(user, matter)
    if own is not None and attachment.court_id != own:
        raise Http404(NOT_FOUND)
    return attachment


def attachment_response(attachment: Attachment) -> HttpResponse:
    from urllib.parse import quote

    path = services.attachment_dir() / attachment.path
    if not path.is_file():
        raise Http404("附件文件已丢失，请联系系统管理员。")
    response = HttpResponse(Path(path).read_bytes(), content_type=attachment.content_type)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@view_access(obj="attachment")
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_response(attachment_for(acting_user(request), pk))


@view_access(obj="letter", roles=REGISTRARS)
def letter_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A .docx of a draft letter, without a number, for the director to read before approving."""
    from urllib.parse import quote

    from zhijian.documents.services import render_preview

    obj = Letter.objects.filter(pk=pk).select_related("court", "matter").first()
    if obj is None:
        raise Http404(NOT_FOUND)
    matter = _visible_matter(request, obj.matter_id)
    due = services.deadline_due(matter, DeadlinePurpose.REPORT, letter=obj)
    context = services.letter_context(matter, obj, due)
    data = render_preview(kind="sup_letter", issuing_court=matter.supervising_court, context=context,
                          title=f"关于{matter.title}的督办函", addressee=f"{obj.court.name}执行局")  # fmt: skip
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(
        f"督办函草稿-{matter.number}.docx"
    )
    return response
