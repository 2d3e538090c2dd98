"""Access helpers for organisation objects: each returns the object or raises 404/403."""

from __future__ import annotations

from typing import Any

from zhijian.core.access import scoped_or_404

from .models import Court, Person, User


def access_court(user: Any, pk: Any, *, write: bool = False) -> Court:
    return scoped_or_404(Court.objects.select_related("level", "supervisor", "parent"), user, pk, write=write)


def access_user(user: Any, pk: Any, *, write: bool = False) -> User:
    return scoped_or_404(User.objects.select_related("court"), user, pk, write=write)


def access_person(user: Any, pk: Any, *, write: bool = False) -> Person:
    return scoped_or_404(Person.objects.select_related("court", "user"), user, pk, write=write)
