"""The import's second door: a file uploaded on the 导入案件 page, imported by a background job.

``start_upload`` saves the file under ``ZHIJIAN_UPLOAD_DIR`` (never in the database), creates
the ``CaseImport`` record (state 校验中, progress phase ``queued``), audits the upload and
enqueues ``tasks.run_case_import``. The job (``run_upload``) imports the file into that record
through ``importer.import_file`` (a case file or an events file, told apart by its header, as
on the command line) with a ``ProgressWriter``, then deletes the file: the record keeps its
name and SHA-256, the data is in the cases (or, when refused, nowhere).

Progress is written **outside the import's transaction**, so the page can poll it:

- while rows are validated (phase 1, no transaction open) with the job's own connection;
- during the merge (one transaction) on PostgreSQL through a second connection of its own;
  on SQLite the merge holds the database's only write lock, so nothing can be written until it
  commits: the page shows 写入中 with the number of rows being written, without a percentage.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.core.exceptions import ServiceError
from zhijian.org.choices import Role
from zhijian.org.models import User
from zhijian.org.scoping import is_read_only

from .models import CaseImport, CaseStage

logger = logging.getLogger(__name__)

# Who may upload: everyone who writes (院领导 is read-only). Rows of courts the uploader may not
# write to are refused row by row by the importer.
IMPORT_ROLES: frozenset[str] = frozenset(
    {
        Role.OFFICER,
        Role.DIRECTOR,
        Role.EVALUATOR,
        Role.ADMIN,
        Role.CONTACT,
        Role.BASIC_DIRECTOR,
        Role.HANDLER,
    }
)
# 强制覆盖 replaces data from a later export with older data: a director's or an
# administrator's decision, never a clerk's.
FORCE_ROLES: frozenset[str] = frozenset({Role.DIRECTOR, Role.BASIC_DIRECTOR, Role.ADMIN})
FORCE_DENIED = "只有局长、基层执行局长和系统管理员可以强制覆盖较新的数据。"

ALLOWED_SUFFIXES = (".csv", ".xlsx")
# progress phases (CaseImport.progress_phase) besides the importer's "validate" and "merge"
PHASE_QUEUED = "queued"
PHASE_VALIDATE = "validate"
PHASE_MERGE = "merge"
PHASE_FINISHED = "finished"
UNREADABLE_XLSX = (
    "无法读取文件：不是有效的 Excel（.xlsx）文件。文件可能已损坏，或是其他格式的文件改了扩展名。"
)
INTERRUPTED = "导入被中断（后台处理进程停止），未写入任何案件数据。请重新上传。"
SYSTEM_ERROR = "导入过程中出现系统错误，未写入任何案件数据。请稍后重新上传；如仍失败，请联系系统管理员。"


class Upload(Protocol):
    """What ``start_upload`` needs of a file: Django's ``UploadedFile`` has it."""

    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Any: ...


def may_force(user: User) -> bool:
    return bool(user.is_superuser or user.has_role(*FORCE_ROLES))


def upload_dir() -> Path:
    return Path(settings.ZHIJIAN_UPLOAD_DIR) / "cases"


def max_bytes() -> int:
    return int(settings.ZHIJIAN_IMPORT_MAX_MB) * 1024 * 1024


def check_upload_file(name: str, size: int) -> None:
    """Refuse, in Chinese, a file the importer cannot read or that is too large."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise ServiceError(
            "不支持 Excel 97-2003 格式（.xls）。请在 Excel 或 WPS 中“另存为” .xlsx 或 CSV 后再上传。",
            field="file",
        )
    if suffix not in ALLOWED_SUFFIXES:
        raise ServiceError("只能上传 CSV（.csv）或 Excel（.xlsx）文件。", field="file")
    if size <= 0:
        raise ServiceError("文件是空的。", field="file")
    if size > max_bytes():
        raise ServiceError(
            f"文件过大（{size / 1024 / 1024:.1f} MB），最大 {settings.ZHIJIAN_IMPORT_MAX_MB} MB。"
            "请按法院或收案年度分成几个文件分别上传。",
            field="file",
        )


def _clean_name(name: str) -> str:
    # browsers send a bare name; old IE sent the full client path
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "上传文件"
    if len(base) > 200:
        suffix = Path(base).suffix
        base = base[: 200 - len(suffix)] + suffix
    return base


def start_upload(
    upload: Upload,
    *,
    actor: User,
    dry_run: bool = False,
    skip_invalid: bool = False,
    force: bool = False,
    sheet: str | None = None,
) -> CaseImport:
    """Save an uploaded export, record it and queue its import. Returns the record (state
    校验中, phase ``queued``; with the immediate backend of the tests, already finished)."""
    if is_read_only(actor):
        raise PermissionDenied("只读账号不能导入案件。")
    if force and not may_force(actor):
        raise PermissionDenied(FORCE_DENIED)
    name = _clean_name(upload.name or "")
    size = int(upload.size or 0)
    check_upload_file(name, size)

    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored = f"{timezone.localtime():%Y%m%d-%H%M%S}-{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    target = directory / stored
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        partial.replace(target)
        options = {
            "dry_run": dry_run,
            "skip_invalid": skip_invalid,
            "force": force,
            "sheet": sheet or None,
            "source": "upload",
            "size": size,
        }
        with transaction.atomic():
            case_import = CaseImport.objects.create(
                file_name=name,
                sha256=digest.hexdigest(),
                actor=actor,
                court=actor.court,
                options=options,
                state=CaseImport.State.VALIDATING,
                progress_phase=PHASE_QUEUED,
                upload_path=stored,
            )
            record(
                "cases.import.upload",
                actor=actor,
                target=case_import,
                after={"file": name, "sha256": case_import.sha256, **options},
            )
    except BaseException:
        partial.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        raise

    from .tasks import run_case_import

    run_case_import.enqueue(case_import.pk)
    case_import.refresh_from_db()
    return case_import


def run_upload(import_id: int) -> str:
    """The background job: import the uploaded file into its record, then delete the file.
    Returns the record's final state. Runs once: a record that has left ``queued`` is skipped."""
    from .importer import import_file
    from .services import ImportRefused

    case_import = CaseImport.objects.select_related("actor", "actor__court").filter(pk=import_id).first()
    if case_import is None:
        return "missing"
    if case_import.progress_phase != PHASE_QUEUED:
        return str(case_import.state)
    path = upload_dir() / case_import.upload_path if case_import.upload_path else None
    options = case_import.options
    writer = ProgressWriter(case_import)
    try:
        writer(PHASE_VALIDATE, 0, None)
        if path is None or not path.is_file():
            _fail(case_import, "上传的文件已不存在，未导入。请重新上传。")
        elif case_import.actor is None:
            _fail(case_import, "导入人不存在，未导入。")
        else:
            import_file(
                path,
                actor=case_import.actor,
                dry_run=bool(options.get("dry_run")),
                skip_invalid=bool(options.get("skip_invalid")),
                force=bool(options.get("force")),
                sheet=options.get("sheet") or None,
                progress=writer,
                case_import=case_import,
            )
    except ImportRefused:
        pass  # the record says why; nothing was written
    except PermissionDenied as exc:
        _fail(case_import, str(exc) or "您无权导入案件。")
    except zipfile.BadZipFile:
        _fail(case_import, UNREADABLE_XLSX)
    except UnicodeDecodeError as exc:
        _fail(
            case_import,
            f"无法读取文件：第 {exc.start + 1} 字节附近的文字编码无法识别（应为 UTF-8 或 GB18030）。",
        )
    except Exception:
        logger.exception("case import %s failed", import_id)
        _fail(case_import, SYSTEM_ERROR)
    except BaseException:  # the worker was told to stop at once (a second Ctrl+C / SIGTERM)
        _fail(case_import, INTERRUPTED)
        raise
    finally:
        writer.close()
        if path is not None:
            path.unlink(missing_ok=True)
        CaseImport.objects.filter(pk=import_id).update(
            upload_path="", progress_phase=PHASE_FINISHED, progress_done=F("rows"), progress_total=F("rows")
        )
    return str(CaseImport.objects.values_list("state", flat=True).get(pk=import_id))


def _fail(case_import: CaseImport, reason: str) -> None:
    """Mark a record refused for a reason outside the file (the merge, if it began, was rolled
    back; staged rows are dropped)."""
    CaseStage.objects.filter(case_import_id=case_import.pk).delete()
    # a failure after the merge committed (cleaning up) leaves the imported record as it is
    finished = [CaseImport.State.DONE, CaseImport.State.DRY_RUN]
    CaseImport.objects.filter(pk=case_import.pk).exclude(state__in=finished).update(
        state=CaseImport.State.REFUSED,
        errors=[{"line": 0, "column": "", "value": "", "reason": reason}],
        finished_at=timezone.now(),
    )


class ProgressWriter:
    """The importer's ``progress(phase, done, total)`` callback, writing the record's progress
    columns where another connection can read them, at most every ``interval`` seconds per
    phase. It also sets them on the record object, so the importer's own saves keep them."""

    def __init__(self, case_import: CaseImport, *, interval: float = 0.5) -> None:
        self.case_import = case_import
        self.interval = interval
        self._phase = ""
        self._last = 0.0
        self._side: BaseDatabaseWrapper | None = None
        self._side_failed = False

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        ci = self.case_import
        ci.progress_phase, ci.progress_done, ci.progress_total = phase, done, total
        now = time.monotonic()
        if phase == self._phase and now - self._last < self.interval:
            return
        self._phase, self._last = phase, now
        self.write(phase, done, total)

    def write(self, phase: str, done: int, total: int | None) -> None:
        conn: BaseDatabaseWrapper = connection
        if conn.in_atomic_block:
            # Inside the import's transaction a write on this connection would stay invisible
            # until the commit. PostgreSQL: a second connection. SQLite: its only write lock is
            # held by the merge, so skip (the page shows 写入中 without a percentage).
            if conn.vendor != "postgresql":
                return
            side = self._side_connection()
            if side is None:
                return
            conn = side
        table = conn.ops.quote_name(CaseImport._meta.db_table)
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress_phase = %s, progress_done = %s, progress_total = %s "  # noqa: S608
                    "WHERE id = %s",
                    [phase, done, total, self.case_import.pk],
                )
        except DatabaseError:
            if conn is connection:
                raise
            logger.warning("import %s: progress not written", self.case_import.pk, exc_info=True)

    def _side_connection(self) -> BaseDatabaseWrapper | None:
        if self._side is None and not self._side_failed:
            try:
                side = connections.create_connection(DEFAULT_DB_ALIAS)
                side.ensure_connection()
                with side.cursor() as cursor:
                    # never wait on a lock the import's own transaction might hold
                    cursor.execute("SET lock_timeout = '2s'")
                self._side = side
            except DatabaseError:
                logger.warning("import %s: no second connection for progress", self.case_import.pk)
                self._side_failed = True
        return self._side

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None
