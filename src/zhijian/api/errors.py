"""How the API answers a refusal: the same Chinese messages as the pages, as JSON.

``ServiceError`` → 400 ``{"detail": message, "field": field}``; ``Conflict`` (a compare-and-swap
lost: 已由他人处理) → 409; Django's ``PermissionDenied`` → 403 and ``Http404`` → 404, each with
its Chinese reason; a serializer's ``ValidationError`` → 400 with the first reason in ``detail``,
the field path in ``field`` and every reason in ``errors``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from zhijian.core.access import NOT_FOUND, ROLE_DENIED
from zhijian.core.exceptions import Conflict, ServiceError

CONFLICT_HINT = "已由他人处理，请刷新后查看最新状态。"


def first_error(detail: Any, path: str = "") -> tuple[str, str]:
    """The first (field path, message) of a nested ``ValidationError.detail``."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = path if key == "non_field_errors" else (f"{path}.{key}" if path else str(key))
            return first_error(value, sub)
    if isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                if value:
                    return first_error(value, f"{path}[{index}]" if isinstance(value, dict) else path)
                continue
            return path, str(value)
    return path, str(detail)


def label_of(serializer: serializers.BaseSerializer[Any] | None, path: str) -> str:
    """The Chinese label of the field at ``path`` (``sources[0].body`` → 来文单位/来源)."""
    node: Any = serializer
    for part in path.replace("]", "").replace("[", ".").split("."):
        if part.isdigit():
            node = getattr(node, "child", node)
            continue
        fields = getattr(node, "fields", None)
        if fields is None or part not in fields:
            return ""
        node = fields[part]
    return str(getattr(node, "label", "") or "")


def invalid_response(exc: exceptions.ValidationError, serializer: Any = None) -> Response:
    field, message = first_error(exc.detail)
    label = label_of(serializer, field) if field else ""
    text = f"{label}：{message}" if label else message
    return Response(
        {"detail": text, "field": field or None, "errors": exc.detail}, status=status.HTTP_400_BAD_REQUEST
    )


class ChineseErrors:
    """Mixin for API views: turns service refusals into JSON answers (see the module docstring)."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Conflict):
            return Response(
                {"detail": exc.message or CONFLICT_HINT, "field": exc.field}, status=status.HTTP_409_CONFLICT
            )
        if isinstance(exc, ServiceError):
            return Response({"detail": exc.message, "field": exc.field}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, exceptions.ValidationError):
            return invalid_response(exc, getattr(self, "_invalid_serializer", None))
        if isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or ROLE_DENIED)
        elif isinstance(exc, Http404):
            exc = exceptions.NotFound(str(exc) or NOT_FOUND)
        return super().handle_exception(exc)  # type: ignore[misc]


def validated(view: Any, serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    """``serializer.validated_data``; a refusal names the field by its Chinese label."""
    if not serializer.is_valid():
        view._invalid_serializer = serializer
        raise exceptions.ValidationError(serializer.errors)
    return dict(serializer.validated_data)
