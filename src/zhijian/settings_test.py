"""Test settings: the same as production except fast hashing and plain static storage."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .settings import *  # noqa: F403
from .settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUDIT_CHECKPOINT_FILE = Path(tempfile.mkdtemp(prefix="zhijian-audit-")) / "checkpoints.log"
