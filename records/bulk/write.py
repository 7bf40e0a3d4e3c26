"""Writing a prepared batch: ids and DOIs checked by one query, rows written with COPY.

On PostgreSQL the rows go in with COPY, on SQLite with ``executemany`` (its FTS5 triggers
index them); revisions are copied from the new record rows inside the database, so each
document is serialized once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from time import perf_counter

from django.db import connection, transaction
from django.utils import timezone

from records.bulk.prepare import Entry, LineError, PreparedBatch, Timings
from records.models import (
    DeletionStatus,
    Draft,
    Parent,
    PersistentIdentifier,
    PIDStatus,
    Record,
    RecordRevision,
)
from records.services import PID_DOI, PID_OAI, PID_RECID, oai_identifier
from records.signals import records_changed
from records.tasks import kick_search_queue
from repository.ids import generate_id
from repository.search import get_backend

MAX_MINT_ROUNDS = 10


@dataclass
class BatchResult:
    """What importing one batch did."""

    imported: list[str] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def write_batch(
    batch: PreparedBatch, *, owner_id: int | None = None, user_id: int | None = None, timings: Timings
) -> BatchResult:
    """Publish the entries of BATCH in one transaction; a database error rolls it all back and propagates.

    ``owner_id`` owns the new parents (None: no owner); ``user_id`` is recorded on the revisions.
    """
    result = BatchResult(errors=list(batch.errors))
    if batch.entries:
        started = perf_counter()
        with transaction.atomic():
            accepted = _resolve(batch.entries, result)
            checked = perf_counter()
            timings.check += checked - started
            if accepted:
                _write(accepted, owner_id=owner_id, user_id=user_id, timings=timings)
                imported = [entry.record_id for entry in accepted]
                records_changed.send(sender=Record, record_ids=imported, action=RecordRevision.Action.IMPORT)
                if get_backend().indexes_after_commit:
                    transaction.on_commit(kick_search_queue)  # the receiver queued them durably
                result.imported = imported
        # rows built while writing (PostgreSQL COPY streams them) are counted in ``rows``
        timings.write += perf_counter() - checked
    result.errors.sort(key=lambda error: error.line)
    return result


_RECORD = PersistentIdentifier.ObjectType.RECORD.value
_PARENT = PersistentIdentifier.ObjectType.PARENT.value
_SKIP = "skip"


@dataclass
class _Known:
    """What the database knows about the ids and DOIs of a batch."""

    recids: dict[str, tuple[str, str]]  # value -> (object_type, status)
    dois: set[str]


def _resolve(entries: list[Entry], result: BatchResult) -> list[Entry]:
    """Mint ids, assign version indexes; drop (as skipped or failed) the lines that cannot be written."""
    taken = {entry.record_id for entry in entries} | {entry.parent_id for entry in entries}
    _mint(entries, taken)
    known = _known_pids(entries)
    for _ in range(MAX_MINT_ROUNDS):
        collided = [
            entry
            for entry in entries
            if (entry.minted_id and entry.record_id in known.recids)
            or (entry.minted_parent and entry.parent_id in known.recids)
        ]
        if not collided:
            break
        _mint(collided, taken, again=True)
        known.recids.update(_known_pids(collided).recids)
    else:
        raise RuntimeError("Could not mint unique identifiers.")
    existing_parents = {
        entry.parent_id
        for entry in entries
        if not entry.minted_parent and known.recids.get(entry.parent_id, ("", ""))[0] == _PARENT
    }
    indexes = _existing_indexes(existing_parents)
    accepted = []
    claimed: dict[str, str] = {}  # recid value -> object type, for the lines accepted so far
    doi_lines: dict[str, int] = {}
    for entry in entries:
        error = _conflict(entry, known, claimed, doi_lines, indexes)
        if error == _SKIP:
            result.skipped.append(entry.line)
        elif error is not None:
            result.errors.append(error)
        else:
            accepted.append(entry)
            claimed[entry.record_id] = _RECORD
            claimed[entry.parent_id] = _PARENT
            indexes.setdefault(entry.parent_id, set()).add(entry.index)
            if entry.doi:
                doi_lines[entry.doi] = entry.line
    return accepted


def _mint(entries: list[Entry], taken: set, *, again: bool = False) -> None:
    """New random ids, not in TAKEN, for entries without stable ones (AGAIN: for those minted before)."""

    def new_id() -> str:
        candidate = generate_id()
        while candidate in taken:
            candidate = generate_id()
        taken.add(candidate)
        return candidate

    for entry in entries:
        if entry.record_id is None or (again and entry.minted_id):
            entry.record_id, entry.minted_id = new_id(), True
        if entry.parent_id is None or (again and entry.minted_parent):
            entry.parent_id, entry.minted_parent = new_id(), True


def _conflict(
    entry: Entry,
    known: _Known,
    claimed: dict[str, str],
    doi_lines: dict[str, int],
    indexes: dict[str, set[int]],
) -> LineError | str | None:
    """Why ENTRY cannot be written (an error, or _SKIP when its record exists); None when it can."""
    line = entry.line
    object_type, status = known.recids.get(entry.record_id, (None, None))
    if (object_type == _RECORD and status != PIDStatus.NEW) or claimed.get(entry.record_id) == _RECORD:
        return _SKIP  # imported or published before, or by an earlier line of this batch
    if object_type is not None or entry.record_id in claimed:
        return LineError(line, "id", f"{entry.record_id} is already used by a draft or a parent record.")
    if entry.parent_id == entry.record_id:
        return LineError(line, "parent_id", "A record cannot be its own parent.")
    if not entry.minted_parent:
        object_type, _status = known.recids.get(entry.parent_id, (None, None))
        if object_type not in (None, _PARENT) or claimed.get(entry.parent_id) == _RECORD:
            return LineError(line, "parent_id", f"{entry.parent_id} is not the id of a parent record.")
        entry.new_parent = object_type is None and entry.parent_id not in claimed
    taken = indexes.get(entry.parent_id, set())
    if entry.index is None:
        entry.index = max(taken, default=0) + 1
    elif entry.index in taken:
        return LineError(
            line, "versions.index", f"Version {entry.index} of parent {entry.parent_id} already exists."
        )
    if entry.doi in known.dois:
        return LineError(line, "pids.doi", f"DOI {entry.doi} is already used by another record.")
    if entry.doi in doi_lines:
        return LineError(line, "pids.doi", f"DOI {entry.doi} is already used by line {doi_lines[entry.doi]}.")
    return None


def _in(column: str, values: Iterable[str]) -> tuple[str, list]:
    """A ``column IN values`` condition with one parameter, whatever the number of values."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(values)]  # noqa: S608


def _known_pids(entries: list[Entry]) -> _Known:
    """One query: the recid PIDs among the entries' record and parent ids, and the DOIs already used."""
    recid_in, recid_params = _in("value", {e.record_id for e in entries} | {e.parent_id for e in entries})
    doi_in, doi_params = _in("value", {e.doi for e in entries if e.doi})
    known = _Known(recids={}, dois=set())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT scheme, value, object_type, status FROM {_table(PersistentIdentifier)} "  # noqa: S608
            f"WHERE (scheme = %s AND {recid_in}) OR (scheme = %s AND {doi_in})",
            [PID_RECID, *recid_params, PID_DOI, *doi_params],
        )
        for scheme, value, object_type, status in cursor.fetchall():
            if scheme == PID_RECID:
                known.recids[value] = (object_type, status)
            else:
                known.dois.add(value)
    return known


def _existing_indexes(parent_ids: set[str]) -> dict[str, set[int]]:
    """Version indexes used by records and drafts of existing parents (queries only when there are any)."""
    indexes: dict[str, set[int]] = {}
    if not parent_ids:
        return indexes
    with connection.cursor() as cursor:
        for model in (Record, Draft):
            parent, index = _column(model, "parent"), _column(model, "index")
            condition, params = _in(parent, parent_ids)
            cursor.execute(f"SELECT {parent}, {index} FROM {_table(model)} WHERE {condition}", params)  # noqa: S608
            for parent_id, number in cursor.fetchall():
                indexes.setdefault(parent_id, set()).add(number)
    return indexes


RECORD_FIELDS = (
    "id", "parent", "index", "is_latest", "json", "revision_id", "created", "updated", "deletion_status",
    "title", "publication_date", "search_text",
)  # fmt: skip
PARENT_FIELDS = ("id", "owner", "json", "created", "updated")
PID_FIELDS = ("scheme", "value", "status", "object_type", "object_id", "provider", "created", "updated")
REVISION_FIELDS = ("record", "revision_id", "json", "action", "user", "created")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _columns(model, names: Sequence[str]) -> str:
    return ", ".join(_column(model, name) for name in names)


def _write(entries: list[Entry], *, owner_id: int | None, user_id: int | None, timings: Timings) -> None:
    """Write parents, records, revisions and PIDs of the accepted entries (inside the batch transaction)."""
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    versioned = {entry.parent_id for entry in entries if not entry.minted_parent}
    parents = [(entry.parent_id, owner_id, "{}", stamp, stamp) for entry in entries if entry.new_parent]
    with connection.cursor() as cursor:
        _insert(cursor, Parent, PARENT_FIELDS, parents)
        _insert(cursor, Record, RECORD_FIELDS, _record_rows(entries, stamp, versioned, timings))
        _copy_revisions(cursor, [entry.record_id for entry in entries], user_id)
        _insert(cursor, PersistentIdentifier, PID_FIELDS, _pid_rows(entries, stamp))
        if versioned:
            _refresh_latest(cursor, versioned, stamp)


def _record_rows(entries: list[Entry], stamp, versioned: set[str], timings: Timings) -> Iterator[tuple]:
    # A generator: on PostgreSQL the rows are built while the server ingests the previous ones.
    published = DeletionStatus.PUBLISHED.value
    for entry in entries:
        json_text, title, publication_date, search_text = entry.materialize(timings)
        is_latest = entry.parent_id not in versioned  # versions of explicit parents: _refresh_latest decides
        yield (
            entry.record_id, entry.parent_id, entry.index, is_latest, json_text, 1, stamp, stamp, published,
            title, publication_date, search_text,
        )  # fmt: skip


def _pid_rows(entries: list[Entry], stamp) -> Iterator[tuple]:
    registered = PIDStatus.REGISTERED.value
    for entry in entries:
        record_id = entry.record_id
        yield (PID_RECID, record_id, registered, _RECORD, record_id, "local", stamp, stamp)
        if entry.new_parent:
            yield (PID_RECID, entry.parent_id, registered, _PARENT, entry.parent_id, "local", stamp, stamp)
        yield (PID_OAI, oai_identifier(record_id), registered, _RECORD, record_id, "oai", stamp, stamp)
        if entry.doi:
            yield (PID_DOI, entry.doi, registered, _RECORD, record_id, entry.doi_provider, stamp, stamp)


def _insert(cursor, model, fields: Sequence[str], rows: Iterable[tuple]) -> None:
    """COPY (PostgreSQL) or executemany (SQLite) ROWS into MODEL's table."""
    table, columns = _table(model), _columns(model, fields)
    if connection.vendor == "postgresql":
        # COPY goes to psycopg directly: wrap its errors into Django's, as cursor.execute does.
        with connection.wrap_database_errors, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        placeholders = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608


def _copy_revisions(cursor, record_ids: list[str], user_id: int | None) -> None:
    """Revision 1 of each new record, its JSON copied from the record row inside the database."""
    condition, params = _in(_column(Record, "id"), record_ids)
    source = ", ".join(
        [_columns(Record, ("id", "revision_id", "json")), "%s", "%s", _column(Record, "updated")]
    )
    cursor.execute(
        f"INSERT INTO {_table(RecordRevision)} ({_columns(RecordRevision, REVISION_FIELDS)}) "  # noqa: S608
        f"SELECT {source} FROM {_table(Record)} WHERE {condition}",
        [RecordRevision.Action.IMPORT.value, user_id, *params],
    )


def _refresh_latest(cursor, parent_ids: set[str], stamp) -> None:
    """As services._refresh_latest for each explicit parent: its highest published version is the latest."""
    table, parent, index = _table(Record), _column(Record, "parent"), _column(Record, "index")
    status, is_latest = _column(Record, "deletion_status"), _column(Record, "is_latest")
    condition, params = _in(parent, parent_ids)
    published = DeletionStatus.PUBLISHED.value
    cursor.execute(
        f"UPDATE {table} SET {is_latest} = ({status} = %s AND {index} = "  # noqa: S608
        f"(SELECT MAX(latest.{index}) FROM {table} latest "
        f"WHERE latest.{parent} = {table}.{parent} AND latest.{status} = %s)) WHERE {condition}",
        [published, published, *params],
    )
    condition, params = _in(_column(Parent, "id"), parent_ids)
    cursor.execute(
        f"UPDATE {_table(Parent)} SET {_column(Parent, 'updated')} = %s WHERE {condition}",  # noqa: S608
        [stamp, *params],
    )
