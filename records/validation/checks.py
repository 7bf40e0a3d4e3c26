"""The checks a JSON Schema cannot express: vocabulary terms, identifiers, EDTF dates.

One walk over the document serves both validation paths, so they cannot drift
apart: :func:`iter_semantic_errors` yields (field, message) pairs lazily; the
reference path collects them all, the fast path stops at the first. The paths
differ only in the date and identifier-scheme checkers they pass, and those
pairs are tested to agree. The walk tolerates any shape: values of the wrong
type are skipped here because the schema already reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from records.validation import dates, identifiers

VocabularyLookup = Callable[[str], frozenset[str]]
"""Returns the ids of a vocabulary type's terms (``repository.vocabularies.selectors.term_ids``)."""

INVALID_DOI = "Not a valid DOI."

Errors = Iterator[tuple[str, str]]


@dataclass(frozen=True)
class Checkers:
    """The date and identifier-scheme checks a validation path uses."""

    edtf_error: Callable[[str], str | None]
    scheme_detected: Callable[[str, str], bool]


REFERENCE_CHECKERS = Checkers(edtf_error=dates.edtf_error, scheme_detected=identifiers.scheme_detected)
FAST_CHECKERS = Checkers(edtf_error=dates.edtf_error_fast, scheme_detected=identifiers.scheme_detected_fast)


class _Terms:
    """Vocabulary membership; each vocabulary's ids are fetched once per walk, or once per snapshot."""

    def __init__(self, lookup: VocabularyLookup, snapshot: dict[str, frozenset[str]] | None):
        self._lookup = lookup
        self._ids: dict[str, frozenset[str]] = {} if snapshot is None else snapshot

    def error(self, reference: object, vocabulary_type: str) -> str | None:
        if not isinstance(reference, dict):
            return None
        term_id = reference.get("id")
        if not isinstance(term_id, str):
            return None
        ids = self._ids.get(vocabulary_type)
        if ids is None:
            ids = self._ids[vocabulary_type] = self._lookup(vocabulary_type)
        if term_id in ids:
            return None
        return f"'{term_id}' is not a term of the '{vocabulary_type}' vocabulary."


def _items(value: object) -> list | tuple:
    return value if isinstance(value, list | tuple) else ()


def iter_semantic_errors(
    document: object,
    *,
    vocabulary: VocabularyLookup,
    checkers: Checkers,
    snapshot: dict[str, frozenset[str]] | None = None,
) -> Errors:
    """Every vocabulary, identifier and date error of ``document``, as (dotted field path, message).

    ``snapshot`` (vocabulary type -> ids), when given, is read and filled instead of asking
    ``vocabulary`` for every document.
    """
    if not isinstance(document, dict):
        return
    metadata = document.get("metadata")
    if isinstance(metadata, dict):
        terms = _Terms(vocabulary, snapshot)
        yield from _vocabulary_errors(metadata, terms)
        yield from _date_errors(metadata, checkers)
        yield from _person_identifier_errors(metadata)
        yield from _identifier_errors(metadata, checkers)
    yield from _access_errors(document.get("access"))
    yield from _pid_errors(document.get("pids"))


# Lists of metadata whose items hold a term reference: (list, key of the reference in an item, or
# None when the item is the reference, vocabulary type).
_TERM_LISTS = (
    ("creators", "role", "creatorsroles"),
    ("contributors", "role", "contributorsroles"),
    ("additional_titles", "type", "titletypes"),
    ("additional_titles", "lang", "languages"),
    ("additional_descriptions", "type", "descriptiontypes"),
    ("additional_descriptions", "lang", "languages"),
    ("rights", None, "licenses"),
    ("languages", None, "languages"),
    ("dates", "type", "datetypes"),
    ("related_identifiers", "relation_type", "relationtypes"),
    ("related_identifiers", "resource_type", "resourcetypes"),
)


def _vocabulary_errors(metadata: dict, terms: _Terms) -> Errors:
    if message := terms.error(metadata.get("resource_type"), "resourcetypes"):
        yield "metadata.resource_type.id", message
    for list_name, key, vocabulary_type in _TERM_LISTS:
        items = metadata.get(list_name)
        if not items:  # most records leave most lists out
            continue
        for index, item in enumerate(_items(items)):
            reference = item if key is None else item.get(key) if isinstance(item, dict) else None
            if message := terms.error(reference, vocabulary_type):
                path = f"{index}.id" if key is None else f"{index}.{key}.id"
                yield f"metadata.{list_name}.{path}", message


def _date_errors(metadata: dict, checkers: Checkers) -> Errors:
    value = metadata.get("publication_date")
    if isinstance(value, str) and (message := checkers.edtf_error(value)):
        yield "metadata.publication_date", message
    for index, date in enumerate(_items(metadata.get("dates"))):
        value = date.get("date") if isinstance(date, dict) else None
        if isinstance(value, str) and (message := checkers.edtf_error(value)):
            yield f"metadata.dates.{index}.date", message


def _person_identifier_errors(metadata: dict) -> Errors:
    for key in ("creators", "contributors"):
        for index, entry in enumerate(_items(metadata.get(key))):
            person = entry.get("person_or_org") if isinstance(entry, dict) else None
            if not isinstance(person, dict):
                continue
            for position, identifier in enumerate(_items(person.get("identifiers"))):
                if not isinstance(identifier, dict):
                    continue
                value, scheme = identifier.get("identifier"), identifier.get("scheme")
                if (
                    isinstance(value, str)
                    and isinstance(scheme, str)
                    and scheme in identifiers.PERSON_OR_ORG_SCHEMES
                    and not identifiers.person_or_org_identifier_valid(value, scheme)
                ):
                    field = f"metadata.{key}.{index}.person_or_org.identifiers.{position}.identifier"
                    yield field, f"Not a valid {scheme.upper()} identifier."


def _identifier_errors(metadata: dict, checkers: Checkers) -> Errors:
    for key in ("identifiers", "related_identifiers"):
        for index, identifier in enumerate(_items(metadata.get(key))):
            if not isinstance(identifier, dict):
                continue
            value, scheme = identifier.get("identifier"), identifier.get("scheme")
            if not (isinstance(value, str) and isinstance(scheme, str)):
                continue
            scheme = scheme.lower()
            if scheme in identifiers.KNOWN_SCHEMES and not checkers.scheme_detected(value, scheme):
                yield (
                    f"metadata.{key}.{index}.identifier",
                    f"Not a valid identifier for the scheme '{scheme}'.",
                )


def _access_errors(access: object) -> Errors:
    embargo = access.get("embargo") if isinstance(access, dict) else None
    until = embargo.get("until") if isinstance(embargo, dict) else None
    if isinstance(until, str) and (message := dates.day_error(until)):
        yield "access.embargo.until", message


def _pid_errors(pids: object) -> Errors:
    doi = pids.get("doi") if isinstance(pids, dict) else None
    value = doi.get("identifier") if isinstance(doi, dict) else None
    if isinstance(value, str) and not identifiers.is_doi(value):
        yield "pids.doi.identifier", INVALID_DOI
