from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from zhijian.core.access import acting_user, view_access
from zhijian.core.export import safe_row, spreadsheet_response
from zhijian.org.choices import AUDIT_READER_ROLES
from zhijian.org.models import Court

from .labels import ACTION_LABELS, label_for
from .querysets import audit_court_ids, events_visible_to
from .services import record

EXPORT_LIMIT = 100_000


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def filtered_events(request: HttpRequest) -> tuple[QuerySet[Any], dict[str, str]]:
    events = events_visible_to(request.user)
    params = {
        k: request.GET.get(k, "").strip()
        for k in ("user", "court", "action", "date_from", "date_to", "target")
    }
    if params["user"]:
        events = events.filter(actor_name__icontains=params["user"]) | events.filter(
            actor_username__iexact=params["user"]
        )
    if params["court"].isdigit():
        events = events.filter(court_id=int(params["court"]))
    if params["action"]:
        events = events.filter(action=params["action"])
    if ":" in params["target"]:
        target_type, target_id = params["target"].rsplit(":", 1)
        events = events.filter(target_type=target_type, target_id=target_id)
    tz = timezone.get_current_timezone()
    start = _parse_date(params["date_from"])
    end = _parse_date(params["date_to"])
    if start and end and start > end:  # typed the wrong way round
        start, end = end, start
        params["date_from"], params["date_to"] = start.isoformat(), end.isoformat()
    if start:
        events = events.filter(created_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        events = events.filter(
            created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return events.order_by("-seq"), params


@view_access(roles=AUDIT_READER_ROLES)
def event_list(request: HttpRequest) -> HttpResponse:
    events, params = filtered_events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.action_label = label_for(event.action)
    return render(
        request,
        "audit/event_list.html",
        {
            "page": page,
            "params": params,
            "courts": Court.objects.filter(pk__in=audit_court_ids(request.user)),
            "actions": sorted(ACTION_LABELS.items(), key=lambda kv: kv[0]),
            "query": request.GET.urlencode(),
        },
    )


@view_access(roles=AUDIT_READER_ROLES, obj="audit_event")
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = events_visible_to(request.user).filter(pk=pk).first()
    if event is None:
        raise Http404("未找到该审计事件，或您无权查看。")
    event.action_label = label_for(event.action)
    return render(request, "audit/event_detail.html", {"event": event})


EXPORT_HEADERS = [
    "序号",
    "时间",
    "操作人",
    "用户名",
    "法院",
    "操作",
    "对象",
    "事由",
    "客户端IP",
    "请求ID",
    "哈希",
]


def _export_rows(events: QuerySet[Any]) -> Any:
    tz = timezone.get_current_timezone()
    for e in events[:EXPORT_LIMIT].iterator(chunk_size=2000):
        yield safe_row(
            [
                e.seq,
                e.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_name,
                e.actor_username,
                e.court_name,
                label_for(e.action),
                e.target_repr,
                e.reason,
                e.client_ip,
                e.request_id,
                e.hash,
            ]
        )


@view_access(roles=AUDIT_READER_ROLES)
def event_export(request: HttpRequest) -> HttpResponse:
    """Export the filtered list as XLSX (default) or CSV (UTF-8 with BOM, opens in Excel)."""
    events, params = filtered_events(request)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    record("audit.export", actor=acting_user(request), after={"filters": params, "format": fmt})
    note = (
        f"（只导出了前 {EXPORT_LIMIT} 条，请缩小筛选范围分批导出）" if events.count() > EXPORT_LIMIT else ""
    )
    return spreadsheet_response(
        EXPORT_HEADERS, _export_rows(events), fmt=fmt, sheet="审计日志", stem="audit", truncated_note=note
    )
