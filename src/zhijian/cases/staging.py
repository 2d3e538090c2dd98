"""The case import's province-scale path: typed staging tables and the set-based merge.

``services.import_cases`` validates rows in a reading thread and hands them here in chunks,
already encoded for the database (``CaseEncoder``), due dates included. This module:

* **stages** them in three ``TEMP`` tables of the import's connection — the case rows (typed
  columns), their parties, and the handler names with the person each resolves to. PostgreSQL
  loads with ``COPY … FROM STDIN`` (text format), SQLite with ``executemany``. TEMP tables are
  private to the connection and disappear with it, so an import that is killed leaves nothing
  behind and nothing to clean up;
* **merges** whatever is staged with a handful of statements, never a Python loop over rows:
  count the matches and the older-than-stored rows, ``UPDATE … FROM`` the cases that are newer
  (or forced) *and* differ, delete the parties of the updated cases, ``INSERT … SELECT`` the
  new cases, insert the parties of every case written. The caller runs every merge of one import
  inside one transaction.

Handlers become ``org.Person`` rows by (court, name): a missing person is created; of several
persons with the same court and name the oldest is taken and the case flagged
``handler_ambiguous``. A case whose handler already is a person of that court with that name
keeps it (and its flag): administrators' merges and splits of namesakes survive a re-import.

Values are written exactly as Django writes them (dates as ISO text and decimals as text on
SQLite, ``json.dumps`` for the anomalies), so stored and staged values compare exactly and a
re-import of the same file finds every case unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED

from zhijian.org.models import Person

from .dues import NODE_FIELDS
from .models import CaseParty, EnforcementCase
from .rows import CaseRow

STAGE_CASES = "zj_import_case"
STAGE_PARTIES = "zj_import_party"
STAGE_HANDLERS = "zj_import_handler"
PERSON_NOTE = "导入案件时自动建立"
# SQLite page caches during an import (KiB): the case table's indexes, the staged rows
SQLITE_CACHE_KIB = 256 * 1024
SQLITE_TEMP_CACHE_KIB = 64 * 1024
# PostgreSQL: maintenance_work_mem while a first load builds its indexes back
FIRST_LOAD_SORT_MEMORY = "256MB"

# staged case columns, in the order CaseEncoder writes them; a type from the case field of the
# same name unless given (PostgreSQL, SQLite)
CASE_COLUMNS: tuple[tuple[str, tuple[str, str] | None], ...] = (
    ("line", ("integer", "integer")),
    ("number", None),
    ("court_id", None),
    ("year", None),
    ("type_code", None),
    ("seq", ("bigint", "integer")),
    ("filed_on", None),
    ("handler", ("text", "text")),
    ("status", None),
    ("concluded_on", None),
    ("conclusion_method", None),
    ("amount_applied", None),
    ("amount_recovered", None),
    ("non_litigation", None),
    ("original_number", None),
    ("extension_days", None),
    ("extension_approved_on", None),
    ("data_as_of", None),
    ("anomalies", None),
    ("limit_rule", None),
    ("limit_due", None),
    ("limit_provisional", None),
    ("handler_due", None),
    ("handler_done", None),
)
PARTY_COLUMNS = ("n", "number", "role", "name", "position", "id_number", "phone")
# case columns the merge copies from the staging table as they are
COPIED = (
    "filed_on", "status", "concluded_on", "conclusion_method", "amount_applied", "amount_recovered",
    "non_litigation", "original_number", "extension_days", "extension_approved_on", "anomalies",
    "data_as_of", "limit_rule", "limit_due", "limit_provisional", "handler_due", "handler_done",
)  # fmt: skip
# compared to decide "unchanged" (besides the handler); data_as_of is not: a newer export with
# the same content leaves the case as it is
COMPARED = (
    "filed_on", "status", "concluded_on", "conclusion_method", "amount_applied", "amount_recovered",
    "non_litigation", "original_number", "extension_days", "extension_approved_on", "anomalies",
)  # fmt: skip
NULLABLE = frozenset({"concluded_on", "amount_applied", "amount_recovered", "extension_approved_on"})
# due-date columns the case file never gives: emptied when a case is written (cases with events
# are recomputed in full after the merge)
EMPTIED = ("suspended_since", *(f for f in NODE_FIELDS if f not in ("handler_due", "handler_done")))

_field = EnforcementCase._meta.get_field


@dataclass
class DirectLayout:
    """What the reading thread needs to encode a first load's rows for the tables themselves."""

    first_id: int  # the first case's id; the next ones follow
    case_tail: str  # the columns every case row ends with (COPY text, after handler_ambiguous)
    party_tail: str
    persons: dict[tuple[int, str], tuple[int, bool]]  # (court, name) → (person, ambiguous)


def _copy_text(value: Any) -> str:
    """A constant column value as COPY text."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, str):
        return PgEncoder.text(value)
    raise TypeError(f"no COPY text for {value!r}")


def max_length(model: type[Model], name: str) -> int:
    return int(getattr(model._meta.get_field(name), "max_length", 0) or 0)


# --- encoding (in the reading thread) --------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


class CaseEncoder(ABC):
    """Turns a validated row into staged rows for one database. The reading thread does all
    the formatting; the connection's thread only ships the packed chunk. ``for_vendor`` picks
    the subclass: lines of COPY text (PostgreSQL) or tuples for ``executemany`` (SQLite)."""

    pg = False
    # PostgreSQL, a first load (``Staging.direct_layout``): rows for the tables themselves
    direct = False
    party_tail = ""

    def __init__(self) -> None:
        self.method_max = max_length(EnforcementCase, "conclusion_method")
        self.original_max = max_length(EnforcementCase, "original_number")
        self.name_max = max_length(CaseParty, "name")
        self.id_max = max_length(CaseParty, "id_number")
        self.phone_max = max_length(CaseParty, "phone")

    @staticmethod
    def for_vendor(vendor: str) -> CaseEncoder:
        return PgEncoder() if vendor == "postgresql" else SqliteEncoder()

    @abstractmethod
    def date(self, value: dt.date | None) -> Any: ...

    @abstractmethod
    def dues(
        self,
        rule: str,
        due: dt.date | None,
        provisional: bool,
        handler_due: dt.date | None,
        handler_done: dt.date | None,
    ) -> Any:
        """The due-date columns (memoised by the reader: they repeat)."""
        ...

    @abstractmethod
    def amount(self, value: str | None) -> Any:
        """An amount already as Django writes it (``str`` of the rounded ``Decimal``)."""
        ...

    def case(
        self, line: int, number: str, court_id: int, row: CaseRow, handler: str, as_of: Any, dues: Any
    ) -> Any:
        date, amount = self.date, self.amount
        cn = row.number
        applied, recovered = row.amount_applied, row.amount_recovered
        return self.case_values(
            line, number, court_id, cn.year, cn.type_code, cn.seq, row.filed_on.isoformat(), handler,
            row.status, date(row.concluded_on), row.conclusion_method,
            amount(None if applied is None else str(applied)), amount(None if recovered is None else str(recovered)),
            row.non_litigation, row.original_number, row.extension_days, date(row.extension_approved_on), as_of,
            row.anomalies, dues,
        )  # fmt: skip

    @abstractmethod
    def case_values(
        self,
        line: int,
        number: str,
        court_id: int,
        year: int,
        type_code: str,
        seq: int,
        filed_on: str,
        handler: str,
        status: str,
        concluded_on: Any,
        method: str,
        applied: Any,
        recovered: Any,
        non_litigation: bool,
        original: str,
        extension_days: int,
        approved_on: Any,
        as_of: Any,
        anomalies: list[str],
        dues: Any,
    ) -> Any:
        """One staged case row from its values; dates and amounts already encoded (``date``,
        ``amount``), the filing date as ISO text, free text not yet cut to its column."""
        ...

    def parties(self, out: list[Any], n: int, number: str, row: CaseRow) -> int:
        """Append the row's parties (applicants, then respondents, with the ID and phone number
        at the same position) to ``out``; ``n`` numbers them in file order. Returns the last."""
        return self.party_values(
            out, n, number, row.applicants, row.applicant_ids, row.applicant_phones,
            row.respondents, row.respondent_ids, row.respondent_phones,
        )  # fmt: skip

    def party_values(
        self,
        out: list[Any],
        n: int,
        number: str,
        applicants: list[str],
        applicant_ids: list[str],
        applicant_phones: list[str],
        respondents: list[str],
        respondent_ids: list[str],
        respondent_phones: list[str],
    ) -> int:
        for role, names, ids, phones in (
            ("applicant", applicants, applicant_ids, applicant_phones),
            ("respondent", respondents, respondent_ids, respondent_phones),
        ):
            for i, name in enumerate(names):
                n += 1
                out.append(
                    self.party(
                        n,
                        number,
                        role,
                        name,
                        i,
                        ids[i] if i < len(ids) else "",
                        phones[i] if i < len(phones) else "",
                    )
                )
        return n

    @abstractmethod
    def party(
        self, n: int, number: str, role: str, name: str, position: int, id_number: str, phone: str
    ) -> Any:
        """One staged party row (free text not yet cut to its column)."""
        ...

    @abstractmethod
    def pack(self, rows: list[Any]) -> Any: ...

    @staticmethod
    def anomalies(values: list[str]) -> str:
        # as Django's JSONField writes it (json.dumps, ASCII), so stored and staged compare
        return json.dumps(values) if values else "[]"


class PgEncoder(CaseEncoder):
    pg = True

    @staticmethod
    def text(value: str) -> str:
        return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value

    def date(self, value: dt.date | None) -> str:
        return "\\N" if value is None else value.isoformat()

    def dues(
        self,
        rule: str,
        due: dt.date | None,
        provisional: bool,
        handler_due: dt.date | None,
        handler_done: dt.date | None,
    ) -> str:
        date = self.date
        return (
            f"{rule}\t{date(due)}\t{'t' if provisional else 'f'}\t{date(handler_due)}\t{date(handler_done)}"
        )

    def amount(self, value: str | None) -> str:
        return "\\N" if value is None else value

    def case_values(
        self,
        line: int,
        number: str,
        court_id: int,
        year: int,
        type_code: str,
        seq: int,
        filed_on: str,
        handler: str,
        status: str,
        concluded_on: Any,
        method: str,
        applied: Any,
        recovered: Any,
        non_litigation: bool,
        original: str,
        extension_days: int,
        approved_on: Any,
        as_of: Any,
        anomalies: list[str],
        dues: Any,
    ) -> str:
        method, original = method[: self.method_max], original[: self.original_max]
        # the free text, escaped if need be (on a first load ``handler`` is the person's id or \N)
        if _COPY_SPECIAL.search(f"{'' if self.direct else handler}{method}{original}"):
            method, original = self.text(method), self.text(original)
            handler = handler if self.direct else self.text(handler)
        return (
            f"{line}\t{number}\t{court_id}\t{year}\t{type_code}\t{seq}\t{filed_on}\t"
            f"{handler}\t{status}\t{concluded_on}\t{method}\t{applied}\t{recovered}\t"
            f"{'t' if non_litigation else 'f'}\t{original}\t{extension_days}\t{approved_on}\t{as_of}\t"
            f"{self.text(self.anomalies(anomalies)) if anomalies else '[]'}\t{dues}\n"
        )

    def party_values(
        self,
        out: list[Any],
        n: int,
        number: Any,
        applicants: list[str],
        applicant_ids: list[str],
        applicant_phones: list[str],
        respondents: list[str],
        respondent_ids: list[str],
        respondent_phones: list[str],
    ) -> int:
        # CaseEncoder.party_values with ``party`` inlined for the common rows (one party of each
        # role, no ID or phone number, nothing to escape)
        if (
            len(applicants) == 1
            and len(respondents) == 1
            and not (applicant_ids or applicant_phones or respondent_ids or respondent_phones)
        ):
            a, r = applicants[0][: self.name_max], respondents[0][: self.name_max]
            if not _COPY_SPECIAL.search(f"{a}{r}"):
                if self.direct:
                    tail = f"\t0\t\t{self.party_tail}\n"
                    out.append(f"{number}\tapplicant\t{a}{tail}")
                    out.append(f"{number}\trespondent\t{r}{tail}")
                else:
                    out.append(f"{n + 1}\t{number}\tapplicant\t{a}\t0\t\t\n")
                    out.append(f"{n + 2}\t{number}\trespondent\t{r}\t0\t\t\n")
                return n + 2
        return super().party_values(
            out,
            n,
            number,
            applicants,
            applicant_ids,
            applicant_phones,
            respondents,
            respondent_ids,
            respondent_phones,
        )

    def party(
        self, n: int, number: str, role: str, name: str, position: int, id_number: str, phone: str
    ) -> str:
        name, id_number, phone = name[: self.name_max], id_number[: self.id_max], phone[: self.phone_max]
        if _COPY_SPECIAL.search(f"{name}{id_number}{phone}"):  # a tab, line break or backslash
            name, id_number, phone = self.text(name), self.text(id_number), self.text(phone)
        if self.direct:  # a first load: ``number`` is the case's id, the row goes to the party table
            return f"{number}\t{role}\t{name}\t{position}\t{id_number}\t{phone}{self.party_tail}\n"
        return f"{n}\t{number}\t{role}\t{name}\t{position}\t{id_number}\t{phone}\n"

    def pack(self, rows: list[Any]) -> str:
        return "".join(rows)


class SqliteEncoder(CaseEncoder):
    def date(self, value: dt.date | None) -> str | None:
        return None if value is None else value.isoformat()

    def dues(
        self,
        rule: str,
        due: dt.date | None,
        provisional: bool,
        handler_due: dt.date | None,
        handler_done: dt.date | None,
    ) -> tuple[Any, ...]:
        date = self.date
        return (rule, date(due), int(provisional), date(handler_due), date(handler_done))

    def amount(self, value: str | None) -> str | None:
        return value

    def case_values(
        self,
        line: int,
        number: str,
        court_id: int,
        year: int,
        type_code: str,
        seq: int,
        filed_on: str,
        handler: str,
        status: str,
        concluded_on: Any,
        method: str,
        applied: Any,
        recovered: Any,
        non_litigation: bool,
        original: str,
        extension_days: int,
        approved_on: Any,
        as_of: Any,
        anomalies: list[str],
        dues: Any,
    ) -> tuple[Any, ...]:
        return (
            line, number, court_id, year, type_code, seq, filed_on, handler, status, concluded_on,
            method[: self.method_max], applied, recovered, int(non_litigation), original[: self.original_max],
            extension_days, approved_on, as_of, self.anomalies(anomalies), *dues,
        )  # fmt: skip

    def party(
        self, n: int, number: str, role: str, name: str, position: int, id_number: str, phone: str
    ) -> tuple[Any, ...]:
        return (
            n,
            number,
            role,
            name[: self.name_max],
            position,
            id_number[: self.id_max],
            phone[: self.phone_max],
        )

    def pack(self, rows: list[Any]) -> list[Any]:
        return rows


# --- the staging tables ----------------------------------------------------------------------


class Staging:
    """The TEMP tables of one import on the default connection, and the merge from them."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.q = connection.ops.quote_name
        self.cases = self.q(EnforcementCase._meta.db_table)
        self.parties = self.q(CaseParty._meta.db_table)
        self.persons = self.q(Person._meta.db_table)
        self.resolved: dict[tuple[int, str], tuple[int, bool]] = {}
        self._cache_size: int | None = None  # SQLite: the page cache size to put back
        # PostgreSQL first load: what ``begin_first_load`` dropped, to be put back
        self.first_load = False
        self._dropped: list[tuple[str, str, str, str]] = []  # (kind, table, name, definition)
        self._direct_columns: tuple[list[str], list[str]] = ([], [])
        self._last_id = 0

    # -- setup --

    def _type(self, column: str, given: tuple[str, str] | None) -> str:
        if given is not None:
            return given[0] if self.pg else given[1]
        name = column[:-3] if column.endswith("_id") else column
        db_type = _field(name).db_type(connection)
        assert db_type is not None
        return db_type

    def create(self) -> None:
        self.drop()
        if not self.pg:
            # SQLite's page cache (2 MB by default) is far smaller than the indexes a large
            # merge walks: every lookup would read its pages again from the WAL file
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA main.cache_size")
                self._cache_size = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA main.cache_size = {-SQLITE_CACHE_KIB}")
                cursor.execute(f"PRAGMA temp.cache_size = {-SQLITE_TEMP_CACHE_KIB}")
        columns = ", ".join(f"{c} {self._type(c, t)}" for c, t in CASE_COLUMNS)
        if not self.pg:
            columns = columns.replace("line integer", "line integer PRIMARY KEY", 1)
        party_types = {
            "n": "integer PRIMARY KEY" if not self.pg else "integer",
            "number": "text",
            "role": "text",
            "name": "text",
            "position": "integer",
            "id_number": "text",
            "phone": "text",
        }
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE {STAGE_CASES} ({columns})")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_PARTIES} ({', '.join(f'{c} {party_types[c]}' for c in PARTY_COLUMNS)})"
            )
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_HANDLERS} (court_id bigint NOT NULL, name text NOT NULL, "
                "person_id bigint NOT NULL, ambiguous boolean NOT NULL, PRIMARY KEY (court_id, name))"
            )
        self.resolved = {}

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in (STAGE_CASES, STAGE_PARTIES, STAGE_HANDLERS):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            if not self.pg and self._cache_size is not None:
                cursor.execute(f"PRAGMA main.cache_size = {int(self._cache_size)}")
                self._cache_size = None

    # -- loading --

    def load(self, cases: Any, parties: Any) -> None:
        """Stage one packed chunk (``CaseEncoder.pack``)."""
        if not cases and not parties:
            return
        with connection.cursor() as cursor:
            if self.pg:
                raw = cursor.cursor
                for table, columns, data in (
                    (STAGE_CASES, [c for c, _ in CASE_COLUMNS], cases),
                    (STAGE_PARTIES, PARTY_COLUMNS, parties),
                ):
                    if data:
                        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            copy.write(data)
                return
            # SQLite: outside the import's transaction this writes only the TEMP database, so
            # one deferred transaction per chunk (not one per row) takes no lock on the cases
            own = not connection.in_atomic_block
            if own:
                cursor.execute("BEGIN DEFERRED")
            try:
                for table, width, data in (
                    (STAGE_CASES, len(CASE_COLUMNS), cases),
                    (STAGE_PARTIES, len(PARTY_COLUMNS), parties),
                ):
                    if data:
                        cursor.executemany(f"INSERT INTO {table} VALUES ({', '.join(['%s'] * width)})", data)
            except BaseException:
                if own:
                    cursor.execute("ROLLBACK")
                raise
            if own:
                cursor.execute("COMMIT")

    def clear(self) -> None:
        """Empty the case and party stages (after their merge)."""
        with connection.cursor() as cursor:
            if self.pg:
                cursor.execute(f"TRUNCATE {STAGE_CASES}, {STAGE_PARTIES}")
            else:
                cursor.execute(f"DELETE FROM {STAGE_CASES}")
                cursor.execute(f"DELETE FROM {STAGE_PARTIES}")

    def resolve_handlers(self, pairs: Iterable[tuple[int, str]]) -> None:
        """Map every (court, name) not yet mapped to its person, creating missing persons: the
        oldest of several namesakes, flagged ambiguous."""
        wanted = sorted({p for p in pairs if p not in self.resolved})
        rows: list[tuple[int, str, int, bool]] = []
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            found: dict[tuple[int, str], list[tuple[dt.datetime, int]]] = {}
            for court_id, name, pk, created in Person.objects.filter(
                court_id__in={c for c, _ in part}, name__in={n for _, n in part}
            ).values_list("court_id", "name", "pk", "created_at"):
                found.setdefault((court_id, name), []).append((created, pk))
            missing = [Person(court_id=c, name=n, note=PERSON_NOTE) for c, n in part if (c, n) not in found]
            for person in Person.objects.bulk_create(missing):
                found[(person.court_id, person.name)] = [(person.created_at, person.pk)]
            for pair in part:
                namesakes = found[pair]
                self.resolved[pair] = (min(namesakes)[1], len(namesakes) > 1)
                rows.append((*pair, *self.resolved[pair]))
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {STAGE_HANDLERS} VALUES (%s, %s, %s, %s)", rows)

    # -- a first load --

    def begin_first_load(self) -> bool:
        """PostgreSQL, inside the import's transaction, before the first chunk: when the case
        table is empty (a new installation's first import), lock the case and party tables and
        drop, for the load, their unique constraints, secondary indexes and the parties' foreign
        key to the cases: every row is new, so nothing needs them meanwhile; building an index
        once at the end (a sort, with parallel workers) is cheaper than maintaining it row by
        row, and checking the foreign key once over the whole table far cheaper than a trigger
        per row. ``end_first_load`` puts every one back, by its stored definition and name,
        before the commit; the DDL is part of the transaction, so an import that fails or is
        killed leaves the tables exactly as they were. The two tables stay locked (readers wait)
        until the commit. The foreign keys to other tables (courts, persons, import records) are
        kept, since dropping one would lock that table as well. Returns whether this is a first
        load."""
        if not self.pg:
            return False
        tables = [EnforcementCase._meta.db_table, CaseParty._meta.db_table]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {self.cases})")
            if cursor.fetchone()[0]:
                return False
            cursor.execute(f"LOCK TABLE {self.cases}, {self.parties} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {self.cases})")
            if cursor.fetchone()[0]:
                return False  # written meanwhile: the usual merge
            # foreign keys first, then unique constraints (their indexes go with them), then
            # the other secondary indexes; put back in the reverse order
            # (only foreign keys between these two tables: dropping one that refers to another
            # table would lock that table too — the courts, the persons, the import records)
            cursor.execute(
                "SELECT CASE c.contype WHEN 'f' THEN 'fk' ELSE 'unique' END, c.conrelid::regclass::text, "
                "quote_ident(c.conname), pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conrelid = ANY(%s::regclass[]) "
                "AND (c.contype = 'u' OR (c.contype = 'f' AND c.confrelid = ANY(%s::regclass[]))) "
                "ORDER BY c.contype, c.conname",
                [tables, tables],
            )
            dropped = list(cursor.fetchall())
            cursor.execute(
                "SELECT 'index', i.indrelid::regclass::text, i.indexrelid::regclass::text, "
                "pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) "
                "ORDER BY 3",
                [tables],
            )
            dropped += cursor.fetchall()
            for kind, table, name, _ in dropped:
                if kind == "index":
                    cursor.execute(f"DROP INDEX {name}")
                else:
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        self._dropped = [(kind, table, name, definition) for kind, table, name, definition in dropped]
        self.first_load = True
        return True

    def direct_layout(self, *, import_id: int, now: dt.datetime) -> DirectLayout:
        """A first load writes the reader's rows straight into the case and party tables with
        ``COPY`` (``load_direct``): no staging, no ``INSERT … SELECT``. The reader numbers the
        cases itself from the id this takes from the case table's sequence (the table is empty
        and locked: nobody else takes ids meanwhile; ``finish_direct`` moves the sequence past
        the last one), gives each case its handler's person (the existing ones are read here,
        new ones numbered from the person sequence, ``person_ids``) and ends each row with the
        columns every case of the import shares."""
        case_columns = [{"line": "id", "handler": "handler_id"}.get(c, c) for c, _ in CASE_COLUMNS]
        case_columns += ["handler_ambiguous", "last_import_id", "updated_at"]
        extra, extra_params = self._defaults(EnforcementCase, case_columns)
        when = EnforcementCase._meta.get_field("updated_at").get_db_prep_save(now, connection)
        case_tail = "".join(f"\t{_copy_text(v)}" for v in [import_id, when, *extra_params])
        party_columns = ["case_id", "role", "name", "position", "id_number", "phone"]
        party_extra, party_params = self._defaults(CaseParty, party_columns)
        persons: dict[tuple[int, str], list[tuple[dt.datetime, int]]] = {}
        for court_id, name, pk, created in Person.objects.values_list("court_id", "name", "pk", "created_at"):
            persons.setdefault((court_id, name), []).append((created, pk))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [EnforcementCase._meta.db_table]
            )
            first_id = int(cursor.fetchone()[0])
        self._direct_columns = (
            [*map(self.q, case_columns), *extra],
            [*map(self.q, party_columns), *party_extra],
        )
        self._last_id = first_id - 1
        return DirectLayout(
            first_id=first_id,
            case_tail=case_tail,
            party_tail="".join(f"\t{_copy_text(v)}" for v in party_params),
            persons={key: (min(found)[1], len(found) > 1) for key, found in persons.items()},
        )

    def person_ids(self, count: int) -> list[int]:
        """``count`` new ids from the person sequence (for the persons a first load creates)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Person._meta.db_table, count],
            )
            return [int(pk) for (pk,) in cursor.fetchall()]

    def load_direct(
        self, cases: str, parties: str, persons: list[tuple[int, int, str]], last_id: int
    ) -> None:
        """A first load's chunk: its new persons (id, court, name), then its cases and parties."""
        if persons:
            Person.objects.bulk_create(
                [Person(pk=pk, court_id=c, name=n, note=PERSON_NOTE) for pk, c, n in persons]
            )
        case_columns, party_columns = self._direct_columns
        with connection.cursor() as cursor:
            raw = cursor.cursor
            for table, columns, data in (
                (self.cases, case_columns, cases),
                (self.parties, party_columns, parties),
            ):
                if data:
                    with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        copy.write(data)
        self._last_id = max(self._last_id, last_id)

    def finish_direct(self) -> None:
        """After a first load's last chunk: the case sequence continues after the last id."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(%s, (SELECT MAX(id) FROM "
                f"{self.cases})), true)",
                [EnforcementCase._meta.db_table, self._last_id],
            )

    def end_first_load(self) -> None:
        """Build the indexes and constraints ``begin_first_load`` dropped (the foreign keys are
        checked over the whole tables as they are added), with more memory for the sorts."""
        if not self.first_load:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('maintenance_work_mem')")
            before = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [FIRST_LOAD_SORT_MEMORY])
            for kind, table, name, definition in reversed(self._dropped):
                if kind == "index":
                    cursor.execute(definition)
                else:
                    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [before])
        self._dropped, self.first_load = [], False

    # -- the merge --

    @contextlib.contextmanager
    def _index_lookups(self, cursor: Any) -> Iterator[None]:
        """PostgreSQL: nested loops over the chunk with index lookups into the big tables, for
        the statements inside (the settings are put back afterwards, in the transaction)."""
        if not self.pg:
            yield
            return
        cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
        hashjoin, mergejoin = cursor.fetchone()
        cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
        yield  # (after an error the rollback puts them back)
        cursor.execute(
            "SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true)",
            [hashjoin, mergejoin],
        )

    def _same(self, a: str, b: str) -> str:
        return f"{a} IS NOT DISTINCT FROM {b}" if self.pg else f"{a} IS {b}"

    def _defaults(self, model: type[Model], given: Sequence[str]) -> tuple[list[str], list[Any]]:
        """Columns a raw INSERT must fill that the staging table does not give: every field
        with a Python default or NOT NULL, with its default as Django would write it."""
        columns, params = [], []
        for f in model._meta.concrete_fields:
            if f.primary_key or f.column in given or f.db_default is not NOT_PROVIDED:
                continue
            if f.null and not f.has_default():
                continue
            assert f.column is not None
            columns.append(self.q(f.column))
            params.append(f.get_db_prep_save(f.get_default(), connection))
        return columns, params

    def merge(self, *, import_id: int, now: dt.datetime, force: bool, staged: int) -> dict[str, int]:
        """Merge what is staged; returns the counts (created, updated, unchanged,
        skipped_older). Must run inside the import's transaction.

        Every statement joins the staged rows (a chunk) to the cases by index lookups: on
        PostgreSQL hash and merge joins are switched off for these statements, because the
        planner, not knowing the TEMP table and seeing the case table grow inside the
        transaction, would otherwise scan all the cases for every chunk."""
        q, s = self.q, STAGE_CASES
        when = EnforcementCase._meta.get_field("updated_at").get_db_prep_save(now, connection)
        handler_join = f"LEFT JOIN {STAGE_HANDLERS} h ON h.court_id = s.court_id AND h.name = s.handler"
        older = "c.data_as_of IS NOT NULL AND c.data_as_of > s.data_as_of"
        keep = (
            f"(c.handler_id IS NOT NULL AND EXISTS (SELECT 1 FROM {self.persons} p "
            "WHERE p.id = c.handler_id AND p.court_id = s.court_id AND p.name = s.handler))"
        )
        # SQLite: CROSS JOIN keeps the staged rows as the outer loop (its planner, without
        # statistics, would rather walk the import's cases by last_import and scan the stage)
        join = "JOIN" if self.pg else "CROSS JOIN"
        # PostgreSQL inserts a chunk's cases in number order and their parties in case order, so
        # that the indexes on the number and on the parties' case fill in order; SQLite, merging
        # the whole file at once, keeps file order (its rowid order: no sort of a million rows)
        case_order, party_order = (
            ("ORDER BY s.number", "ORDER BY c.id, p.n") if self.pg else ("ORDER BY s.line", "ORDER BY p.n")
        )
        if self.first_load:  # no index to fill in order: as staged
            case_order, party_order = "", ""
        with connection.cursor() as cursor, self._index_lookups(cursor):
            if self.first_load:
                # the table was empty and the reader refuses repeated numbers: every row is new
                matched, newer_stored = 0, 0
            else:
                cursor.execute(
                    f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {older} THEN 1 ELSE 0 END), 0) "
                    f"FROM {s} s {join} {self.cases} c ON c.number = s.number"
                )
                matched, newer_stored = cursor.fetchone()
            skipped_older = 0 if force else int(newer_stored)
            updated = created = 0

            if matched:
                same = " AND ".join(
                    self._same(f"c.{f}", f"s.{f}") if f in NULLABLE else f"c.{f} = s.{f}" for f in COMPARED
                )
                conditions = ["c.number = s.number"]
                if not force:
                    conditions += [
                        f"NOT ({older})",
                        f"NOT ({same} AND ({keep} OR (c.handler_id IS NULL AND s.handler = '')))",
                    ]
                assignments = [f"{q(f)} = s.{f}" for f in COPIED] + [f"{q(f)} = NULL" for f in EMPTIED]
                assignments += [
                    f"handler_id = CASE WHEN {keep} THEN c.handler_id ELSE h.person_id END",
                    f"handler_ambiguous = CASE WHEN {keep} THEN c.handler_ambiguous "
                    "ELSE COALESCE(h.ambiguous, FALSE) END",
                    "last_import_id = %s",
                    "updated_at = %s",
                ]
                cursor.execute(
                    f"UPDATE {self.cases} AS c SET {', '.join(assignments)} "
                    f"FROM {s} s {handler_join} WHERE {' AND '.join(conditions)}",
                    [import_id, when],
                )
                updated = cursor.rowcount
                if updated:
                    cursor.execute(
                        f"DELETE FROM {self.parties} WHERE case_id IN (SELECT c.id FROM {s} s "
                        f"{join} {self.cases} c ON c.number = s.number WHERE c.last_import_id = %s)",
                        [import_id],
                    )

            columns = ["case_id", "role", "name", "position", "id_number", "phone"]
            extra_columns, extra_params = self._defaults(CaseParty, columns)
            insert_parties = (
                f"INSERT INTO {self.parties} ({', '.join([*map(q, columns), *extra_columns])}) "
                f"SELECT c.id, p.role, p.name, p.position, p.id_number, p.phone"
                f"{''.join(', %s' for _ in extra_columns)} FROM {STAGE_PARTIES} p {join} "
            )
            written_parties = (
                f"{insert_parties}{self.cases} c ON c.number = p.number WHERE c.last_import_id = %s "
            )
            # PostgreSQL, when every staged row is new (a first import): the new cases and their
            # parties in one statement, the parties joined to the ids the insert returns by a hash
            # join instead of looking each case up again
            together = self.pg and not matched
            if matched < staged:
                given = ["number", "year", "court_id", "type_code", "seq", *COPIED]
                values = [f"s.{c}" for c in given]
                given += ["handler_id", "handler_ambiguous", "last_import_id", "updated_at"]
                values += ["h.person_id", "COALESCE(h.ambiguous, FALSE)", "%s", "%s"]
                case_extra, case_params = self._defaults(EnforcementCase, given)
                # with no staged number in the cases (a first import) there is nothing to skip;
                # imports merge one at a time, so nothing can have appeared since the count
                only_new = (
                    f"WHERE NOT EXISTS (SELECT 1 FROM {self.cases} c WHERE c.number = s.number) "
                    if matched
                    else ""
                )
                insert_cases = (
                    f"INSERT INTO {self.cases} ({', '.join([*map(q, given), *case_extra])}) "
                    f"SELECT {', '.join([*values, *(['%s'] * len(case_extra))])} FROM {s} s {handler_join} "
                    f"{only_new}{case_order}"
                )
                if together:
                    cursor.execute("SET LOCAL enable_hashjoin = on")
                    cursor.execute(
                        f"WITH c AS ({insert_cases} RETURNING id, number), "
                        f"p AS ({insert_parties}c ON c.number = p.number {party_order} RETURNING 1) "
                        "SELECT (SELECT COUNT(*) FROM c), (SELECT COUNT(*) FROM p)",
                        [import_id, when, *case_params, *extra_params],
                    )
                    created = int(cursor.fetchone()[0])
                    cursor.execute("SET LOCAL enable_hashjoin = off")
                else:
                    cursor.execute(insert_cases, [import_id, when, *case_params])
                    created = cursor.rowcount

            if (updated or created) and not together:
                # the parties of every case this merge wrote, created or updated
                cursor.execute(f"{written_parties}{party_order}", [*extra_params, import_id])
        return {
            "created": created,
            "updated": updated,
            "unchanged": matched - skipped_older - updated,
            "skipped_older": skipped_older,
        }
