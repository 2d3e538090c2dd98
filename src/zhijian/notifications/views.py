"""My notifications: the list (unread first), mark one read (optionally opening its link), mark
all read. A user only ever reaches their own notifications: another user's id is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from zhijian.core.access import NOT_FOUND, acting_user, view_access

from . import services
from .labels import kind_badge, kind_label
from .models import Notification

PAGE_SIZE = 30


def _list_url(request: HttpRequest) -> str:
    url = reverse("notifications:list")
    params = {k: request.POST.get(k, "") for k in ("show", "page")}
    query = "&".join(f"{k}={v}" for k, v in params.items() if v and v.isalnum())
    return f"{url}?{query}" if query else url


@view_access()
def notification_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    show = "unread" if request.GET.get("show") == "unread" else "all"
    qs = (
        Notification.objects.filter(recipient=user)
        .select_related("court")
        .annotate(unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()))
        .order_by("-unread", "-created_at", "-pk")
    )
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page:
        item.kind_label = kind_label(item.kind)  # type: ignore[attr-defined]
        item.kind_badge = kind_badge(item.kind)  # type: ignore[attr-defined]
    return render(
        request,
        "notifications/list.html",
        {"page": page, "show": show, "unread": services.unread_count(user)},
    )


@view_access(post_only=True)
def mark_read(request: HttpRequest) -> HttpResponse:
    """POST ``id`` (one of the user's notifications; any other id is a 404) and optionally
    ``open=1`` to follow the notification's link after marking it read."""
    user = acting_user(request)
    raw = request.POST.get("id", "").strip()
    if not raw:
        messages.info(request, "未选择通知。")
        return redirect(_list_url(request))
    try:
        notification = Notification.objects.get(pk=int(raw), recipient=user)
    except (ValueError, Notification.DoesNotExist) as exc:
        raise Http404(NOT_FOUND) from exc
    services.mark_read(notification, user=user)
    target = notification.url
    if (
        request.POST.get("open")
        and target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return redirect(target)
    return redirect(_list_url(request))


@view_access(post_only=True)
def mark_all_read(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    count = services.mark_all_read(user)
    messages.success(request, f"已将 {count} 条通知标为已读。" if count else "没有未读通知。")
    return redirect(reverse("notifications:list"))
