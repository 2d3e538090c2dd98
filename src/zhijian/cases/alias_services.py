"""Adding and deleting the administrators' import aliases (``ImportAlias``), audited.

The alias tables are installation-wide configuration — they change how every court's export
files are read — so, like the time-limit rules, only system administrators
(``org.scoping.is_system_admin``) maintain them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from zhijian.audit.services import record, snapshot
from zhijian.core.exceptions import ServiceError
from zhijian.legaltime.events import EVENTS
from zhijian.org.scoping import is_system_admin

from .aliases import added_aliases, alias_key, default_aliases
from .models import CaseStatus, ImportAlias
from .rows import DEFAULT_CASE_ALIASES, FIELD_LABELS

if TYPE_CHECKING:
    from zhijian.org.models import User

ALIAS_FIELDS = ("kind", "alias", "target")
MAX_ALIAS = 60
KIND_TARGET_NAMES = {
    ImportAlias.Kind.COLUMN: "字段",
    ImportAlias.Kind.STATUS: "案件状态",
    ImportAlias.Kind.NODE: "流程节点事件",
}
DENIED = "导入别名是全系统的设置，只有本系统所属法院的系统管理员可以修改。"


def can_edit_aliases(actor: User | None) -> bool:
    return actor is None or is_system_admin(actor)


def node_defaults() -> dict[str, str]:
    """The node defaults of the events import (empty while that module is absent)."""
    try:
        from .events_import import DEFAULT_NODE_ALIASES
    except ImportError:  # pragma: no cover - the events import is part of the same issue
        return {}
    return dict(DEFAULT_NODE_ALIASES)


def defaults_of(kind: str) -> dict[str, str]:
    """The defaults in code of any kind: alias → target."""
    if kind == ImportAlias.Kind.NODE:
        return node_defaults()
    return default_aliases(kind)


def target_choices(kind: str) -> list[tuple[str, str]]:
    """What an alias of ``kind`` may stand for: (target, Chinese label)."""
    if kind == ImportAlias.Kind.COLUMN:
        return [(name, FIELD_LABELS.get(name, name)) for name in DEFAULT_CASE_ALIASES]
    if kind == ImportAlias.Kind.STATUS:
        return [(value, str(label)) for value, label in CaseStatus.choices]
    if kind == ImportAlias.Kind.NODE:
        # the case process only: the supervision workflow's events never come from a node
        from .events_import import DEFAULT_NODE_ALIASES

        codes = set(DEFAULT_NODE_ALIASES.values())
        return [(code, label) for code, label in EVENTS.items() if code in codes]
    return []


def target_label(kind: str, target: str) -> str:
    return dict(target_choices(kind)).get(target, target)


def add_alias(*, actor: User | None, kind: str, alias: str, target: str) -> ImportAlias:
    """Add one spelling to an alias table. Refused with a Chinese reason when the kind or the
    target is unknown, or the spelling (as matched) is already a default or already added."""
    if not can_edit_aliases(actor):
        raise PermissionDenied(DENIED)
    if kind not in ImportAlias.Kind.values:
        raise ServiceError("请选择别名类别（列名、案件状态或流程节点名称）。", field="kind")
    kind_label = ImportAlias.Kind(kind).label
    text = " ".join((alias or "").split())
    if kind == ImportAlias.Kind.STATUS:
        text = alias_key(kind, text)
    if not text:
        raise ServiceError("请填写文件中的写法。", field="alias")
    if len(text) > MAX_ALIAS:
        raise ServiceError(f"文件中的写法不能超过 {MAX_ALIAS} 个字。", field="alias")
    key = alias_key(kind, text)
    if not key:
        raise ServiceError(f"“{text}”去掉空格和括号中的单位后为空，不能作为{kind_label}。", field="alias")
    choices = dict(target_choices(kind))
    if target not in choices:
        what = KIND_TARGET_NAMES[ImportAlias.Kind(kind)]
        raise ServiceError(f"请选择对应的{what}；“{target}”不是可识别的{what}。", field="target")
    for existing, meaning in defaults_of(kind).items():
        if alias_key(kind, existing) == key:
            raise ServiceError(
                f"“{text}”已在默认的{kind_label}表中（对应“{target_label(kind, meaning)}”），无需添加。",
                field="alias",
            )
    for existing, meaning in added_aliases(kind).items():
        if alias_key(kind, existing) == key:
            raise ServiceError(
                f"“{text}”已添加过（写作“{existing}”，对应“{target_label(kind, meaning)}”）；"
                "如需改变对应关系，请先删除原来的别名。",
                field="alias",
            )
    try:
        with transaction.atomic():
            row = ImportAlias.objects.create(kind=kind, alias=text, target=target, created_by=actor)
            record(
                "cases.alias.add",
                actor=actor,
                target=row,
                after={**snapshot(row, ALIAS_FIELDS), "target_label": choices[target]},
            )
    except IntegrityError as exc:  # a concurrent addition of the same spelling
        raise ServiceError(f"“{text}”已添加过，请刷新页面。", field="alias") from exc
    return row


def delete_alias(row: ImportAlias, *, actor: User | None, reason: str = "") -> None:
    """Delete one added alias (the defaults in code cannot be deleted)."""
    if not can_edit_aliases(actor):
        raise PermissionDenied(DENIED)
    with transaction.atomic():
        locked = ImportAlias.objects.select_for_update().filter(pk=row.pk).first()
        if locked is None:
            raise ServiceError("该别名已被删除。")
        before = snapshot(locked, ALIAS_FIELDS)
        label, pk = str(locked), locked.pk
        locked.delete()
        record(
            "cases.alias.delete",
            actor=actor,
            before=before,
            target_repr=label,
            deleted=(locked, pk),
            reason=reason,
        )
