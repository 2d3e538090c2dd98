from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.utils import timezone

from zhijian.core.querysets import CourtScopedQuerySet

if TYPE_CHECKING:
    from .models import AccessGrant, Court, Person, User  # noqa: F401 (named in the generic bases)


class CourtQuerySet(CourtScopedQuerySet["Court"]):
    court_lookup = "pk"

    def basic(self) -> Self:
        return self.filter(level__code="basic")


class UserQuerySet(CourtScopedQuerySet["User"]):
    court_lookup = "court_id"

    def with_role(self, *roles: str) -> Self:
        return self.filter(role_assignments__role__in=roles).distinct()


class PersonQuerySet(CourtScopedQuerySet["Person"]):
    court_lookup = "court_id"


class GrantQuerySet(models.QuerySet["AccessGrant"]):
    def current(self) -> Self:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now)
