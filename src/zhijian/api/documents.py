"""Official documents over the API: the list and one document (issued by or addressed to a
visible court, as on the 公文 pages), and the download of the rendered .docx / PDF or of the
uploaded record copy (404 when not rendered, not uploaded, or outside the user's scope)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from zhijian.core.access import AccessRule, acting_user, scoped_or_404
from zhijian.documents import storage
from zhijian.documents.choices import DocumentKind, DocumentStatus, RenderState
from zhijian.documents.models import OfficialDocument

from .errors import ChineseErrors
from .matter_serializers import RefSerializer, court_ref
from .permissions import AUTHENTICATION, DeclaredAccess

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RECORD_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


class DocumentSerializer(serializers.ModelSerializer[OfficialDocument]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    render_state_label = serializers.CharField(source="get_render_state_display", read_only=True)
    issuing_court = serializers.SerializerMethodField()
    recipient_court = serializers.SerializerMethodField()
    formats = serializers.SerializerMethodField(help_text="可下载的格式（download 的 format 参数）")

    class Meta:
        model = OfficialDocument
        fields = [
            "id", "kind", "kind_label", "number", "title", "addressee", "issuing_court", "recipient_court",
            "issued_on", "issued_at", "status", "status_label", "void_reason", "render_state",
            "render_state_label", "formats",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(RefSerializer)
    def get_issuing_court(self, obj: OfficialDocument) -> dict[str, Any] | None:
        return court_ref(obj.issuing_court)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_recipient_court(self, obj: OfficialDocument) -> dict[str, Any] | None:
        return court_ref(obj.recipient_court)

    def get_formats(self, obj: OfficialDocument) -> list[str]:
        result = ["docx", "pdf"] if obj.render_state == RenderState.RENDERED else []
        if obj.record_path:
            result.append("record")
        return result


def _file(relative: str, filename: str, content_type: str) -> HttpResponse:
    data = storage.read(relative)  # Http404 when the file is missing
    response = HttpResponse(data, content_type=content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["X-Content-Type-Options"] = "nosniff"
    return response


class DocumentViewSet(ChineseErrors, viewsets.ReadOnlyModelViewSet[OfficialDocument]):
    """公文 issued by or addressed to the courts the caller sees."""

    authentication_classes = AUTHENTICATION
    permission_classes = [DeclaredAccess]
    zhijian_access = AccessRule(obj="document")
    serializer_class = DocumentSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return OfficialDocument.objects.none()
        return OfficialDocument.objects.visible_to(self.request.user).select_related(
            "issuing_court", "recipient_court"
        )

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ``?format=pdf`` names the file to download, not a renderer of this API
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    @extend_schema(
        summary="公文列表",
        parameters=[
            OpenApiParameter("kind", str, enum=DocumentKind.values, description="文种"),
            OpenApiParameter("status", str, enum=DocumentStatus.values, description="状态"),
            OpenApiParameter("q", str, description="文号或标题"),
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        qs = self.get_queryset().order_by("-issued_at", "-pk")
        kind = request.query_params.get("kind", "")
        if kind in DocumentKind.values:
            qs = qs.filter(kind=kind)
        state = request.query_params.get("status", "")
        if state in DocumentStatus.values:
            qs = qs.filter(status=state)
        text = request.query_params.get("q", "").strip()
        if text:
            qs = qs.filter(Q(number__icontains=text) | Q(title__contains=text))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DocumentSerializer(page, many=True).data)

    @extend_schema(summary="公文")
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        doc = scoped_or_404(self.get_queryset(), acting_user(request._request), kwargs.get("pk"))
        return Response(DocumentSerializer(doc).data)

    @extend_schema(
        summary="下载公文文件",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=["pdf", "docx", "record"],
                default="pdf",
                description="pdf、docx（已生成的公文）或 record（上传的存档件）",
            ),  # fmt: skip
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="文件"),
            404: OpenApiResponse(description="未生成、未上传或无权查看"),
        },
    )
    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        doc = scoped_or_404(self.get_queryset(), acting_user(request._request), pk)
        fmt = request.query_params.get("format", "pdf") or "pdf"
        if fmt == "record":
            if not doc.record_path:
                raise Http404("尚未上传存档件。")
            suffix = "." + doc.record_path.rsplit(".", 1)[-1].lower()
            return _file(doc.record_path, f"{doc.number}（存档件）{suffix}", RECORD_TYPES.get(suffix, ""))
        if fmt not in ("pdf", "docx"):
            raise Http404("未知的文件格式（pdf、docx 或 record）。")
        path = doc.pdf_path if fmt == "pdf" else doc.docx_path
        if doc.render_state != RenderState.RENDERED or not path:
            raise Http404("公文文件尚未生成。")
        return _file(path, f"{doc.number}.{fmt}", "application/pdf" if fmt == "pdf" else DOCX)
