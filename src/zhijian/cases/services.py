"""The case import: one service behind the CLI and the upload page's background job.

Every row is read and validated in a reading thread (``_Reader``): every bad row reported, rows
of courts the importer may not write and repeated case numbers refused, the due-date columns
computed by the legal clock (``RuleBook.limit_fast`` / ``handler_fast``: they depend on the row
alone). Good rows go, already encoded for the database, into TEMP staging tables
(``staging.py``: ``COPY`` on PostgreSQL, ``executemany`` on SQLite), and a set-based merge writes
them in **one transaction**: upsert by case number, never overwriting a case that came from a
later export (by 数据截至日期, else the import date) unless ``force``; handlers as persons;
parties replaced. Atomic by default: one invalid row and nothing is written, every bad row
reported; ``skip_invalid`` writes the valid rows and records the rejected ones (audited);
``dry_run`` runs the merge and rolls it back, so its counts are exact.

The schedule differs by database (docs/cases.md, "The import"):

* **PostgreSQL** merges each chunk of staged rows while the reading thread validates the next,
  inside the one transaction that began with the first chunk (the server works on the other
  core). A file that turns out to have an invalid row is rolled back whole.
* **SQLite** stages the whole file first (the TEMP database only: no lock on the cases) and
  merges once every row is valid, so the database's single write lock is held only for the
  merge, and never for a file that is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import queue
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from zhijian.audit.services import record
from zhijian.legaltime.calendar import BusinessCalendar
from zhijian.legaltime.services import get_calendar
from zhijian.org.models import Court, Person, User
from zhijian.org.scoping import is_read_only, writable_court_ids

from .aliases import column_alias_table, status_alias_table
from .dues import RuleBook
from .flags import mark_corrections
from .models import CaseExtension, CaseImport, CaseStage, CaseSuspension, EnforcementCase
from .numbers import _CANONICAL, FIRST_YEAR, related_number
from .recompute import recompute_cases
from .rows import (
    NON_LITIGATION_WORDS,
    PARTY_SEPARATORS,
    HeaderMap,
    RowError,
    _text,
    map_headers,
    read_table,
    validate_case_row,
)
from .staging import CaseEncoder, DirectLayout, Staging, max_length
from .values import parse_amount, parse_date, parse_status

CHUNK = 25_000  # staged rows per chunk (PostgreSQL merges chunk by chunk)
SQLITE_CHUNK = 10_000  # SQLite only stages them (smaller: less Python memory in flight)
SWITCH_INTERVAL = 0.0005  # seconds (sys.setswitchinterval) while the reading thread runs
MAX_STORED_ERRORS = 5000
PERSON_ID_BATCH = 256  # person ids a first load takes from the sequence at a time
# PostgreSQL: one import merges at a time (the counts are taken before the writes)
IMPORT_LOCK = 0x7A6A_0001
CASE_FIELDS = (
    "filed_on",
    "status",
    "concluded_on",
    "conclusion_method",
    "amount_applied",
    "amount_recovered",
    "non_litigation",
    "original_number",
    "extension_days",
    "extension_approved_on",
    "anomalies",
)


Progress = Callable[[str, int, int | None], None]
# the reader's fast path (``_Reader._quick``): the fields it reads, in this order
_FAST_FIELDS = (
    "number", "filed_on", "handler", "status", "concluded_on", "conclusion_method", "amount_applied",
    "amount_recovered", "applicants", "respondents", "basis_type", "original_number", "extension_days",
    "extension_approved_on", "data_as_of", "applicant_ids", "applicant_phones", "respondent_ids",
    "respondent_phones",
)  # fmt: skip
_PLAIN_CENTS = re.compile(r"(?:0|[1-9][0-9]*)\.[0-9]{2}")  # an amount exactly as Django writes it
_SEPARATOR = re.compile(f"[{''.join(PARTY_SEPARATORS)}]")
_MEMO_LIMIT = 100_000  # distinct cell texts memoised per kind (dates, statuses, 执行依据类型)
_BAD = object()


class ImportRefused(Exception):
    def __init__(self, case_import: CaseImport) -> None:
        super().__init__(f"导入被拒绝：{case_import.rejected} 行有错误")
        self.case_import = case_import


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _importable_courts(actor: User | None) -> dict[str, Court]:
    courts = Court.objects.all()
    if actor is not None and not actor.is_superuser:
        if is_read_only(actor):
            raise PermissionDenied("只读账号不能导入案件。")
        courts = courts.filter(pk__in=writable_court_ids(actor))
    return {c.code: c for c in courts}


def import_cases(
    path: Path,
    *,
    actor: User | None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    force: bool = False,
    sheet: str | None = None,
    progress: Progress | None = None,
    case_import: CaseImport | None = None,
) -> CaseImport:
    """Import one export file. Raises ``ImportRefused`` (with the record) when the file is
    refused; returns the import record otherwise. ``progress(phase, done, total)`` is called
    now and then, always from the calling thread (phase "validate": rows read, total unknown;
    "merge": rows merged of total).
    ``case_import``: a record created beforehand (the upload page's background job, see
    ``uploads.py``) to fill instead of a new one; its file name, actor and court are kept."""
    courts = _importable_courts(actor)
    known = dict(Court.objects.values_list("code", "name"))
    options = {"dry_run": dry_run, "skip_invalid": skip_invalid, "force": force, "sheet": sheet}
    if case_import is None:
        case_import = CaseImport.objects.create(
            file_name=path.name,
            sha256=_sha256(path),
            actor=actor,
            court=actor.court if actor else None,
            options=options,
        )
    else:
        case_import.sha256 = case_import.sha256 or _sha256(path)
        case_import.options = {**case_import.options, **options}
        case_import.state = CaseImport.State.VALIDATING
        case_import.save()
    try:
        headers, header_row, data = _table(path, sheet=sheet, aliases=column_alias_table())
    except (ValueError, OSError, KeyError) as exc:
        return _finish_refused(case_import, [RowError(0, "", "", f"无法读取文件：{exc}")], rows=0)
    if headers.missing:
        return _finish_refused(
            case_import, [RowError(1, "", "", f"缺少必需的列：{'、'.join(headers.missing)}")], rows=0
        )
    case_import.unknown_columns = headers.unknown

    book, calendar = RuleBook(), get_calendar()
    reader = _Reader(
        data,
        headers,
        header_row,
        fast=path.suffix.lower() not in (".xlsx", ".xlsm"),  # CSV: every cell a str
        known=known,
        courts={code: c.pk for code, c in courts.items()},
        current_year=timezone.localdate().year,
        statuses=status_alias_table(),  # the 案件状态 aliases in effect (defaults + additions)
        encoder=CaseEncoder.for_vendor(connection.vendor),
        book=book,
        calendar=calendar,
        import_date=case_import.started_at.date(),
        keep_after_error=skip_invalid,
    )
    merge = _Merge(
        case_import,
        actor=actor,
        force=force,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        book=book,
        calendar=calendar,
    )
    stage = Staging()
    stage.create()
    switch_interval = sys.getswitchinterval()
    try:
        # The reading thread is busy in Python the whole time; with the default 5 ms switch
        # interval every database round trip of this thread would wait for the GIL that long.
        sys.setswitchinterval(SWITCH_INTERVAL)
        refused = (merge.streaming if stage.pg else merge.staged)(reader, stage, progress)
    except BaseException:
        reader.close()
        with contextlib.suppress(Exception):  # the original error matters, not the clean-up's
            stage.drop()
        raise
    finally:
        sys.setswitchinterval(switch_interval)
    reader.close()
    stage.drop()
    if refused is not None:
        merge.record_reading(reader)
        return _finish_refused(case_import, refused, rows=reader.rows)
    return case_import


def _table(
    path: Path, *, sheet: str | None, aliases: dict[str, list[str]]
) -> tuple[HeaderMap, list[str], Iterator[tuple[int, list[Any]]]]:
    """As ``rows.rows_of``, but the data rows stay lists of cells (the reader makes the dict
    ``rows_of`` would give only for a row that takes the full validation)."""
    table = read_table(path, sheet=sheet)
    try:
        _, header_cells = next(table)
    except StopIteration:
        raise ValueError("文件是空的，没有表头") from None
    header_row = [_text(h) for h in header_cells]
    return map_headers(header_row, aliases), header_row, table


def _finish_refused(case_import: CaseImport, errors: list[RowError], *, rows: int) -> CaseImport:
    CaseStage.objects.filter(case_import=case_import).delete()  # rows of imports before the TEMP tables
    case_import.state = CaseImport.State.REFUSED
    case_import.rows = rows
    case_import.rejected = max(case_import.rejected, len({e.line for e in errors if e.line > 1}))
    case_import.errors = [e.__dict__ for e in errors[:MAX_STORED_ERRORS]]
    case_import.finished_at = timezone.now()
    case_import.save()
    raise ImportRefused(case_import)


# --- phase 1: the reading thread -------------------------------------------------------------


@dataclass
class _Chunk:
    rows: int  # rows read so far (the whole file, not this chunk)
    staged: int  # case rows in this chunk
    cases: Any  # packed for the database (CaseEncoder.pack)
    parties: Any
    handlers: set[tuple[int, str]]  # (court id, name) of this chunk's handlers
    failed: bool  # some row so far was invalid
    # a first load: the persons this chunk creates (id, court id, name), its last case id
    persons: list[tuple[int, int, str]] = field(default_factory=list)
    last_id: int = 0


_DONE = object()
_NEED_PERSON_IDS = object()  # the reading thread asks the calling thread for person ids


class _Stopped(Exception):
    pass


class _Reader:
    """Reads, validates and encodes the rows in a thread of its own, so that the database (a
    server process, or SQLite with the GIL released) works on the other core; hands chunks
    over through a small queue (memory stays flat). Touches no database: the connection
    belongs to the calling thread."""

    def __init__(
        self,
        data: Iterator[tuple[int, list[Any]]],
        headers: HeaderMap,
        header_row: list[str],
        *,
        fast: bool,
        known: dict[str, str],
        courts: dict[str, int],
        current_year: int,
        statuses: dict[str, str],
        encoder: CaseEncoder,
        book: RuleBook,
        calendar: BusinessCalendar,
        import_date: dt.date,
        keep_after_error: bool,
    ) -> None:
        self.keep_after_error = keep_after_error  # skip_invalid: stage the good rows after a bad one
        self.data, self.headers, self.known, self.courts = data, headers, known, courts
        self.header_row, self.fast = header_row, fast
        self.current_year, self.statuses, self.encoder = current_year, statuses, encoder
        self.book, self.calendar, self.import_date = book, calendar, import_date
        self.rows = self.rejected = 0
        self.errors: list[RowError] = []
        self.latest_as_of: dt.date | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        # a first load (``direct``): rows for the tables themselves, persons numbered here from
        # ids the calling thread takes from the sequence (``person_ids``, answered in ``chunks``)
        self.direct: DirectLayout | None = None
        self.person_ids: Callable[[int], list[int]] | None = None
        self._pool: list[int] = []
        self._replies: queue.Queue[list[int]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="case-import-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def chunks(self) -> Iterator[_Chunk]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if item is _NEED_PERSON_IDS:
                assert self.person_ids is not None
                self._replies.put(self.person_ids(PERSON_ID_BATCH))
                continue
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        if self._thread.ident is None:
            return  # never started
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def _person_id(self) -> int:
        """A new person's id (reading thread): from the pool, refilled by the calling thread."""
        if not self._pool:
            if not self._put(_NEED_PERSON_IDS):
                raise _Stopped
            while not self._pool:
                if self._stop.is_set():
                    raise _Stopped
                with contextlib.suppress(queue.Empty):
                    self._pool = self._replies.get(timeout=0.1)
        return self._pool.pop(0)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def _run(self) -> None:
        try:
            for chunk in self._read():
                if not self._put(chunk):
                    return
            self._put(_DONE)
        except _Stopped:
            return
        except BaseException as exc:  # handed to the calling thread, which raises it
            self._put(exc)

    def _dues(
        self,
        filed_on: dt.date,
        type_code: str,
        non_litigation: bool,
        extension_days: int,
        has_handler: bool,
        approved_on: dt.date | None,
    ) -> Any:
        """The due-date columns as the merge used to set them case by case: the time limit and
        the handler check from the case file alone (cases with events are recomputed after the
        merge). They depend on these six values only, so the reader memoises them."""
        rule, due, provisional = self.book.limit_fast(
            self.calendar, filed_on, type_code, non_litigation, extension_days, approved_on
        )
        handler_due, handler_done, p2 = self.book.handler_fast(
            self.calendar, filed_on, type_code, has_handler, non_litigation
        )
        return self.encoder.dues(rule, due, provisional or p2, handler_due, handler_done)

    def _quick(self) -> Callable[[list[Any]], tuple[Any, ...] | None]:
        """The fast path of ``validate_case_row`` for a CSV row whose every cell is in its
        common, well-formed form: canonical case number of a known court, ISO dates (any date
        ``parse_date`` takes, memoised), plain amounts, a known status, parties without
        separators or with them (then ``rows``' own splitting). Returns the row's values, or
        None for a row outside these forms, which then takes the full validation — so a fast
        row's values are exactly the full path's (tests compare them on generated files).
        The cells are read by position: the last column of each header, as the dict
        ``rows_of`` builds keeps it; a field without a column reads the empty cell the caller
        appends at the end of the row."""
        enc, headers, known, current_year = self.encoder, self.headers, self.known, self.current_year
        statuses = self.statuses
        position = {h: i for i, h in enumerate(self.header_row)}  # the last column of a header
        width = len(self.header_row)
        columns = headers.columns
        cells_of = itemgetter(*(position[columns[f]] if f in columns else width for f in _FAST_FIELDS))
        scale_applied = headers.scales.get("amount_applied", Decimal(1))
        scale_recovered = headers.scales.get("amount_recovered", Decimal(1))
        plain = scale_applied == 1 and scale_recovered == 1
        canonical, plain_amount = _CANONICAL.fullmatch, _PLAIN_CENTS.fullmatch
        separated, split = _SEPARATOR.search, _SEPARATOR.split  # (split: as rows' translate + split)
        encode_date, encode_amount = enc.date, enc.amount
        dates: dict[str, tuple[dt.date | None, Any]] = {}
        status_of: dict[str, str] = {}
        non_litigation_of: dict[str, bool] = {}
        date_of, status_get, basis_get = dates.get, status_of.get, non_litigation_of.get

        def day(text: str) -> tuple[dt.date | None, Any] | None:
            try:
                value = parse_date(text)
            except ValueError:
                return None
            hit = (value, encode_date(value))
            if len(dates) < _MEMO_LIMIT:
                dates[text] = hit
            return hit

        def money(text: str, scale: Decimal) -> Any:
            try:
                value = parse_amount(text, scale)
            except ValueError:
                return _BAD
            return encode_amount(None if value is None else str(value))

        def parties(text: str) -> list[str]:  # as rows._parties (a str cell)
            value = text.strip()
            if not separated(value):
                return [value] if value else []
            return [p for p in map(str.strip, split(value)) if p]

        def aligned(text: str) -> list[str]:  # as rows._aligned (a str cell)
            value = text.strip()
            if not value:
                return []
            if not separated(value):
                return [value[:30]]
            return [p.strip()[:30] for p in split(value)]

        def quick(cells: list[Any]) -> tuple[Any, ...] | None:
            (number_t, filed_t, handler_t, status_t, concluded_t, method_t, applied_t, recovered_t,
             applicants_t, respondents_t, basis_t, original_t, extension_t, approved_t, as_of_t,
             applicant_ids_t, applicant_phones_t, respondent_ids_t, respondent_phones_t) = cells_of(cells)  # fmt: skip
            number = number_t.strip()
            match = canonical(number)
            if match is None:
                return None
            year, court_code, seq_text = int(match[1]), match[2], match[4]
            if not FIRST_YEAR <= year <= current_year or court_code not in known or seq_text[0] == "0":
                return None  # (a leading zero: the normalised number differs from the text)
            filed = date_of(filed_t) or day(filed_t)
            concluded = date_of(concluded_t) or day(concluded_t)
            approved = date_of(approved_t) or day(approved_t)
            as_of = date_of(as_of_t) or day(as_of_t)
            if filed is None or concluded is None or approved is None or as_of is None:
                return None
            filed_on = filed[0]
            if filed_on is None or filed_on.year != year:
                return None
            status = status_get(status_t)
            if status is None:
                try:
                    status = parse_status(status_t, statuses)
                except ValueError:
                    return None
                if len(status_of) < _MEMO_LIMIT:
                    status_of[status_t] = status
            applied = applied_t if plain and plain_amount(applied_t) else money(applied_t, scale_applied)
            recovered = (
                recovered_t if plain and plain_amount(recovered_t) else money(recovered_t, scale_recovered)
            )
            if applied is _BAD or recovered is _BAD:
                return None
            extension = extension_t.strip()
            extension_days = 0
            if extension:
                if not (extension.isascii() and extension.isdigit()):
                    return None
                extension_days = int(extension)
                if extension_days > 3650:
                    return None
            original = original_t.strip()
            if original:
                original = related_number(original, known_courts=known, current_year=current_year)
            non_litigation = basis_get(basis_t)
            if non_litigation is None:
                basis = basis_t.strip()
                non_litigation = any(word in basis for word in NON_LITIGATION_WORDS)
                if len(non_litigation_of) < _MEMO_LIMIT:
                    non_litigation_of[basis_t] = non_litigation
            method = method_t.strip()
            concluded_on = concluded[0]
            anomalies: list[str] = []
            if concluded_on is not None:
                if status == "open":
                    anomalies.append("案件未结却有结案日期")
                if concluded_on < filed_on:
                    anomalies.append("结案日期早于立案日期")
                if "终结本次" in method and (concluded_on - filed_on).days < 90:
                    anomalies.append("立案不满3个月即终结本次执行程序（终本规定第一条第（四）项）")
            elif status == "concluded":
                anomalies.append("已结案但缺少结案日期")
            return (
                number, court_code, year, match[3], int(seq_text), filed_on, filed[1], handler_t.strip(), status, concluded[1], method, applied, recovered,
                non_litigation, original, extension_days, approved[0], approved[1], as_of[0], anomalies,
                parties(applicants_t) if applicants_t else [],
                aligned(applicant_ids_t) if applicant_ids_t else [],
                aligned(applicant_phones_t) if applicant_phones_t else [],
                parties(respondents_t) if respondents_t else [],
                aligned(respondent_ids_t) if respondent_ids_t else [],
                aligned(respondent_phones_t) if respondent_phones_t else [],
            )  # fmt: skip

        return quick

    def _read(self) -> Iterator[_Chunk]:
        enc, headers, courts = self.encoder, self.headers, self.courts
        encode_case, encode_parties, validate = enc.case, enc.parties, validate_case_row
        case_values, party_values, encode_date = enc.case_values, enc.party_values, enc.date
        known, current_year, statuses = self.known, self.current_year, self.statuses
        number_column = headers.columns["number"]
        chunk_size = CHUNK if enc.pg else min(CHUNK, SQLITE_CHUNK)
        handler_max = max_length(Person, "name")
        header_row, width = self.header_row, len(self.header_row)
        quick = self._quick() if self.fast else None
        direct = self.direct
        next_id = direct.first_id if direct else 0
        persons = dict(direct.persons) if direct else {}
        case_tail = direct.case_tail if direct else ""
        new_persons: list[tuple[int, int, str]] = []
        seen: dict[str, int] = {}
        dues: dict[tuple[Any, ...], Any] = {}
        cases: list[Any] = []
        parties: list[Any] = []
        handlers: set[tuple[int, str]] = set()
        party_n = 0
        last_as_of: tuple[Any, Any] = (_DONE, None)  # (data_as_of, encoded), the last one seen
        since = 0  # rows read since the last chunk
        for line, cells in self.data:
            first = cells[0] if cells else None
            if not (first.__class__ is str and first.strip()) and not any(_text(c) for c in cells):
                continue  # a blank row (skipped, as rows_of skips it)
            since += 1
            self.rows += 1
            values = None
            if quick is not None and len(cells) == width:
                cells.append("")  # what a field without a column reads
                values = quick(cells)
                cells.pop()
            row = None
            row_errors: list[RowError] = []
            if values is not None:
                number, court_code, type_code, filed_on = values[0], values[1], values[3], values[5]
                handler, non_litigation, extension_days = values[7][:handler_max], values[13], values[15]
                approved_on, as_of = values[16], values[18]
            else:
                row, row_errors = validate(
                    line,
                    dict(zip(header_row, cells, strict=False)),
                    headers,
                    known_courts=known,
                    current_year=current_year,
                    status_aliases=statuses,
                )
                if row is None:
                    number = ""
                else:
                    number, court_code, type_code = (
                        row.number.normalized,
                        row.number.court_code,
                        row.number.type_code,
                    )
                    filed_on, handler, non_litigation = (
                        row.filed_on,
                        row.handler[:handler_max],
                        row.non_litigation,
                    )
                    extension_days, approved_on, as_of = (
                        row.extension_days,
                        row.extension_approved_on,
                        row.data_as_of,
                    )
            if number:
                court_id = courts.get(court_code)
                if court_id is None:
                    row_errors = [RowError(line, number_column, number, "您无权导入该法院的案件。")]
                elif number in seen:
                    row_errors = [
                        RowError(line, number_column, number, f"与第 {seen[number]} 行的案号重复。")
                    ]
                elif self.rejected and not self.keep_after_error:
                    seen[number] = line  # refused in the end: only the errors matter now
                else:
                    seen[number] = line
                    if as_of != last_as_of[0]:
                        if as_of and (self.latest_as_of is None or as_of > self.latest_as_of):
                            self.latest_as_of = as_of
                        last_as_of = (as_of, encode_date(as_of or self.import_date))
                    key = (
                        filed_on,
                        type_code,
                        non_litigation,
                        extension_days,
                        bool(handler),
                        approved_on if extension_days else None,
                    )
                    due = dues.get(key)
                    if due is None:
                        due = dues[key] = self._dues(*key)
                    # staged: the file's line, the number and the handler's name; on a first load
                    # the case's id, its handler's person and the columns of the table itself
                    ref: Any = line
                    handler_ref, party_ref = handler, number
                    if direct is not None:
                        ref = party_ref = next_id
                        next_id += 1
                        ambiguous = False
                        if handler:
                            person = persons.get((court_id, handler))
                            if person is None:
                                person = persons[(court_id, handler)] = (self._person_id(), False)
                                new_persons.append((person[0], court_id, handler))
                            handler_ref, ambiguous = str(person[0]), person[1]
                        else:
                            handler_ref = "\\N"
                        due = f"{due}\t{'t' if ambiguous else 'f'}{case_tail}"
                    if values is not None:
                        v = values
                        cases.append(
                            case_values(
                                ref,
                                number,
                                court_id,
                                v[2],
                                type_code,
                                v[4],
                                v[6],
                                handler_ref,
                                v[8],
                                v[9],
                                v[10],
                                v[11],
                                v[12],
                                non_litigation,
                                v[14],
                                extension_days,
                                v[17],
                                last_as_of[1],
                                v[19],
                                due,
                            )  # fmt: skip
                        )
                        party_n = party_values(
                            parties, party_n, party_ref, v[20], v[21], v[22], v[23], v[24], v[25]
                        )
                    else:
                        assert row is not None
                        cases.append(encode_case(ref, number, court_id, row, handler_ref, last_as_of[1], due))
                        party_n = encode_parties(parties, party_n, party_ref, row)
                    if handler:
                        handlers.add((court_id, handler))
            if row_errors:
                self.rejected += 1
                if len(self.errors) < MAX_STORED_ERRORS:
                    self.errors.extend(row_errors)
            if len(cases) >= chunk_size or since >= chunk_size:
                yield _Chunk(
                    self.rows, len(cases), enc.pack(cases), enc.pack(parties), handlers, bool(self.rejected),
                    new_persons, next_id - 1,
                )  # fmt: skip
                cases, parties, handlers, since, new_persons = [], [], set(), 0, []
        yield _Chunk(
            self.rows, len(cases), enc.pack(cases), enc.pack(parties), handlers, bool(self.rejected),
            new_persons, next_id - 1,
        )  # fmt: skip


# --- phase 2: the merge ----------------------------------------------------------------------


@dataclass
class _Merge:
    case_import: CaseImport
    actor: User | None
    force: bool
    dry_run: bool
    skip_invalid: bool
    book: RuleBook  # the rule table and calendar the due dates were computed with
    calendar: BusinessCalendar
    counts: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0, "skipped_older": 0}
    )

    def _refusal(self, reader: _Reader) -> list[RowError] | None:
        errors = list(reader.errors)
        if reader.rows == 0:
            errors.append(RowError(0, "", "", "文件中没有数据行。"))
        if errors and (not self.skip_invalid or reader.rows == 0):
            return errors
        return None

    def _merge_staged(self, stage: Staging, staged: int) -> None:
        ci = self.case_import
        for name, value in stage.merge(
            import_id=ci.pk, now=timezone.now(), force=self.force, staged=staged
        ).items():
            self.counts[name] += value

    def streaming(self, reader: _Reader, stage: Staging, progress: Progress | None) -> list[RowError] | None:
        """PostgreSQL: merge chunk by chunk while the next is read, all in one transaction."""
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
                # foreign keys checked with each chunk, while its rows are in the buffer cache,
                # not all at the commit
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # an empty case table: the rows go straight into the tables, without the indexes,
            # which are built once at the end (staging.Staging.begin_first_load, direct_layout)
            direct = stage.begin_first_load()
            if direct:
                reader.direct = stage.direct_layout(import_id=self.case_import.pk, now=timezone.now())
                reader.person_ids = stage.person_ids
                reader.encoder.direct = True
                reader.encoder.party_tail = reader.direct.party_tail
            reader.start()
            merged = 0
            for chunk in reader.chunks():
                if progress is not None:
                    progress("validate", chunk.rows, None)
                if chunk.failed and not self.skip_invalid:
                    continue  # refused in the end: read on for every error, write nothing
                if direct:
                    stage.load_direct(chunk.cases, chunk.parties, chunk.persons, chunk.last_id)
                    self.counts["created"] += chunk.staged
                    merged += chunk.staged
                elif chunk.staged:
                    stage.load(chunk.cases, chunk.parties)
                    stage.resolve_handlers(chunk.handlers)
                    self._merge_staged(stage, chunk.staged)
                    stage.clear()
                    merged += chunk.staged
            refused = self._refusal(reader)
            if refused is not None:
                transaction.set_rollback(True)
                return refused
            if direct:
                stage.finish_direct()
            stage.end_first_load()
            self.record_reading(reader)
            if progress is not None:
                progress("merge", merged, merged)
            self._finish()
        self._after()
        return None

    def staged(self, reader: _Reader, stage: Staging, progress: Progress | None) -> list[RowError] | None:
        """SQLite: stage everything (TEMP database only), then merge in one transaction."""
        reader.start()
        staged = 0
        handlers: set[tuple[int, str]] = set()
        for chunk in reader.chunks():
            if progress is not None:
                progress("validate", chunk.rows, None)
            if chunk.failed and not self.skip_invalid:
                continue
            stage.load(chunk.cases, chunk.parties)
            handlers |= chunk.handlers
            staged += chunk.staged
        refused = self._refusal(reader)
        if refused is not None:
            return refused
        self.record_reading(reader)
        self.case_import.state = CaseImport.State.MERGING
        self.case_import.save()
        if progress is not None:
            progress("merge", 0, staged)
        with transaction.atomic():
            stage.resolve_handlers(handlers)
            if staged:
                self._merge_staged(stage, staged)
            if progress is not None:
                progress("merge", staged, staged)
            self._finish()
        self._after()
        return None

    def record_reading(self, reader: _Reader) -> None:
        ci = self.case_import
        ci.rows, ci.rejected, ci.data_as_of = reader.rows, reader.rejected, reader.latest_as_of
        ci.errors = [e.__dict__ for e in reader.errors[:MAX_STORED_ERRORS]]

    def _finish(self) -> None:
        """Inside the transaction, after the last merge: full due dates where events exist,
        复议纠错 flags, the record and its audit event (or the rollback of a dry run)."""
        ci = self.case_import
        written = EnforcementCase.objects.filter(last_import=ci)
        if get_calendar().stamp != self.calendar.stamp or RuleBook().versions != self.book.versions:
            # the legal clock changed while the file was read: recompute what was written
            recompute_cases(written)
        elif self.counts["updated"]:
            # cases with imported events, suspensions or extensions: the full computation (a
            # case created by this import has none)
            recompute_cases(
                written.filter(
                    Q(events_as_of__isnull=False)
                    | Exists(CaseSuspension.objects.filter(case=OuterRef("pk")))
                    | Exists(CaseExtension.objects.filter(case=OuterRef("pk")))
                )
            )
        mark_corrections()
        for name, value in self.counts.items():
            setattr(ci, name, value)
        ci.state = CaseImport.State.DRY_RUN if self.dry_run else CaseImport.State.DONE
        ci.finished_at = timezone.now()
        if self.dry_run:
            transaction.set_rollback(True)
            return
        record(
            "cases.import",
            actor=self.actor,
            target=ci,
            after={
                "file": ci.file_name,
                "sha256": ci.sha256,
                "rows": ci.rows,
                **self.counts,
                "rejected": ci.rejected,
                "skip_invalid": self.skip_invalid,
                "force": self.force,
            },
        )
        ci.save()

    def _after(self) -> None:
        if self.dry_run:  # the record's save was rolled back with the merge
            self.case_import.save()
