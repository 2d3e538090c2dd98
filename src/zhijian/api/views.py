from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import viewsets
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from zhijian.core.access import AccessRule, acting_user
from zhijian.org.models import Court, User

from .permissions import AUTHENTICATION, DeclaredAccess
from .serializers import CourtSerializer, UserSerializer


class CourtViewSet(viewsets.ReadOnlyModelViewSet[Court]):
    """Courts the caller may see (own court, plus the supervised subtree for supervising roles)."""

    serializer_class = CourtSerializer
    authentication_classes = AUTHENTICATION
    permission_classes = [DeclaredAccess]
    zhijian_access = AccessRule(obj="court")

    def get_queryset(self) -> Any:
        return (
            Court.objects.visible_to(self.request.user).select_related("level").order_by("sort_order", "code")
        )


class UserViewSet(viewsets.ReadOnlyModelViewSet[User]):
    """User directory, court-scoped like the 人员名录 page."""

    serializer_class = UserSerializer
    authentication_classes = AUTHENTICATION
    permission_classes = [DeclaredAccess]
    zhijian_access = AccessRule(obj="user")

    def get_queryset(self) -> Any:
        return (
            User.objects.visible_to(self.request.user)
            .select_related("court")
            .prefetch_related("role_assignments")
            .order_by("username")
        )


@extend_schema(responses=UserSerializer, summary="当前用户（含可见与可写法院）")
@api_view(["GET"])
@authentication_classes(AUTHENTICATION)
@permission_classes([DeclaredAccess])
def me(request: Request) -> Response:
    """The signed-in user, with roles and the courts they may see."""
    from zhijian.org.scoping import visible_court_ids, writable_court_ids

    user = acting_user(request)
    data = UserSerializer(user).data
    data["visible_courts"] = sorted(visible_court_ids(request.user))
    data["writable_courts"] = sorted(writable_court_ids(request.user))
    return Response(data)


me.cls.zhijian_access = AccessRule()  # type: ignore[attr-defined]
me.zhijian_access = AccessRule()  # type: ignore[attr-defined]


class SchemaView(SpectacularAPIView):
    zhijian_access = AccessRule()
