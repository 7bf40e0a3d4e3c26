"""Bulk import of published records: the fast path behind ``manage.py import_records``.

A batch is imported in two steps. :func:`prepare_batch` needs no database: each line's
document is built as the API builds it, normalized, and judged by the compiled validator
(the reference validator runs only for lines it rejects, to word the messages).
:func:`write_batch` publishes the valid lines in one transaction: ids are minted in Python
and checked, with the DOIs, by one query; rows are written with COPY on PostgreSQL and
``executemany`` on SQLite (whose FTS5 triggers index them); revisions are copied from the
new record rows inside the database, so each document is serialized once. The rows are
those a publish through the services writes (:func:`records.services.draft_publish`):
the parent, the record with its search projection, revision 1 (action ``import``), and
the PIDs: recid of the record and of the parent, OAI, and the external DOI if any.

An import line is a record document as the API accepts it, plus optional ``id`` (a stable
record id), ``parent_id`` (a stable parent id, to import versions) and ``versions.index``.
A line whose id already belongs to a record is skipped; lines without ``id`` always create
a new record (no content-based deduplication: give ids to make a file safe to import twice).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter

from django.db import connection, transaction
from django.utils import timezone

from records.documents import document_from_input, search_projection
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
from records.validation import is_valid_fast, normalize_record, validate_record, vocabulary_snapshot
from records.validation.schemas import ROOT_FIELD
from repository.exceptions import FieldError, ValidationError
from repository.ids import generate_id, normalize_id
from repository.search import get_backend

IMPORT_ONLY_KEYS = frozenset({"parent_id"})
"""Keys of an import line that are neither document keys nor system keys the API drops."""

MAX_MINT_ROUNDS = 10

ImportLine = tuple[int, object]
"""A line of an import file: its number (from 1) and its parsed JSON value."""


@dataclass(frozen=True)
class LineError:
    """Why one line was not imported."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class Timings:
    """Seconds spent per stage, summed over the batches they are passed to."""

    parse: float = 0.0
    normalize: float = 0.0  # document_from_input + normalize_record
    validate: float = 0.0
    rows: float = 0.0  # search projection and JSON text
    check: float = 0.0  # ids, DOIs and versions against the batch and the database
    write: float = 0.0  # COPY / INSERT and commit (on PostgreSQL overlapping with ``rows``)

    def add(self, other: Timings) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Entry:
    """A valid line on its way to the database."""

    line: int
    document: dict | None
    record_id: str | None  # None until minted
    parent_id: str | None
    index: int | None
    doi: str | None = None
    doi_provider: str = ""
    minted_id: bool = False
    minted_parent: bool = False
    new_parent: bool = True
    values: tuple[str, str, str, str] | None = None  # JSON text, title, publication date, search text

    def materialize(self, timings: Timings) -> tuple[str, str, str, str]:
        """The row values computed from the document (which is then no longer needed)."""
        if self.values is None:
            started = perf_counter()
            projection = search_projection(self.document)
            self.values = (
                json.dumps(self.document),
                projection["title"],
                projection["publication_date"],
                projection["search_text"],
            )
            self.document = None
            timings.rows += perf_counter() - started
        return self.values


@dataclass
class PreparedBatch:
    """Lines FIRST to LAST of a file: the valid ones as entries, errors for the others."""

    first: int
    last: int
    entries: list[Entry] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


@dataclass
class BatchResult:
    """What importing one batch did."""

    imported: list[str] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def import_batch(
    lines: Sequence[ImportLine],
    *,
    owner_id: int | None = None,
    user_id: int | None = None,
    timings: Timings | None = None,
) -> BatchResult:
    """Publish the valid lines of LINES in one transaction; report the others."""
    timings = timings if timings is not None else Timings()
    first, last = (lines[0][0], lines[-1][0]) if lines else (0, 0)
    with cyclic_gc_paused():
        batch = prepare_batch(lines, first=first, last=last, timings=timings)
        return write_batch(batch, owner_id=owner_id, user_id=user_id, timings=timings)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, e.g. while a batch is imported.

    Parsed JSON has no reference cycles, reference counting frees it; the collector would
    only scan the batch's many containers again and again (about 15% of the preparation time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- Reading lines (no database) ------------------------------------------------------------


def parse_line(number: int, raw: bytes | str) -> ImportLine | LineError:
    """Parse one line of an import file; an error for what JSON or the database cannot hold.

    NaN and Infinity are not JSON, and PostgreSQL cannot store a NUL character in text or
    JSON: such a line would make its whole batch fail, so it is rejected here.
    """
    raw = raw.rstrip()  # the line end, so that errors at the end name a column of this line
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        return LineError(number, ROOT_FIELD, f"Not valid JSON: {exc.msg} (column {exc.colno}).")
    except UnicodeDecodeError as exc:
        return LineError(number, ROOT_FIELD, f"Not UTF-8 text: {exc.reason} at byte {exc.start + 1}.")
    except ValueError as exc:  # NaN, Infinity
        return LineError(number, ROOT_FIELD, f"Not valid JSON: {exc}.")
    if ("\\u0000" in raw if isinstance(raw, str) else b"\\u0000" in raw) and _has_nul(data):
        return LineError(number, ROOT_FIELD, "Contains a NUL character (\\u0000), which cannot be stored.")
    return number, data


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def prepare_raw_batch(
    lines: Sequence[tuple[int, bytes | str]], *, first: int, last: int
) -> tuple[PreparedBatch, Timings]:
    """Parse and prepare the raw lines of a batch (lines FIRST to LAST of a file)."""
    timings = Timings()
    started = perf_counter()
    parsed = [parse_line(number, raw) for number, raw in lines]
    timings.parse += perf_counter() - started
    batch = prepare_batch(
        [line for line in parsed if not isinstance(line, LineError)], first=first, last=last, timings=timings
    )
    batch.errors.extend(line for line in parsed if isinstance(line, LineError))
    batch.errors.sort(key=lambda error: error.line)
    return batch, timings


def prepare_batch(lines: Sequence[ImportLine], *, first: int, last: int, timings: Timings) -> PreparedBatch:
    """Entries for the lines that are valid documents with well-formed ids; errors for the others."""
    batch = PreparedBatch(first, last)
    with vocabulary_snapshot():  # each vocabulary read once per batch, not once per document
        for number, data in lines:
            entry = _prepare_line(number, data, batch.errors, timings)
            if entry is not None:
                batch.entries.append(entry)
    return batch


def _prepare_line(number: int, data: object, errors: list[LineError], timings: Timings) -> Entry | None:
    if not isinstance(data, dict):
        errors.append(LineError(number, ROOT_FIELD, f"Not a JSON object but {_json_type(data)}."))
        return None
    line_errors: list[LineError] = []
    record_id = _stable_id(number, data, "id", line_errors)
    parent_id = _stable_id(number, data, "parent_id", line_errors)
    index = _version_index(number, data, parent_id, line_errors)
    started = perf_counter()
    document = normalize_record(
        document_from_input({k: v for k, v in data.items() if k not in IMPORT_ONLY_KEYS})
    )
    normalized = perf_counter()
    line_errors.extend(_validate(number, document))
    timings.normalize += normalized - started
    timings.validate += perf_counter() - normalized
    if line_errors:
        errors.extend(line_errors)
        return None
    doi = document["pids"].get(PID_DOI)
    return Entry(
        number,
        document,
        record_id,
        parent_id,
        index,
        doi=doi["identifier"].lower() if doi else None,
        doi_provider=doi.get("provider", "external") if doi else "",
    )


def _json_type(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), "null")


def _stable_id(number: int, data: dict, key: str, errors: list[LineError]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    canonical = normalize_id(value) if isinstance(value, str) else None
    if canonical is None:
        errors.append(LineError(number, key, f"{value!r} is not a valid id (like ha4g3-7x208)."))
    return canonical


def _version_index(number: int, data: dict, parent_id: str | None, errors: list[LineError]) -> int | None:
    versions = data.get("versions")
    index = versions.get("index") if isinstance(versions, dict) else None
    if index is None:
        return None
    if not isinstance(index, int) or isinstance(index, bool) or index < 1:
        errors.append(LineError(number, "versions.index", "Must be a positive integer."))
    elif parent_id is None and index != 1:
        errors.append(
            LineError(number, "versions.index", "Only version 1 can be imported without parent_id.")
        )
    else:
        return index
    return None


def _validate(number: int, document: dict) -> list[LineError]:
    """The errors of DOCUMENT; the fast validator decides, the reference one words the messages."""
    try:
        if is_valid_fast(document):
            return []
        field_errors = validate_record(document)
    except ValidationError as exc:  # an unknown $schema
        field_errors = exc.errors
    if not field_errors:  # the two validators disagree: a bug, but never import what one rejects
        field_errors = [FieldError(ROOT_FIELD, ["The document is not valid."])]
    return [LineError(number, error.field, message) for error in field_errors for message in error.messages]


# --- Writing a batch ---------------------------------------------------------------------------


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
                transaction.on_commit(lambda: get_backend().index_records(imported))
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
