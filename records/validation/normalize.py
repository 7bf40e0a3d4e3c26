"""Normalization of a record document before it is validated and stored.

Descriptions are sanitized, identifier schemes lower-cased and identifier values
put in their canonical form, and a person's display name is derived from the
family and given names. Values that are not valid are left as they are, so that
validation reports them as the depositor wrote them.
"""

from __future__ import annotations

import copy

from records.sanitize import sanitize_html
from records.validation.identifiers import normalize_identifier


def normalize_document(document: object) -> object:
    """A normalized deep copy of ``document``; never raises on unexpected shapes."""
    result = copy.deepcopy(document)
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
    if isinstance(entry.get("identifier"), str):
        entry["identifier"] = normalize_identifier(entry["identifier"], scheme)
