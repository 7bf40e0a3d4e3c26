"""Validation and normalization of record documents.

A document is validated against its JSON Schema (``records/jsonschemas/``) and
then checked for what a schema cannot express: vocabulary terms exist, EDTF
dates are level 0, identifiers are valid for their scheme. Drafts are saved with
their errors; publishing refuses a document with any.

Two paths give the same verdict for every document: :func:`validate_record`
reports every error (``jsonschema``, the ``edtf`` library, idutils' detection);
:func:`is_valid_fast` only answers valid/invalid for bulk imports (compiled
``jsonschema-rs``, a regular expression for dates, lazy scheme detection).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from records.validation import checks, schemas
from records.validation.normalize import normalize_document
from repository.exceptions import FieldError, ValidationError

__all__ = [
    "SCHEMA_URI",
    "is_valid_fast",
    "known_schemas",
    "normalize_record",
    "validate_record",
    "vocabulary_lookup",
    "vocabulary_snapshot",
]

SCHEMA_URI = "local://records/record-v1.0.0.json"
"""The schema new documents are written in."""


def _vocabulary_term_ids(vocabulary_type: str) -> frozenset[str]:
    # Imported here: the vocabularies app must not be loaded to import this module.
    from repository.vocabularies.selectors import term_ids

    return term_ids(vocabulary_type)


vocabulary_lookup: Callable[[str], frozenset[str]] = _vocabulary_term_ids
"""Ids of the terms of a vocabulary type; looked up at call time, so tests may replace it."""

_snapshot: ContextVar[dict[str, frozenset[str]] | None] = ContextVar("vocabulary_snapshot", default=None)


@contextmanager
def vocabulary_snapshot() -> Iterator[None]:
    """Within the block, each vocabulary is read once and reused for every document (bulk imports).

    Asking the vocabularies for every document costs more than the rest of the fast check;
    a term added or deprecated during the block is not seen until it ends.
    """
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def known_schemas() -> set[str]:
    """The ``$schema`` URIs a document may declare."""
    return set(schemas.schema_ids())


def _schema_of(document: object) -> str:
    """The schema to validate ``document`` against; raises ``ValidationError`` for an unknown one."""
    if not isinstance(document, dict) or "$schema" not in document:
        return SCHEMA_URI
    declared = document["$schema"]
    if isinstance(declared, str) and declared in schemas.schema_ids():
        return declared
    message = f"Unknown schema: {declared!r}."
    raise ValidationError(message, errors=[FieldError("$schema", [message])])


def validate_record(document: dict) -> list[FieldError]:
    """Every error of ``document``, one ``FieldError`` per dotted field path (empty when valid).

    Raises ``ValidationError`` if the document declares a ``$schema`` that is not known.
    """
    schema_id = _schema_of(document)
    messages: dict[str, list[str]] = {}
    found = [
        *schemas.iter_schema_errors(document, schema_id),
        *checks.iter_semantic_errors(
            document,
            vocabulary=vocabulary_lookup,
            checkers=checks.REFERENCE_CHECKERS,
            snapshot=_snapshot.get(),
        ),
    ]
    for field, message in found:
        field_messages = messages.setdefault(field, [])
        if message not in field_messages:
            field_messages.append(message)
    return [FieldError(field, field_messages) for field, field_messages in messages.items()]


def is_valid_fast(document: dict) -> bool:
    """Whether ``document`` is valid: the same verdict as ``not validate_record(document)``, faster.

    Raises ``ValidationError`` for an unknown ``$schema``, as :func:`validate_record` does.
    """
    schema_id = _schema_of(document)
    try:
        if not schemas.compiled_validator(schema_id).is_valid(document):
            return False
    except ValueError:
        # Not JSON data (a set, bytes, a non-string key): only the reference path can judge it.
        return not validate_record(document)
    errors = checks.iter_semantic_errors(
        document, vocabulary=vocabulary_lookup, checkers=checks.FAST_CHECKERS, snapshot=_snapshot.get()
    )
    return next(errors, None) is None


def normalize_record(document: dict, *, in_place: bool = False) -> dict:
    """A normalized copy of ``document``: descriptions sanitized, identifiers in canonical form.

    Never raises on bad input; invalid values are left for :func:`validate_record` to report.
    IN_PLACE: normalize ``document`` itself (the caller owns it, e.g. freshly parsed JSON).
    """
    return normalize_document(document, in_place=in_place)
