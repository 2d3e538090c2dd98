"""Supervision matters over the API: the list (the page's filters), one matter (the page's
detail, scoped the same way), registration, and one endpoint for every action.

Every write goes through ``supervision.services``; a refusal answers in Chinese (``errors.py``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from zhijian.core.access import AccessRule, acting_user, scoped_or_404
from zhijian.core.exceptions import ServiceError
from zhijian.org.models import User
from zhijian.supervision import services
from zhijian.supervision.models import Matter, MatterCourt, MatterDeadline, MatterState
from zhijian.supervision.registry import COURT_SIDE, REGISTRARS
from zhijian.supervision.views import _is_city, detail_context, filtered_matters

from . import actions
from .errors import ChineseErrors, validated
from .matter_serializers import (
    MatterCreateSerializer,
    MatterDetailSerializer,
    MatterListSerializer,
    TransitionSerializer,
)
from .permissions import AUTHENTICATION, DeclaredAccess

ErrorSerializer = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(help_text="中文原因"),
        "field": serializers.CharField(allow_null=True, required=False, help_text="出错的字段"),
    },
)
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}

LIST_FILTERS = [
    OpenApiParameter(
        "state", str, description="状态；open 为全部办理中的事项", enum=["open", *MatterState.values]
    ),
    OpenApiParameter("court", int, description="被监督法院 id"),
    OpenApiParameter("source", int, description="监督来源（第三条第几项）"),
    OpenApiParameter("officer", int, description="承办监督员 id"),
    OpenApiParameter("finding", str, description="审查结论"),
    OpenApiParameter("overdue", str, enum=["1"], description="1：有已超期的未完成期限"),
    OpenApiParameter("expedited", str, enum=["1"], description="1：特事特办"),
    OpenApiParameter("todo", str, enum=["approve"], description="approve：待局长审批"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="收到日期（起）"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="收到日期（止）"),
    OpenApiParameter("q", str, description="登记编号、事由、来信人、关联案号、来文文号或外部编号"),
]


def _page_request(request: Request) -> HttpRequest:
    """The Django request under the API request (its ``user`` is the token's user)."""
    return request._request


def matter_queryset() -> Any:
    return Matter.objects.select_related("supervising_court", "officer", "registered_by")


def detail_response(request: Request, matter: Matter, *, status_code: int = 200) -> Response:
    user = acting_user(_page_request(request))
    ctx = detail_context(_page_request(request), matter)
    data = MatterDetailSerializer(matter, context={"detail": ctx, "user": user, "request": request}).data
    response = Response(data, status=status_code)
    if status_code == status.HTTP_201_CREATED:
        response["Location"] = reverse("api:matter-detail", args=[matter.pk])
    return response


class MatterViewSet(ChineseErrors, viewsets.GenericViewSet[Matter]):
    """监督事项 — court-scoped exactly like the 监督事项 pages."""

    authentication_classes = AUTHENTICATION
    permission_classes = [DeclaredAccess]
    zhijian_access = AccessRule(obj="matter")
    zhijian_action_access = {"create": AccessRule(roles=REGISTRARS, write=True)}
    serializer_class = MatterListSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Matter.objects.none()
        return matter_queryset().visible_to(self.request.user)

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return MatterCreateSerializer
        if self.action == "retrieve":
            return MatterDetailSerializer
        return MatterListSerializer

    @extend_schema(summary="监督事项列表（与页面相同的筛选）", parameters=LIST_FILTERS)
    def list(self, request: Request) -> Response:
        for key, label in (("from", "收到日期（起）"), ("to", "收到日期（止）")):
            _check_date(request.query_params.get(key, "").strip(), label)
        qs, _params, errors = filtered_matters(_page_request(request))
        if errors:
            raise ServiceError(errors[0])
        page = self.paginate_queryset(qs)
        rows: list[Matter] = list(page) if page is not None else list(qs)
        user = acting_user(request._request)
        _annotate(rows, None if _is_city(user) else (user.court_id or -1))
        data = MatterListSerializer(rows, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(summary="监督事项详情", responses={200: MatterDetailSerializer, 404: ErrorSerializer})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        matter = scoped_or_404(matter_queryset(), acting_user(_page_request(request)), pk)
        return detail_response(request, matter)

    @extend_schema(
        summary="登记监督事项（第三条）",
        request=MatterCreateSerializer,
        responses={201: MatterDetailSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        user = acting_user(_page_request(request))
        data = validated(self, MatterCreateSerializer(data=request.data))
        officer = None
        if data.get("officer") is not None:
            officer = User.objects.filter(pk=data["officer"], court_id=user.court_id).first()
            if officer is None:
                raise ServiceError("承办人必须是本院的监督员或局长。", field="officer")
        sources = [actions.source_input(s, data["received_on"]) for s in data["sources"]]
        matter_input = services.MatterInput(
            title=data["title"], received_on=data["received_on"], sources=sources, court_ids=data["courts"],
            case_numbers=data["case_numbers"], content=data["content"], channel=data["channel"],
            external_ref=data["external_ref"], anonymous=data["anonymous"],
            complainant_name=data["complainant_name"], complainant_id_number=data["complainant_id_number"],
            complainant_phone=data["complainant_phone"], complainant_address=data["complainant_address"],
            group_petition=data["group_petition"], expedited=data["expedited"],
            expedited_reason=data["expedited_reason"], expedited_by=data["expedited_by"], officer=officer,
        )  # fmt: skip
        if not data["confirm_new"]:
            numbers = services.clean_case_numbers(matter_input.case_numbers)
            duplicates = services.possible_duplicates(
                case_numbers=numbers, complainant_name=matter_input.complainant_name,
                complainant_id_number=matter_input.complainant_id_number,
                received_on=matter_input.received_on, supervising_court=user.court,
            )  # fmt: skip
            if duplicates:
                return Response(
                    {
                        "detail": "可能与已登记的监督事项重复："
                        + "、".join(m.number for m in duplicates)
                        + "。确认登记为新事项请设置 confirm_new 为 true，或以 add_source 追加为已有事项的来源。",
                        "field": "confirm_new",
                        "duplicates": [
                            {"id": m.pk, "number": m.number, "title": m.title} for m in duplicates
                        ],
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
        with transaction.atomic():
            matter = services.register_matter(user, matter_input)
        return detail_response(request, scoped_or_404(matter_queryset(), user, matter.pk), status_code=201)


def _check_date(text: str, label: str) -> None:
    """A date filter the page's parser would choke on (2026-02-30) is refused in Chinese."""
    if not text:
        return
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise ServiceError(f"{label}“{text}”不是有效日期，应形如 2026-01-31。")


def _annotate(rows: list[Matter], own_court: int | None = None) -> None:
    """The list page's extra columns for one page of matters: courts and the next due date."""
    ids = [m.pk for m in rows]
    today = timezone.localdate()
    next_due: dict[int, Any] = {}
    for matter_id, due in (
        MatterDeadline.objects.filter(matter_id__in=ids, deadline__completed_on__isnull=True)
        .filter(**({} if own_court is None else {"deadline__court_id": own_court}))
        .exclude(deadline__due_date=None)
        .order_by("deadline__due_date")
        .values_list("matter_id", "deadline__due_date")
    ):
        next_due.setdefault(matter_id, due)
    courts: dict[int, list[Any]] = {}
    for link in (
        MatterCourt.objects.filter(matter_id__in=ids)
        .select_related("court")
        .order_by("court__sort_order", "court__code")
    ):
        courts.setdefault(link.matter_id, []).append(link.court)
    for m in rows:
        due = next_due.get(m.pk)
        m.api_next_due = due  # type: ignore[attr-defined]
        m.api_overdue = bool(due and due < today)  # type: ignore[attr-defined]
        m.api_courts = courts.get(m.pk, [])  # type: ignore[attr-defined]


class MatterTransitionView(ChineseErrors, generics.GenericAPIView[Matter]):
    """Perform one action on a matter, as the page's buttons do (``action`` in the body)."""

    authentication_classes = AUTHENTICATION
    permission_classes = [DeclaredAccess]
    zhijian_access = AccessRule(obj="matter", roles=REGISTRARS | COURT_SIDE, write=True, post_only=True)
    serializer_class = TransitionSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Matter.objects.none()
        return matter_queryset().visible_to(self.request.user)

    @extend_schema(
        summary="办理监督事项的一项操作",
        description=(
            "action 与页面上的操作同名（见 allowed_actions）；督办函、报告、通知、延期申请、期限、来源等对象以 "
            "letter / report / request / extension / link / source 的 id 放在请求体中。"
            "成功时返回办理后的事项详情；他人已先行办理时返回 409（已由他人处理）。"
        ),
        request=TransitionSerializer,
        responses={200: MatterDetailSerializer, **ERRORS, 409: ErrorSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = acting_user(_page_request(request))
        matter = scoped_or_404(matter_queryset(), user, pk)
        data = validated(self, TransitionSerializer(data=request.data))
        with transaction.atomic():
            actions.perform(data["action"], matter, user, data, request.FILES)
        return detail_response(request, scoped_or_404(matter_queryset(), user, pk))
