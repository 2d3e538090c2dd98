"""Background jobs of the documents module (``django.tasks``; the database-backed queue in
production, run immediately in tests)."""

from __future__ import annotations

from django.tasks import task


@task()
def render_official_document(doc_id: int) -> None:
    """Render an issued document to .docx and PDF (``services.render_document``: idempotent,
    records its own failure on the document)."""
    from .services import render_document

    render_document(doc_id)
