"""A supervision matter's attachment over the API (the matter detail lists them by id): the
same scoping as the page — the matter must be visible, and a basic court reads only its own
court's attachments."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from zhijian.core.access import AccessRule, acting_user
from zhijian.supervision.views import attachment_for, attachment_response

from .permissions import AUTHENTICATION, DeclaredAccess


class AttachmentDownloadView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [DeclaredAccess]
    zhijian_access = AccessRule(obj="attachment")

    @extend_schema(
        summary="下载监督事项附件",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="文件"),
            404: OpenApiResponse(description="不存在或无权查看"),
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return attachment_response(attachment_for(acting_user(request._request), pk))
