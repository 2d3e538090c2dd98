"""The import's alias tables in effect: the defaults in code plus the administrators' additions
(``ImportAlias`` rows, written only through ``alias_services``).

* ``column``: a column header spelling → a case field (``rows.DEFAULT_CASE_ALIASES``), matched
  after removing spaces and a unit in brackets (``rows._header_key``);
* ``status``: a 案件状态 value → ``open`` / ``concluded`` (``values.STATUS_ALIASES``), matched
  after NFKC normalisation;
* ``node``: a 节点 name → an event code of ``legaltime.events.EVENTS`` (the defaults are
  ``events_import.DEFAULT_NODE_ALIASES``, passed in), matched like column headers.

An addition never duplicates a default (``alias_services.add_alias`` refuses it), so the merge
order matters only if a later version of the code adds a default that an administrator had
already added: then the administrator's row wins, and the alias page marks it.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from .models import ImportAlias
from .rows import DEFAULT_CASE_ALIASES, _header_key
from .values import STATUS_ALIASES

Kind = Literal["column", "status", "node"]


def alias_key(kind: str, alias: str) -> str:
    """The form in which an alias is matched (two aliases with the same key are the same)."""
    if kind == ImportAlias.Kind.STATUS:
        return unicodedata.normalize("NFKC", alias or "").strip()
    return _header_key(alias or "")


def added_aliases(kind: str) -> dict[str, str]:
    """The administrators' additions of one kind: alias → target."""
    return dict(ImportAlias.objects.filter(kind=kind).order_by("alias").values_list("alias", "target"))


def default_aliases(kind: str) -> dict[str, str]:
    """The defaults in code for ``column`` and ``status``: alias → target."""
    if kind == ImportAlias.Kind.COLUMN:
        return {spelling: name for name, spellings in DEFAULT_CASE_ALIASES.items() for spelling in spellings}
    if kind == ImportAlias.Kind.STATUS:
        return dict(STATUS_ALIASES)
    raise ValueError("节点名称的默认表由流程节点导入提供：请用 effective_node_aliases(defaults)")


def effective_aliases(kind: Literal["column", "status"]) -> dict[str, str]:
    """Defaults merged with the additions (alias → target) for ``column`` or ``status``."""
    return {**default_aliases(kind), **added_aliases(kind)}


def effective_node_aliases(defaults: dict[str, str]) -> dict[str, str]:
    """The node defaults given (``events_import.DEFAULT_NODE_ALIASES``) merged with the
    additions: node name → event code."""
    return {**defaults, **added_aliases(ImportAlias.Kind.NODE)}


def column_alias_table() -> dict[str, list[str]]:
    """The effective column table in the shape ``rows.map_headers`` takes: field → spellings."""
    table = {name: list(spellings) for name, spellings in DEFAULT_CASE_ALIASES.items()}
    for alias, target in added_aliases(ImportAlias.Kind.COLUMN).items():
        if target in table:
            table[target].append(alias)
    return table


def status_alias_table() -> dict[str, str]:
    """The effective status table for ``rows.validate_case_row(status_aliases=...)``."""
    return effective_aliases("status")
