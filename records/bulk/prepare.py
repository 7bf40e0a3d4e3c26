"""Preparing a batch of import lines, without the database: parse, normalize, validate, project."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter

from records.documents import document_from_input, search_projection
from records.services import PID_DOI
from records.validation import is_valid_fast, normalize_record, validate_record, vocabulary_snapshot
from records.validation.schemas import ROOT_FIELD
from repository.exceptions import FieldError, ValidationError
from repository.ids import normalize_id
from repository.jsontext import MAX_DEPTH, loads_strict, unstorable_text

IMPORT_ONLY_KEYS = frozenset({"parent_id"})
"""Keys of an import line that are neither document keys nor system keys the API drops."""

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


def parse_line(number: int, raw: bytes | str) -> ImportLine | LineError:
    """Parse one line of an import file; an error for what JSON or the database cannot hold.

    NaN and Infinity are not JSON, PostgreSQL cannot store a NUL character in text or JSON,
    and runaway nesting breaks recursive code: such a line would make its whole batch fail,
    so it is rejected here.
    """
    raw = raw.rstrip()  # the line end, so that errors at the end name a column of this line
    try:
        data = _loads(raw)
    except json.JSONDecodeError as exc:
        return LineError(number, ROOT_FIELD, f"Not valid JSON: {exc.msg} (column {exc.colno}).")
    except UnicodeDecodeError as exc:
        return LineError(number, ROOT_FIELD, f"Not UTF-8 text: {exc.reason} at byte {exc.start + 1}.")
    except ValueError as exc:  # NaN, Infinity, nested too deeply
        return LineError(number, ROOT_FIELD, f"Not valid JSON: {exc}.")
    nul = "\\u0000" in raw if isinstance(raw, str) else b"\\u0000" in raw
    if nul or _bracket_count(raw) > MAX_DEPTH:  # only then can the document be unstorable
        problem = unstorable_text(data)
        if problem:
            return LineError(number, ROOT_FIELD, f"Cannot be stored: {problem}")
    return number, data


def _loads(raw: bytes | str) -> object:
    """Strict ``json.loads`` (no NaN/Infinity, no runaway nesting) of a line's bytes or text."""
    if isinstance(raw, str):
        if raw.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", raw, 0)
    else:
        raw = raw.decode(json.detect_encoding(raw), "surrogatepass")
    return loads_strict(raw)


def _bracket_count(raw: bytes | str) -> int:
    """An upper bound of the nesting depth, counted in C (no walk of the parsed document)."""
    if isinstance(raw, str):
        return raw.count("[") + raw.count("{")
    return raw.count(b"[") + raw.count(b"{")


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
    """Entries for the lines that are valid documents with well-formed ids; errors for the others.

    The parsed values of LINES become the entries' documents: they are normalized in place.
    """
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
    # DATA is freshly parsed JSON that nothing else holds: the document is built and
    # normalized in place (copying it would cost more than the rest of the normalization).
    document = normalize_record(
        document_from_input({k: v for k, v in data.items() if k not in IMPORT_ONLY_KEYS}, owned=True),
        in_place=True,
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
