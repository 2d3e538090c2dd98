"""The one entry point of both import doors (CLI and upload page): a file is a case file or an
events file (流程节点), told apart by its header row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .events_import import import_events, is_events_file
from .models import CaseImport
from .rows import _text, read_table
from .services import import_cases


def detect_kind(path: Path, *, sheet: str | None = None) -> str:
    """``CaseImport.Kind.EVENTS`` when the header row has a 节点 column and no case columns."""
    try:
        _, header = next(read_table(path, sheet=sheet))
    except (StopIteration, ValueError, OSError, KeyError):
        return CaseImport.Kind.CASES  # the case importer reports the unreadable file
    return CaseImport.Kind.EVENTS if is_events_file([_text(h) for h in header]) else CaseImport.Kind.CASES


def import_file(path: Path, **options: Any) -> CaseImport:
    """Import a case file or an events file; raises ``services.ImportRefused`` when refused.
    After a written import the detection scans run again (a background job)."""
    from django.db import transaction

    from .tasks import scan_after_import

    if detect_kind(path, sheet=options.get("sheet")) == CaseImport.Kind.EVENTS:
        result = import_events(path, **options)
    else:
        result = import_cases(path, **options)
    if result.state == CaseImport.State.DONE:
        transaction.on_commit(lambda: scan_after_import.enqueue(result.pk))
    return result
