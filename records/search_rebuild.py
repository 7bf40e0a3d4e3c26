"""The full rebuild of the database backend's term rows: a new table, filled, indexed, swapped in.

Searches read the current table until the swap; the new table is filled without indexes (COPY
FREEZE on PostgreSQL, so its pages are all-visible at once: index-only facet counts need no
vacuum) and gets its indexes afterwards, each built in one sorted pass instead of row by row.
Worker processes (``SEARCH_REBUILD_WORKERS``) read and project ranges of records while this one
writes their term rows, and their facet rows into a second new table. Writers (publishes,
imports, queue drains) keep writing the current tables meanwhile: triggers log the records they
touch, and those records are projected again into the new tables, once without a lock and once
more in the swap transaction, which blocks writers (not readers) while it drops the old term
table, gives the new one its name, indexes and constraints, and brings the facet rows and arrays
(ADR 16) to the new facet rows, writing only those that differ (ADR 17).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import multiprocessing
import multiprocessing.util
import os
import re
import sqlite3
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from typing import NamedTuple

import orjson
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from records.models import Record
from records.search_indexes import (
    FACET_COLUMNS,
    TERM_COLUMNS,
    facet_array_update,
    insert_rows,
    replace_search_terms,
    search_rows,
)
from records.search_models import RecordSearchFacets, RecordSearchTerm

TERMS = RecordSearchTerm._meta.db_table
NEW = f"{TERMS}_rebuild"
LOG = f"{TERMS}_rebuild_log"
FACETS = RecordSearchFacets._meta.db_table
NEW_FACETS = f"{FACETS}_rebuild"
#: the records whose facet row the swap rewrites
CHANGED = f"{FACETS}_rebuild_changed"
CHUNK = 2000
#: suffix of the new table's index and constraint names until the swap gives them the old ones
TEMPORARY = "_rb"


class Rebuilt(NamedTuple):
    records: int
    #: the processes that read and projected them (1: the rebuilding process itself)
    processes: int


def rebuild_search_terms(progress: Callable[[int], None] | None = None) -> Rebuilt:
    """Rebuild every record's term rows under a new table and swap it in."""
    database = _Postgres() if connection.vendor == "postgresql" else _Sqlite()
    database.abandon()  # what a crashed rebuild left behind
    database.start_log()
    ranges = _ranges()
    processes = _processes(len(ranges))
    try:
        count = database.fill(ranges, processes, progress)
        with transaction.atomic():
            _apply_log()
        database.swap()
    except BaseException:
        database.abandon()
        raise
    return Rebuilt(count, processes)


class Range(NamedTuple):
    """A part of the record table to project: an SQL condition on it and its parameters. The
    columns are not qualified: the condition also filters subqueries, where the table has an alias."""

    where: str
    params: tuple


def _ranges() -> list[Range]:
    """The records to project as id ranges of CHUNK records each, in id order; the last range is
    open-ended (records created since are projected too: they are also logged)."""
    ranges, after = [], ""
    ids = Record.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=10 * CHUNK)
    for position, record_id in enumerate(ids, 1):
        if position % CHUNK == 0:
            ranges.append(Range("id > %s AND id <= %s", (after, record_id)))
            after = record_id
    ranges.append(Range("id > %s", (after,)))
    return ranges


def _block_ranges(cursor) -> list[Range]:
    """PostgreSQL: the records to project as ranges of the table's pages holding about CHUNK
    records each (read in storage order: a page read once, not once per record as in id order;
    at 1,000,000 records that was 90 µs a record). Only for readers that share one snapshot
    (``_project_range``'s SNAPSHOT): a row an update moves between two ranges is then read once."""
    table = Record._meta.db_table
    cursor.execute(
        "SELECT pg_relation_size(oid) / current_setting('block_size')::int, reltuples, relpages "
        "FROM pg_class WHERE oid = %s::regclass",
        [table],
    )
    pages, tuples, counted_pages = cursor.fetchone()
    per_page = tuples / counted_pages if tuples > 0 and counted_pages > 0 else 1
    step = max(1, int(CHUNK / per_page))
    ranges = [
        Range("ctid >= %s::tid AND ctid < %s::tid", (f"({start},0)", f"({start + step},0)"))
        for start in range(0, pages - step, step)
    ]
    start = len(ranges) * step
    return [*ranges, Range("ctid >= %s::tid", (f"({start},0)",))]


#: COPY's text format: a backslash, tab, newline or carriage return in a value is escaped
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(rows: list[tuple[str, ...]]) -> bytes:
    """ROWS (tuples of strings) in COPY's text format: a worker process formats what the
    rebuilding connection only has to pass on. Values are escaped only when some value needs it
    (escaping every value cost more than projecting the record): a backslash or carriage return
    anywhere, or more tabs or newlines than the separators."""
    if not rows:
        return b""
    text = "\n".join(["\t".join(row) for row in rows]) + "\n"
    separators = len(rows) * (len(rows[0]) - 1)
    if "\\" in text or "\r" in text or text.count("\t") != separators or text.count("\n") != len(rows):
        text = "".join("\t".join(value.translate(_COPY_ESCAPES) for value in row) + "\n" for row in rows)
    return text.encode()


def _load(text: str | None):
    """A stored document from its JSON text: orjson (several times faster than ``json``, which
    remains for what orjson refuses, such as integers beyond 64 bits)."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


_SNAPSHOT = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


def _project_range(
    part: Range, as_copy: bool, snapshot: str | None = None
) -> tuple[int, bytes | list, bytes | list]:
    """(records read, their term rows, their facet rows) for the records of PART, read on this
    process's connection; the rows as COPY text with AS_COPY. SNAPSHOT (PostgreSQL): the rebuild's
    exported snapshot, which every worker reads in, so that all see the same rows."""
    table = Record._meta.db_table
    text = "json::text" if connection.vendor == "postgresql" else "json"
    collecting = gc.isenabled()
    gc.disable()  # documents hold no cycles: the collector only rescanned them, a third of the time
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if snapshot is not None:
                if not _SNAPSHOT.fullmatch(snapshot):  # it is written into the statement
                    raise ValueError(f"Not a snapshot identifier: {snapshot!r}")
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            cursor.execute(f"SELECT id, {text} FROM {table} WHERE {part.where}", part.params)  # noqa: S608
            documents = [(record_id, _load(document)) for record_id, document in cursor.fetchall()]
            # our own condition, its values bound as parameters
            where = RawSQL(part.where, part.params, output_field=BooleanField())  # noqa: S611
            records = Record.objects.filter(where)
            terms, facets = search_rows(documents, records=records)
    finally:
        if collecting:
            gc.enable()
    if as_copy:
        return len(documents), copy_text(terms), copy_text(facets)
    return len(documents), terms, facets


def _project_range_to_file(part: Range, directory: str) -> tuple[int, str]:
    """(records read, a new SQLite file in DIRECTORY holding their term and facet rows): on SQLite
    a worker also writes the rows, into a file of its own (no journal, no constraints: four times
    the rate of inserting them into the new table), and the rebuilding connection copies the
    whole file's rows in one statement each."""
    records, terms, facets = _project_range(part, as_copy=False)
    descriptor, path = tempfile.mkstemp(suffix=".sqlite3", dir=directory)
    os.close(descriptor)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as rows_file:
        rows_file.execute("PRAGMA journal_mode = OFF")
        rows_file.execute("PRAGMA synchronous = OFF")
        rows_file.execute("BEGIN")
        rows_file.execute(f"CREATE TABLE terms ({', '.join(TERM_COLUMNS)})")
        rows_file.execute(f"CREATE TABLE facets ({', '.join(FACET_COLUMNS)})")
        rows_file.executemany("INSERT INTO terms VALUES (?, ?, ?)", terms)
        rows_file.executemany("INSERT INTO facets VALUES (?, ?)", facets)
        rows_file.execute("COMMIT")
    return records, path


#: a forked worker's references to its parent's connections, which it must never close (below)
_INHERITED: list = []


def _start_worker() -> None:
    """In a forked worker: leave the parent's database connections alone and open its own.

    The inherited connections share their sockets with the parent: closing one (or letting it be
    collected) would end the parent's session, so they stay referenced and unused until the
    worker exits (``os._exit``: nothing is finalized but what is registered here)."""
    for alias in connections:
        _INHERITED.append(connections[alias])
        connections[alias] = connections.create_connection(alias)
    multiprocessing.util.Finalize(None, connections.close_all, exitpriority=10)


def _processes(ranges: int) -> int:
    """How many worker processes project RANGES ranges: ``SEARCH_REBUILD_WORKERS`` at most, and
    only where they can read what this connection sees: not inside a transaction (the tests':
    other connections would not see its rows), not from an in-memory SQLite database, and only
    where processes fork (and this one may have children). 1: this process projects them."""
    parallel = (
        not connection.in_atomic_block
        and not (connection.vendor == "sqlite" and connection.is_in_memory_db())
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )
    return max(1, min(settings.SEARCH_REBUILD_WORKERS, ranges)) if parallel else 1


def _projections(ranges: list[Range], project: Callable, processes: int) -> Iterator:
    """PROJECT (``_project_range`` or ``_project_range_to_file``, with its options bound) of each
    of RANGES, in order: in PROCESSES forked worker processes (reading the database and projecting
    in Python on every core while this process writes) when more than one, else here. A few
    ranges ahead at most, so that memory stays bounded."""
    if processes < 2:
        for bounds in ranges:
            yield project(bounds)
        return
    pool = multiprocessing.get_context("fork").Pool(processes, initializer=_start_worker)
    try:
        pending: deque = deque()
        for bounds in ranges:
            pending.append(pool.apply_async(project, (bounds,)))
            if len(pending) > 2 * processes:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
        pool.close()  # the workers finish and close their connections
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _apply_log() -> int:
    """Project the records the log names into the new tables again and empty the log; how many."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {LOG} RETURNING record_id")  # noqa: S608
        ids = sorted({record_id for (record_id,) in cursor.fetchall()})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        documents = list(Record.objects.filter(pk__in=chunk).values_list("pk", "json"))
        replace_search_terms(documents, delete_ids=chunk, tables=(NEW, NEW_FACETS))
    return len(ids)


def _merge_facets(cursor) -> None:
    """Bring the facet rows, and on PostgreSQL the facet arrays, to the new facet table's (in the
    swap transaction, writers blocked), then drop it. Only the records whose facet row changed,
    appeared or went are written: a reindex of a sound index writes none."""
    cursor.execute(
        f"CREATE TABLE {CHANGED} AS SELECT n.record_id FROM {NEW_FACETS} n "  # noqa: S608
        f"LEFT JOIN {FACETS} o ON o.record_id = n.record_id "
        "WHERE o.record_id IS NULL OR o.facets <> n.facets "
        f"UNION ALL SELECT o.record_id FROM {FACETS} o "
        f"WHERE NOT EXISTS (SELECT 1 FROM {NEW_FACETS} n WHERE n.record_id = o.record_id)"
    )
    changed = f"SELECT record_id FROM {CHANGED}"  # noqa: S608
    cursor.execute(f"DELETE FROM {FACETS} WHERE record_id IN ({changed})")  # noqa: S608
    cursor.execute(
        f"INSERT INTO {FACETS} (record_id, facets) SELECT record_id, facets FROM {NEW_FACETS} "  # noqa: S608
        f"WHERE record_id IN ({changed})"
    )
    if connection.vendor == "postgresql":
        cursor.execute(facet_array_update(f"id IN ({changed})"))
    cursor.execute(f"DROP TABLE {CHANGED}")
    cursor.execute(f"DROP TABLE {NEW_FACETS}")


class _Postgres:
    """The rebuild on PostgreSQL: transactional DDL, COPY FREEZE, renames in the swap transaction."""

    def abandon(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS {LOG}_insert ON {TERMS}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {LOG}_delete ON {TERMS}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {LOG}_insert()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {LOG}_delete()")
            for table in (LOG, NEW, NEW_FACETS, CHANGED):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def start_log(self) -> None:
        # Creating the triggers waits for the transactions writing the table: every write that
        # commits after this one is logged, every earlier one is seen by the rebuild's reads.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {LOG} (record_id varchar(11) NOT NULL)")
            for event, rows in (("insert", "NEW TABLE"), ("delete", "OLD TABLE")):
                body = f"INSERT INTO {LOG} (record_id) SELECT DISTINCT record_id FROM changed"  # noqa: S608
                cursor.execute(
                    f"CREATE FUNCTION {LOG}_{event}() RETURNS trigger LANGUAGE plpgsql "
                    f"AS $$ BEGIN {body}; RETURN NULL; END $$"
                )
                cursor.execute(
                    f"CREATE TRIGGER {LOG}_{event} AFTER {event.upper()} ON {TERMS} "
                    f"REFERENCING {rows} AS changed FOR EACH STATEMENT EXECUTE FUNCTION {LOG}_{event}()"
                )

    def fill(self, ranges: list, processes: int, progress: Callable[[int], None] | None) -> int:
        count = 0
        # FREEZE: the tables are this transaction's, their pages are all-visible at once.
        copy_terms = f"COPY {NEW} ({', '.join(TERM_COLUMNS)}) FROM STDIN WITH (FREEZE)"
        copy_facets = f"COPY {NEW_FACETS} ({', '.join(FACET_COLUMNS)}) FROM STDIN WITH (FREEZE)"
        with transaction.atomic(), connection.cursor() as cursor:
            # Only the columns, NOT NULL and the identity: constraints and indexes come after the rows.
            cursor.execute(f"CREATE TABLE {NEW} (LIKE {TERMS} INCLUDING DEFAULTS INCLUDING IDENTITY)")
            cursor.execute(f"CREATE TABLE {NEW_FACETS} (LIKE {FACETS} INCLUDING DEFAULTS)")
            project = functools.partial(_project_range, as_copy=True)
            if processes > 1:  # the workers read the pages in storage order, in this snapshot
                cursor.execute("SELECT pg_export_snapshot()")
                project.keywords["snapshot"] = cursor.fetchone()[0]
                ranges = _block_ranges(cursor)
            for records, terms, facets in _projections(ranges, project, processes):
                for statement, data in ((copy_terms, terms), (copy_facets, facets)):
                    with cursor.connection.cursor().copy(statement) as copy:
                        copy.write(data)
                count += records
                if progress:
                    progress(records)
            cursor.execute(f"ALTER TABLE {NEW_FACETS} ADD PRIMARY KEY (record_id)")
            for name, definition in self._constraints("p", "u", "c"):
                cursor.execute(f"ALTER TABLE {NEW} ADD CONSTRAINT {name}{TEMPORARY} {definition}")
            for name, definition in self._indexes():
                cursor.execute(definition.replace(f"INDEX {name} ON", f"INDEX {name}{TEMPORARY} ON", 1))
        return count

    def swap(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            # Writers wait from here to the commit; readers go on until the DROP (milliseconds).
            cursor.execute(f"LOCK TABLE {TERMS} IN SHARE ROW EXCLUSIVE MODE")
            _apply_log()
            constraints = self._constraints("p", "u", "c")
            foreign_keys = self._constraints("f")
            indexes = [name for name, _ in self._indexes()]
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
                [TERMS, NEW],
            )
            old_sequence, new_sequence = cursor.fetchone()
            # Deferred foreign-key checks of rows this transaction wrote (only inside an outer
            # transaction: the tests) must run before their table can go.
            connection.check_constraints()
            cursor.execute(f"DROP TABLE {TERMS}")  # its triggers and their log go with it
            cursor.execute(f"DROP TABLE {LOG}")
            cursor.execute(f"DROP FUNCTION {LOG}_insert()")
            cursor.execute(f"DROP FUNCTION {LOG}_delete()")
            cursor.execute(f"ALTER TABLE {NEW} RENAME TO {TERMS}")
            for name, _ in constraints:  # renames the constraint's index too
                cursor.execute(f"ALTER TABLE {TERMS} RENAME CONSTRAINT {name}{TEMPORARY} TO {name}")
            for name in indexes:
                cursor.execute(f"ALTER INDEX {name}{TEMPORARY} RENAME TO {name}")
            if old_sequence and new_sequence:
                cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {old_sequence.split('.')[-1]}")
            for name, definition in foreign_keys:  # checked for the rows of the new table below
                cursor.execute(f"ALTER TABLE {TERMS} ADD CONSTRAINT {name} {definition} NOT VALID")
            _merge_facets(cursor)  # writers still blocked
        with connection.cursor() as cursor:
            for name, _ in foreign_keys:  # no lock that blocks readers or writers
                cursor.execute(f"ALTER TABLE {TERMS} VALIDATE CONSTRAINT {name}")
            if connection.get_autocommit():  # VACUUM cannot run in a transaction (tests)
                cursor.execute(f"VACUUM (ANALYZE) {TERMS}")
            else:
                cursor.execute(f"ANALYZE {TERMS}")

    def _constraints(self, *kinds: str) -> list[tuple[str, str]]:
        """(name, definition) of the term table's constraints of the given KINDS (pg_constraint.contype)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = ANY(%s) ORDER BY conname",
                [TERMS, list(kinds)],
            )
            return cursor.fetchall()

    def _indexes(self) -> list[tuple[str, str]]:
        """(name, CREATE INDEX statement for the new table) of the term table's indexes that no
        constraint owns (those come with their constraint)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                "ORDER BY c.relname",
                [TERMS],
            )
            on_table = re.compile(rf" ON (\S+\.)?{TERMS} ")
            return [(name, on_table.sub(f" ON {NEW} ", sql, count=1)) for name, sql in cursor.fetchall()]


class _Sqlite:
    """The rebuild on SQLite: one write transaction per chunk, indexes built in the swap transaction.

    SQLite cannot rename an index, so the new table's indexes are created under their own names
    after the rename, inside the swap transaction: writers wait for it (as for the FTS5 rebuild
    that follows), readers keep reading the old table (WAL) until it commits.
    """

    def abandon(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for event in ("insert", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {LOG}_{event}")
            for table in (LOG, NEW, NEW_FACETS, CHANGED):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def start_log(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {LOG} (record_id varchar(11) NOT NULL)")
            for event, row in (("insert", "new"), ("delete", "old")):
                body = f"INSERT INTO {LOG} (record_id) VALUES ({row}.record_id)"  # noqa: S608
                cursor.execute(
                    f"CREATE TRIGGER {LOG}_{event} AFTER {event.upper()} ON {TERMS} "
                    f"FOR EACH ROW BEGIN {body}; END"
                )

    def fill(self, ranges: list, processes: int, progress: Callable[[int], None] | None) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [TERMS])
            (table_sql,) = cursor.fetchone()
            cursor.execute(table_sql.replace(f'"{TERMS}"', f'"{NEW}"', 1))
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [FACETS])
            (table_sql,) = cursor.fetchone()
            cursor.execute(table_sql.replace(f'"{FACETS}"', f'"{NEW_FACETS}"', 1))  # with its primary key
        count = 0
        if processes < 2:  # in this process (the tests' in-memory database)
            project = functools.partial(_project_range, as_copy=False)
            for records, terms, facets in _projections(ranges, project, processes):
                with transaction.atomic(), connection.cursor() as cursor:  # writers get a turn between chunks
                    insert_rows(cursor, NEW, TERM_COLUMNS, terms)
                    insert_rows(cursor, NEW_FACETS, FACET_COLUMNS, facets)
                count += records
                if progress:
                    progress(records)
            return count
        with tempfile.TemporaryDirectory(prefix="repono-rebuild-") as directory:
            project = functools.partial(_project_range_to_file, directory=directory)
            for records, path in _projections(ranges, project, processes):
                self._copy_part(path)
                count += records
                if progress:
                    progress(records)
        return count

    @staticmethod
    def _copy_part(path: str) -> None:
        """Copy the rows of a worker's file (``_project_range_to_file``) into the new tables in one
        transaction (writers get a turn between two), and delete the file."""
        terms, facets = ", ".join(TERM_COLUMNS), ", ".join(FACET_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute("ATTACH DATABASE %s AS rebuild_part", [path])  # not inside a transaction
            try:
                with transaction.atomic():
                    cursor.execute(f"INSERT INTO {NEW} ({terms}) SELECT {terms} FROM rebuild_part.terms")  # noqa: S608
                    cursor.execute(
                        f"INSERT INTO {NEW_FACETS} ({facets}) SELECT {facets} FROM rebuild_part.facets"  # noqa: S608
                    )
            finally:
                cursor.execute("DETACH DATABASE rebuild_part")
                os.unlink(path)

    def swap(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            _apply_log()
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [TERMS],
            )
            indexes = [sql for (sql,) in cursor.fetchall()]
            cursor.execute(f"DROP TABLE {TERMS}")  # its triggers go with it
            cursor.execute(f"DROP TABLE {LOG}")
            cursor.execute(f'ALTER TABLE "{NEW}" RENAME TO "{TERMS}"')
            for sql in indexes:
                cursor.execute(sql)
            _merge_facets(cursor)
