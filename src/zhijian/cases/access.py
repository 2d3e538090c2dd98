from __future__ import annotations

from typing import Any

from zhijian.core.access import scoped_or_404

from .models import EnforcementCase


def access_case(user: Any, pk: Any, *, write: bool = False) -> EnforcementCase:
    return scoped_or_404(
        EnforcementCase.objects.select_related("court", "handler", "last_import"), user, pk, write=write
    )
