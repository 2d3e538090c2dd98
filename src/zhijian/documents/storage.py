"""Where document files live: ``DATA_DIR/documents`` (``ZHIJIAN_DOCUMENTS_DIR`` overrides),
never in static files. Paths stored in the database are relative to that root."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.http import Http404


def documents_root() -> Path:
    configured = getattr(settings, "ZHIJIAN_DOCUMENTS_DIR", "") or os.environ.get("ZHIJIAN_DOCUMENTS_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "documents"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_name(folder: str, stem: str, suffix: str) -> str:
    """A fresh relative path (a random part, so two databases sharing a folder never collide)."""
    return f"{folder}/{stem}-{uuid.uuid4().hex[:12]}{suffix}"


def write(relative: str, data: bytes) -> None:
    """Write atomically (a partial file never carries the final name)."""
    target = documents_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)


def path_of(relative: str) -> Path:
    """The absolute path of a stored file; 404 when missing (or when the name escapes the root)."""
    root = documents_root().resolve()
    target = (root / relative).resolve()
    if not relative or root not in target.parents or not target.is_file():
        raise Http404("文件不存在。")
    return target


def read(relative: str) -> bytes:
    return path_of(relative).read_bytes()


def exists(relative: str) -> bool:
    try:
        path_of(relative)
    except Http404:
        return False
    return True
