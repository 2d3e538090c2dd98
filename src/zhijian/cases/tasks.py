"""Background jobs of the case module (``django.tasks``; the database-backed queue in
production, run immediately in tests)."""

from __future__ import annotations

from django.tasks import task


@task()
def scan_after_import(import_id: int) -> dict[str, dict[str, int]]:
    """Run the detection scans after an import, so that the 检测线索 page reflects it at once —
    after other apps have linked what names the imported cases (``signals.cases_imported``)."""
    from .scans import run_scans
    from .signals import cases_imported

    cases_imported.send(sender=None, import_id=import_id)
    return run_scans()


@task()
def recompute_case_dues(reason: str = "") -> int:
    """Recompute the due-date columns of every case (after the legal clock changed)."""
    from .recompute import recompute_all_cases

    return recompute_all_cases(reason=reason)


@task()
def run_case_import(import_id: int) -> str:
    """Import a file uploaded on the 导入案件 page into its ``CaseImport`` record (see
    ``uploads.py``); returns the record's final state."""
    from .uploads import run_upload

    return run_upload(import_id)
