"""Roles and other fixed vocabularies of the organisation app."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "监督员"
    DIRECTOR = "director", "局长"
    EVALUATOR = "evaluator", "评查员"
    CONTACT = "contact", "执行监督联络专人（第四条）"
    BASIC_DIRECTOR = "basic_director", "基层执行局长"
    HANDLER = "handler", "案件承办人"
    LEADER = "leader", "院领导（查阅）"
    PRESIDENT = "president", "院领导（审批）"
    ADMIN = "admin", "系统管理员"


# Roles that look down the supervision tree: a holder sees its own court and every court its
# court supervises, directly or indirectly (the subtree). Basic-court roles see their court only.
SUPERVISING_ROLES: frozenset[str] = frozenset(
    {Role.OFFICER, Role.DIRECTOR, Role.EVALUATOR, Role.LEADER, Role.PRESIDENT, Role.ADMIN}
)
# Roles that never write anything.
READ_ONLY_ROLES: frozenset[str] = frozenset({Role.LEADER})
# Roles that may read the audit trail of the courts they see.
AUDIT_READER_ROLES: frozenset[str] = frozenset({Role.DIRECTOR, Role.BASIC_DIRECTOR, Role.ADMIN})
