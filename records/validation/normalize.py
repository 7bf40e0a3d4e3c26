"""Normalization of a record document before it is validated and stored.

Descriptions are sanitized, identifier schemes lower-cased and identifier values
put in their canonical form, and a person's display name is derived from the
family and given names. Values that are not valid are left as they are, so that
validation reports them as the depositor wrote them.
"""

from __future__ import annotations

import copy
import re

from records.sanitize import sanitize_html
from records.validation.identifiers import normalize_identifier

_IMMUTABLE = (str, int, float, bool, type(None))

# An ORCID iD written as 0000-0002-1825-0097 is its own canonical form, valid or not
# (idutils would only regroup the same digits): idutils, which checks it twice, is skipped.
CANONICAL_ORCID = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]")


def copy_json(value: object) -> object:
    """A deep copy of VALUE that rebuilds dicts and lists and shares JSON's immutable scalars.

    Several times faster than ``copy.deepcopy`` on parsed JSON, which it equals there;
    anything else (a set, a tuple, an object) is handed to ``copy.deepcopy``.
    """
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


def normalize_document(document: object, *, in_place: bool = False) -> object:
    """A normalized deep copy of ``document``; never raises on unexpected shapes.

    IN_PLACE: normalize ``document`` itself and return it, for a caller that owns it
    (the bulk import, whose documents are freshly parsed JSON): no copy at all.
    """
    result = document if in_place else copy_json(document)
    if not isinstance(result, dict):
        return result
    metadata = result.get("metadata")
    if isinstance(metadata, dict):
        _normalize_metadata(metadata)
    pids = result.get("pids")
    doi = pids.get("doi") if isinstance(pids, dict) else None
    if isinstance(doi, dict) and isinstance(doi.get("identifier"), str):
        doi["identifier"] = normalize_identifier(doi["identifier"], "doi")
    return result


def _dicts(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _normalize_metadata(metadata: dict) -> None:
    if isinstance(metadata.get("description"), str):
        metadata["description"] = sanitize_html(metadata["description"])
    for entry in _dicts(metadata.get("additional_descriptions")):
        if isinstance(entry.get("description"), str):
            entry["description"] = sanitize_html(entry["description"])
    for key in ("creators", "contributors"):
        for entry in _dicts(metadata.get(key)):
            person = entry.get("person_or_org")
            if isinstance(person, dict):
                _normalize_person_or_org(person)
    for entry in _dicts(metadata.get("identifiers")) + _dicts(metadata.get("related_identifiers")):
        _normalize_scheme_identifier(entry)
    for entry in _dicts(metadata.get("references")):
        _normalize_scheme_identifier(entry)
    locations = metadata.get("locations")
    for feature in _dicts(locations.get("features") if isinstance(locations, dict) else None):
        for entry in _dicts(feature.get("identifiers")):
            _normalize_scheme_identifier(entry)
    for funding in _dicts(metadata.get("funding")):
        award = funding.get("award")
        for entry in _dicts(award.get("identifiers") if isinstance(award, dict) else None):
            _normalize_scheme_identifier(entry)


def _normalize_person_or_org(person: dict) -> None:
    for entry in _dicts(person.get("identifiers")):
        _normalize_scheme_identifier(entry)
    family, given = person.get("family_name"), person.get("given_name")
    if person.get("type") == "personal" and isinstance(family, str) and family.strip():
        # The display name of a person is always "Family, Given", as in citations.
        has_given = isinstance(given, str) and given.strip()
        person["name"] = f"{family.strip()}, {given.strip()}" if has_given else family.strip()


def _normalize_scheme_identifier(entry: dict) -> None:
    scheme = entry.get("scheme")
    if not isinstance(scheme, str):
        return
    scheme = entry["scheme"] = scheme.strip().lower()
    value = entry.get("identifier")
    if isinstance(value, str) and not (scheme == "orcid" and CANONICAL_ORCID.fullmatch(value)):
        entry["identifier"] = normalize_identifier(value, scheme)
