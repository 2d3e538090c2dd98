"""Test settings: the same as production except fast hashing and plain static storage."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .settings import *  # noqa: F403
from .settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# the demo's city court and the test world's city court
ZHIJIAN_HOME_COURTS = ["吉06", "测01"]
AUDIT_CHECKPOINT_FILE = Path(tempfile.mkdtemp(prefix="zhijian-audit-")) / "checkpoints.log"
# background jobs (the case-import upload, recomputations) run at once, inside the request
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
ZHIJIAN_UPLOAD_DIR = Path(tempfile.mkdtemp(prefix="zhijian-uploads-"))

# SQLite tests run on a file, not in memory, so that WAL, IMMEDIATE transactions, the busy
# timeout and concurrent writers behave as in production (xdist adds a per-worker suffix).
# The file lives in this checkout's data folder, so two checkouts on one machine never share it.
from .settings import DATA_DIR, DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
