from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from . import request as request_context

logger = logging.getLogger(__name__)

BUSY_MARKERS = ("database is locked", "database table is locked", "database is busy")


class RequestContextMiddleware:
    """Give every request an id (also sent back as X-Request-ID) and resolve the client IP
    through the trusted-proxy setting; both reach the audit trail via ``core.request``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = request_context.RequestContext(
            request_id=request_context.new_request_id(request),
            client_ip=request_context.client_ip(request),
        )
        request.request_id = ctx.request_id  # type: ignore[attr-defined]
        token = request_context.set_current(ctx)
        try:
            response = self.get_response(request)
        finally:
            request_context.reset_current(token)
        response["X-Request-ID"] = ctx.request_id
        return response


def is_busy_error(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and any(m in str(exc).lower() for m in BUSY_MARKERS)


class DatabaseBusyMiddleware:
    """A locked SQLite database (a long import holding the write lock beyond the busy timeout)
    gets a Chinese 系统繁忙 page with status 503, never a server error. The failed request's
    transaction was rolled back, so nothing changed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy_error(exception):
            return None
        logger.warning("database busy: %s %s", request.method, request.path)
        html = render_to_string("core/busy.html", {"request_id": getattr(request, "request_id", "")})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "5"
        return response
