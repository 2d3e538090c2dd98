from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from .access import view_access
from .registry import home_items, search


@view_access()
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's home page: 待办 and 提醒 from every app, per role."""
    from zhijian.audit.models import AuditEvent

    todos, alerts = home_items(request.user)
    logins = AuditEvent.objects.filter(action="accounts.login", actor_id=request.user.pk).order_by("-seq")
    previous = logins.values_list("created_at", flat=True)[1:2].first()
    return render(request, "core/home.html", {"todos": todos, "alerts": alerts, "previous_login": previous})


@view_access()
def search_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    hits = search(request.user, query) if len(query) >= 1 else []
    grouped: dict[str, list[object]] = {}
    for hit in hits:
        grouped.setdefault(hit.category, []).append(hit)
    return render(request, "core/search.html", {"q": query, "grouped": grouped, "count": len(hits)})


@view_access(public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import redirect
    from django.templatetags.static import static

    return redirect(static("zhijian/favicon.svg"), permanent=True)


@view_access(public=True)
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = (
        "为保护您的账号，系统拒绝了这次提交（安全校验未通过），数据没有被修改。"
        "常见原因：页面打开时间过长、登录已超时，或在另一个窗口中退出了登录。请返回上一页，刷新后重新提交。"
    )
    context = {"code": 403, "title": "页面已过期或请求无效", "message": message}
    return render(request, "core/csrf.html", context, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"code": 400, "title": "请求无效"}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "您无权访问此页面。"
    return render(
        request, "core/error.html", {"code": 403, "title": "无权访问", "message": message}, status=403
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"code": 404, "title": "页面不存在", "message": "未找到该页面或对象，或您无权查看。"},
        status=404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without context processors: the database may be the thing that failed. A locked
    SQLite database that surfaced outside a view (e.g. while saving the session) still gets the
    系统繁忙 page."""
    import sys

    from .middleware import is_busy_error

    exc = sys.exc_info()[1]
    if exc is not None and is_busy_error(exc):
        html = render_to_string("core/busy.html", {"request_id": getattr(request, "request_id", "")})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "5"
        return response
    html = render_to_string("core/500.html", {"request_id": getattr(request, "request_id", "")})
    return HttpResponse(html, status=500)
