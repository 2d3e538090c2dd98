"""The 导入别名 page: the import's alias tables (defaults read-only, additions editable) for
system administrators."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from zhijian.core.access import acting_user, view_access
from zhijian.core.exceptions import ServiceError
from zhijian.org.choices import Role

from . import alias_services
from .aliases import alias_key
from .models import ImportAlias

KIND_HELP = {
    ImportAlias.Kind.COLUMN: "案件文件的表头写法。匹配时忽略空格和末尾括号中的单位（如“标的（万元）”按“标的”匹配，单位仍换算）。",
    ImportAlias.Kind.STATUS: "案件文件“案件状态”列的取值，对应未结或已结。",
    ImportAlias.Kind.NODE: "流程节点文件“节点”列的名称，对应期限计算使用的事件。匹配时忽略空格。",
}


def _sections(
    errors: dict[str, str] | None = None, typed: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    rows = ImportAlias.objects.select_related("created_by").order_by("kind", "alias")
    added: dict[str, list[ImportAlias]] = {}
    for row in rows:
        added.setdefault(row.kind, []).append(row)
    sections = []
    for kind, label in ImportAlias.Kind.choices:
        choices = alias_services.target_choices(kind)
        labels = dict(choices)
        defaults = alias_services.defaults_of(kind)
        default_keys = {alias_key(kind, a) for a in defaults}
        grouped: dict[str, list[str]] = {}
        for alias, target in defaults.items():
            grouped.setdefault(target, []).append(alias)
        sections.append(
            {
                "kind": kind,
                "label": label,
                "help": KIND_HELP[ImportAlias.Kind(kind)],
                "target_name": alias_services.KIND_TARGET_NAMES[ImportAlias.Kind(kind)],
                "choices": choices,
                "defaults": [
                    {"target": t, "label": labels.get(t, t), "aliases": grouped[t]}
                    for t, _ in choices
                    if t in grouped
                ],
                "default_count": len(defaults),
                "added": [
                    {
                        "row": row,
                        "target_label": labels.get(row.target, row.target),
                        "shadows": alias_key(kind, row.alias) in default_keys,
                        "unknown_target": row.target not in labels,
                    }
                    for row in added.get(kind, [])
                ],
                "error": (errors or {}).get(kind, ""),
                "typed": (typed or {}) if (errors or {}).get(kind) else {},
            }
        )
    return sections


def _page(request: HttpRequest, **context: Any) -> HttpResponse:
    can_edit = alias_services.can_edit_aliases(acting_user(request))
    return render(request, "cases/aliases.html", {"sections": _sections(**context), "can_edit": can_edit})


@view_access(roles={Role.ADMIN})
def alias_list(request: HttpRequest) -> HttpResponse:
    """Every administrator reads the tables (to see why a file's column was not recognised);
    only system administrators change them."""
    return _page(request)


@view_access(system=True, write=True, post_only=True)
def alias_add(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    alias = request.POST.get("alias", "")
    target = request.POST.get("target", "")
    try:
        row = alias_services.add_alias(actor=acting_user(request), kind=kind, alias=alias, target=target)
    except ServiceError as exc:
        if kind in ImportAlias.Kind.values:
            return _page(request, errors={kind: exc.message}, typed={"alias": alias, "target": target})
        messages.error(request, exc.message)
        return redirect("cases:aliases")
    messages.success(
        request,
        f"已添加{row.get_kind_display()}别名“{row.alias}”→“{alias_services.target_label(row.kind, row.target)}”，"
        "下次导入起生效。",
    )
    return redirect("cases:aliases")


@view_access(system=True, write=True, post_only=True)
def alias_delete(request: HttpRequest) -> HttpResponse:
    pk = request.POST.get("id", "")
    row = ImportAlias.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    if row is None:
        messages.error(request, "该别名不存在或已被删除。")
        return redirect("cases:aliases")
    try:
        alias_services.delete_alias(row, actor=acting_user(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除{row.get_kind_display()}别名“{row.alias}”，下次导入起生效。")
    return redirect("cases:aliases")
