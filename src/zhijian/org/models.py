"""Courts, court levels, users, roles, persons and visibility grants.

Court scoping is decided in ``scoping.py`` from these rows; nothing else may decide it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .choices import Role
from .querysets import CourtQuerySet, GrantQuerySet, PersonQuerySet, UserQuerySet

if TYPE_CHECKING:
    from collections.abc import Iterable


class CourtLevel(models.Model):
    """A level of the court hierarchy. Levels are data so that a high court or the SPC can run
    the system with other levels by configuration alone."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30)
    rank = models.PositiveSmallIntegerField("层级序号", help_text="数字越小层级越高")

    class Meta:
        ordering = ["rank"]
        verbose_name = "法院层级"
        verbose_name_plural = "法院层级"

    def __str__(self) -> str:
        return self.name


class Court(models.Model):
    """A court. ``code`` is the 法院代字 used in case numbers (e.g. 吉0602)."""

    code = models.CharField("法院代字", max_length=20, unique=True)
    name = models.CharField("全称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30)
    level = models.ForeignKey(CourtLevel, on_delete=models.PROTECT, verbose_name="层级")
    division_code = models.CharField("行政区划代码", max_length=6, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级法院",
    )
    supervisor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised",
        verbose_name="监督法院",
        help_text="对本院执行工作实行监督的法院",
    )
    contact = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_for",
        verbose_name="执行监督联络专人",
    )
    deputy_contact = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputy_contact_for",
        verbose_name="联络专人（副）",
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = CourtQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "法院"
        verbose_name_plural = "法院"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:court_detail", args=[self.pk])

    @property
    def is_basic(self) -> bool:
        return self.level.code == "basic"


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Django's user manager with the court-scoped queryset methods."""


class User(AbstractUser):
    """A login account. Every account except a bootstrap superuser belongs to one court."""

    full_name = models.CharField("姓名", max_length=50)
    court = models.ForeignKey(
        Court, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name="所属法院"
    )
    phone = models.CharField("电话", max_length=30, blank=True)
    title = models.CharField("职务", max_length=50, blank=True)
    is_demo = models.BooleanField("演示账号", default=False)

    objects = ScopedUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["court__sort_order", "username"]
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return f"{self.full_name or self.username}（{self.username}）"

    def get_absolute_url(self) -> str:
        return reverse("org:user_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        """The user's roles, cached on the instance for the request."""
        cached: frozenset[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            cached = (
                frozenset(self.role_assignments.values_list("role", flat=True)) if self.pk else frozenset()
            )
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [Role(code).label for code in Role.values if code in self.role_codes]

    def forget_cached_scope(self) -> None:
        for attr in ("_role_codes", "_visible_court_ids", "_writable_court_ids"):
            self.__dict__.pop(attr, None)


class RoleAssignment(models.Model):
    """One role held by one user (at the user's court)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("角色", max_length=30, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="org_role_unique_per_user")]
        verbose_name = "角色"
        verbose_name_plural = "角色"

    def __str__(self) -> str:
        return f"{self.user}：{self.get_role_display()}"


class Person(models.Model):
    """A person of a court who appears in case data (e.g. a case handler, 承办人).

    Imported data creates persons keyed by court + name; an administrator links a person to a
    login account, merges duplicates or splits an ambiguous name.
    """

    court = models.ForeignKey(Court, on_delete=models.PROTECT, related_name="persons", verbose_name="法院")
    name = models.CharField("姓名", max_length=50)
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="person", verbose_name="登录账号"
    )
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["court__sort_order", "name"]
        # Import looks persons up by (court, name).
        indexes = [models.Index(fields=["court", "name"], name="org_person_court_name")]
        verbose_name = "人员（案件数据）"
        verbose_name_plural = "人员（案件数据）"

    def __str__(self) -> str:
        return f"{self.name}（{self.court.short_name}）"


class AccessGrant(models.Model):
    """An explicit, time-limited extension of a user's visibility to another court."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name="用户")
    court = models.ForeignKey(Court, on_delete=models.CASCADE, related_name="grants", verbose_name="授权法院")
    allow_write = models.BooleanField("允许办理（写）", default=False)
    reason = models.CharField("授权事由", max_length=200)
    valid_from = models.DateTimeField("生效时间", default=timezone.now)
    valid_until = models.DateTimeField("失效时间")
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="grants_given", null=True, verbose_name="授权人"
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        # scoping.visible_court_ids looks up a user's current grants.
        indexes = [models.Index(fields=["user", "valid_until"], name="org_grant_user_until")]
        verbose_name = "临时授权"
        verbose_name_plural = "临时授权"

    def __str__(self) -> str:
        return f"{self.user} → {self.court.short_name}"

    def is_current(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.valid_from <= at < self.valid_until


def court_labels(courts: Iterable[Court]) -> str:
    return "、".join(c.short_name for c in courts)
