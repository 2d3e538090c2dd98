"""The court-scoped queryset every court-owned model uses.

``Model.objects.visible_to(user)`` is the only way views, API, exports and search list
court-owned rows; ``writable_by(user)`` narrows to rows the user may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from zhijian.org.models import User


class CourtScopedQuerySet[M: models.Model](models.QuerySet[M]):
    #: lookup path from the model to its court's primary key
    court_lookup = "court_id"

    def for_courts(self, court_ids: frozenset[int] | set[int]) -> Self:
        return self.filter(**{f"{self.court_lookup}__in": court_ids})

    def visible_to(self, user: User | AnonymousUser) -> Self:
        from zhijian.org.scoping import visible_court_ids

        return self.for_courts(visible_court_ids(user))

    def writable_by(self, user: User | AnonymousUser) -> Self:
        from zhijian.org.scoping import writable_court_ids

        return self.for_courts(writable_court_ids(user))
