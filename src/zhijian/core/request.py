"""Per-request context (request id, client IP) made available to the service layer.

The middleware sets it; ``audit.services.record`` reads it, so services need no request object.
"""

from __future__ import annotations

import ipaddress
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str = ""


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("zhijian_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def set_current(ctx: RequestContext) -> Any:
    return _current.set(ctx)


def reset_current(token: Any) -> None:
    _current.reset(token)


def _is_trusted(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    for entry in settings.TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or — when the request came through a trusted proxy —
    the right-most address in X-Forwarded-For that is not itself a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not _is_trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")[:1000]
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # not an address: the header is not to be trusted
        if not _is_trusted(hop):
            return hop
    return remote


def axes_client_ip(request: HttpRequest) -> str:
    return client_ip(request)


def new_request_id(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if incoming and _is_trusted(request.META.get("REMOTE_ADDR", "")) and len(incoming) <= 64:
        return incoming
    return uuid.uuid4().hex
