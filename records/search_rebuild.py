"""The full rebuild of the database backend's term rows: a new table, filled, indexed, swapped in.

Searches read the current table until the swap; the new table is filled without indexes (COPY
FREEZE on PostgreSQL, so its pages are all-visible at once: index-only facet counts need no
vacuum) and gets its indexes afterwards, each built in one sorted pass instead of row by row.
The records are read and projected by worker processes (``SEARCH_REBUILD_WORKERS``) while
this one writes. Writers (publishes, imports, queue drains) keep writing the current table meanwhile: triggers
log the records they touch, and those records are projected again into the new table, once
without a lock and once more in the swap transaction, which blocks writers (not readers) while
it drops the old table, gives the new one its name, indexes and constraints, and derives the
facet rows and arrays (ADR 16) from it in SQL (ADR 17).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import re
from collections import deque
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import connection, connections, transaction

from records.models import Record
from records.search_indexes import (
    TERM_COLUMNS,
    insert_term_rows,
    rebuild_facets_from_terms,
    replace_search_terms,
    search_term_rows,
)
from records.search_models import RecordSearchTerm

TERMS = RecordSearchTerm._meta.db_table
NEW = f"{TERMS}_rebuild"
LOG = f"{TERMS}_rebuild_log"
CHUNK = 2000
#: suffix of the new table's index and constraint names until the swap gives them the old ones
TEMPORARY = "_rb"


def rebuild_search_terms(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every record's term rows under a new table and swap it in; the number of records."""
    database = _Postgres() if connection.vendor == "postgresql" else _Sqlite()
    database.abandon()  # what a crashed rebuild left behind
    database.start_log()
    try:
        count = database.fill(progress)
        with transaction.atomic():
            _apply_log()
        database.swap()
    except BaseException:
        database.abandon()
        raise
    return count


def _ranges() -> list[tuple[str, str | None]]:
    """The records to project as (after, last) id ranges of CHUNK records each, in id order; the
    last range is open-ended (records created since are projected too: they are also logged)."""
    ranges, after = [], ""
    ids = Record.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=10 * CHUNK)
    for position, record_id in enumerate(ids, 1):
        if position % CHUNK == 0:
            ranges.append((after, record_id))
            after = record_id
    ranges.append((after, None))
    return ranges


#: COPY's text format: a backslash, tab, newline or carriage return in a value is escaped
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(rows: list[tuple[str, ...]]) -> bytes:
    """ROWS (tuples of strings) in COPY's text format: a worker process formats what the
    rebuilding connection only has to pass on."""
    return "".join("\t".join(value.translate(_COPY_ESCAPES) for value in row) + "\n" for row in rows).encode()


def _project_range(bounds: tuple[str, str | None], as_copy: bool) -> tuple[int, bytes | list[tuple]]:
    """(records read, their term rows) for the id range BOUNDS, read on this process's connection;
    the rows as COPY text with AS_COPY."""
    after, last = bounds
    records = Record.objects.filter(pk__gt=after).order_by("pk")
    if last is not None:
        records = records.filter(pk__lte=last)
    documents = list(records.values_list("pk", "json"))
    rows = search_term_rows(documents)
    return len(documents), copy_text(rows) if as_copy else rows


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


def _parallel() -> bool:
    """Whether worker processes can read what this connection sees: not inside a transaction
    (the tests': other connections would not see its rows), not an in-memory SQLite database,
    and only where processes fork (and this one may have children)."""
    return (
        settings.SEARCH_REBUILD_WORKERS > 1
        and not connection.in_atomic_block
        and not (connection.vendor == "sqlite" and connection.is_in_memory_db())
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def _projections(
    ranges: list[tuple[str, str | None]], *, as_copy: bool, parallel: bool
) -> Iterator[tuple[int, bytes | list[tuple]]]:
    """``_project_range`` of each of RANGES, in order: in ``SEARCH_REBUILD_WORKERS`` forked
    processes when PARALLEL (reading the database and projecting in Python on every core while
    this process writes), else here. A few ranges ahead at most, so that memory stays bounded."""
    workers = min(settings.SEARCH_REBUILD_WORKERS, len(ranges))
    if not parallel or workers < 2:
        for bounds in ranges:
            yield _project_range(bounds, as_copy)
        return
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker)
    try:
        pending: deque = deque()
        for bounds in ranges:
            pending.append(pool.apply_async(_project_range, (bounds, as_copy)))
            if len(pending) > 2 * workers:
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
    """Project the records the log names into the new table again and empty the log; how many."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {LOG} RETURNING record_id")  # noqa: S608
        ids = sorted({record_id for (record_id,) in cursor.fetchall()})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        documents = list(Record.objects.filter(pk__in=chunk).values_list("pk", "json"))
        replace_search_terms(documents, delete_ids=chunk, table=NEW)
    return len(ids)


class _Postgres:
    """The rebuild on PostgreSQL: transactional DDL, COPY FREEZE, renames in the swap transaction."""

    def abandon(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS {LOG}_insert ON {TERMS}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {LOG}_delete ON {TERMS}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {LOG}_insert()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {LOG}_delete()")
            cursor.execute(f"DROP TABLE IF EXISTS {LOG}")
            cursor.execute(f"DROP TABLE IF EXISTS {NEW}")

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

    def fill(self, progress: Callable[[int], None] | None) -> int:
        count, ranges, parallel = 0, _ranges(), _parallel()
        copy_rows = f"COPY {NEW} ({', '.join(TERM_COLUMNS)}) FROM STDIN WITH (FREEZE)"
        with transaction.atomic(), connection.cursor() as cursor:
            # Only the columns, NOT NULL and the identity: constraints and indexes come after the rows.
            cursor.execute(f"CREATE TABLE {NEW} (LIKE {TERMS} INCLUDING DEFAULTS INCLUDING IDENTITY)")
            for records, data in _projections(ranges, as_copy=True, parallel=parallel):
                # FREEZE: the table is this transaction's, its pages are all-visible at once.
                with cursor.connection.cursor().copy(copy_rows) as copy:
                    copy.write(data)
                count += records
                if progress:
                    progress(records)
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
            rebuild_facets_from_terms(cursor)  # from the finished term table, writers still blocked
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
            cursor.execute(f"DROP TABLE IF EXISTS {LOG}")
            cursor.execute(f"DROP TABLE IF EXISTS {NEW}")

    def start_log(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {LOG} (record_id varchar(11) NOT NULL)")
            for event, row in (("insert", "new"), ("delete", "old")):
                body = f"INSERT INTO {LOG} (record_id) VALUES ({row}.record_id)"  # noqa: S608
                cursor.execute(
                    f"CREATE TRIGGER {LOG}_{event} AFTER {event.upper()} ON {TERMS} "
                    f"FOR EACH ROW BEGIN {body}; END"
                )

    def fill(self, progress: Callable[[int], None] | None) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [TERMS])
            (table_sql,) = cursor.fetchone()
            cursor.execute(table_sql.replace(f'"{TERMS}"', f'"{NEW}"', 1))
        count = 0
        for records, rows in _projections(_ranges(), as_copy=False, parallel=_parallel()):
            with transaction.atomic(), connection.cursor() as cursor:  # writers get a turn between chunks
                insert_term_rows(cursor, NEW, rows)
            count += records
            if progress:
                progress(records)
        return count

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
            rebuild_facets_from_terms(cursor)
