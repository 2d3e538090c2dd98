"""The go-live import page of supervision matters (督办台账 / 信访台账)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhijian.core.access import view_access

from .registry import REGISTRARS


@view_access(roles=REGISTRARS)
def import_matters_view(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/import.html", {})
