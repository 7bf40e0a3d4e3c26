"""Template filters that turn record metadata (InvenioRDM shapes) into display values.

Drafts may hold invalid metadata, so every filter accepts any JSON value and
falls back to an empty result instead of failing. Values are returned as plain
strings for the template to escape; only ``description_html`` returns markup.
"""

from __future__ import annotations

import datetime
import html
import re
from urllib.parse import quote

from django import template
from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from records.documents import access_status
from records.sanitize import sanitize_html

register = template.Library()

ACCESS_LABELS = {
    "open": "Open",
    "embargoed": "Embargoed",
    "restricted": "Restricted",
    "metadata-only": "Metadata-only",
}
ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")
IDENTIFIER_URLS = {
    "orcid": "https://orcid.org/{}",
    "arxiv": "https://arxiv.org/abs/{}",
    "handle": "https://hdl.handle.net/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}",
    "ror": "https://ror.org/{}",
}
_SPACES = re.compile(r"\s+")
_EDTF_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EDTF_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@register.filter
def as_list(value) -> list:
    """VALUE when it is a list, else an empty list (drafts may hold anything)."""
    return value if isinstance(value, list) else []


@register.filter
def localized(value) -> str:
    """The English text of a multilingual ``{"en": ...}`` value (or the first language)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("en"), str):
            return value["en"]
        return next((text for text in value.values() if isinstance(text, str)), "")
    return ""


@register.filter
def term_label(term) -> str:
    """The title of a vocabulary reference ``{"id": ..., "title": {...}}``, else its id."""
    if not isinstance(term, dict):
        return term if isinstance(term, str) else ""
    label = localized(term.get("title"))
    if label:
        return label
    return term.get("id") if isinstance(term.get("id"), str) else ""


def _edtf_single(value: str) -> str:
    day = _EDTF_DAY.match(value)
    if day:
        try:
            date = datetime.date(*(int(part) for part in day.groups()))
        except ValueError:
            return value
        return f"{date:%B} {date.day}, {date.year}"
    month = _EDTF_MONTH.match(value)
    if month and 1 <= int(month.group(2)) <= 12:
        return f"{datetime.date(int(month.group(1)), int(month.group(2)), 1):%B %Y}"
    return value


@register.filter
def edtf_display(value) -> str:
    """An EDTF date or interval for people: ``2024-05-01`` → ``May 1, 2024``, ``A/B`` → ``A – B``."""
    if not isinstance(value, str):
        return ""
    if "/" in value:
        start, _, end = value.partition("/")
        return " – ".join(_edtf_single(part) if part not in ("", "..") else "…" for part in (start, end))
    return _edtf_single(value)


@register.filter
def iso_datetime(value) -> datetime.datetime | None:
    """Parse an ISO 8601 timestamp (as stored in tombstones) for the ``date`` filter."""
    return parse_datetime(value) if isinstance(value, str) else None


def _person(entry) -> dict:
    if not isinstance(entry, dict):
        return {}
    person = entry.get("person_or_org")
    return person if isinstance(person, dict) else {}


def _person_name(person: dict) -> str:
    name = person.get("name")
    if isinstance(name, str) and name:
        return name
    parts = [person.get("family_name"), person.get("given_name")]
    return ", ".join(part for part in parts if isinstance(part, str) and part)


def _orcid(person: dict) -> str:
    for identifier in as_list(person.get("identifiers")):
        if not isinstance(identifier, dict) or identifier.get("scheme") != "orcid":
            continue
        value = identifier.get("identifier")
        if isinstance(value, str) and ORCID.match(value.strip()):
            return value.strip()
    return ""


@register.filter
def people(entries) -> list[dict]:
    """Creators or contributors as ``{"name", "orcid", "affiliations", "role"}`` for display."""
    result = []
    for entry in as_list(entries):
        person = _person(entry)
        name = _person_name(person)
        if not name:
            continue
        affiliations = [
            affiliation["name"]
            for affiliation in as_list(entry.get("affiliations"))
            if isinstance(affiliation, dict) and isinstance(affiliation.get("name"), str)
        ]
        result.append(
            {
                "name": name,
                "orcid": _orcid(person),
                "affiliations": affiliations,
                "role": term_label(entry.get("role")),
            }
        )
    return result


@register.filter
def creator_names(metadata) -> list[str]:
    """Just the creators' names (for result lists)."""
    return [
        person["name"] for person in people(metadata.get("creators") if isinstance(metadata, dict) else None)
    ]


def _bare_doi(value: str) -> str:
    value = value.strip()
    for prefix in DOI_PREFIXES:
        if value.lower().startswith(prefix):
            return value[len(prefix) :]
    return value


@register.filter
def web_link(value) -> str:
    """VALUE when it is an http(s) URL, else an empty string (never a javascript: link)."""
    if isinstance(value, str) and value.strip().lower().startswith(("https://", "http://")):
        return value.strip()
    return ""


@register.filter
def doi_url(value) -> str:
    """The resolver URL of a DOI (``10.1234/abc`` → ``https://doi.org/10.1234/abc``)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    return "https://doi.org/" + quote(_bare_doi(value), safe="/:;()._-")


@register.filter
def identifier_url(entry) -> str:
    """A link for an ``{"scheme", "identifier"}`` entry when the scheme has a resolver, else ''."""
    if not isinstance(entry, dict) or not isinstance(entry.get("identifier"), str):
        return ""
    scheme = str(entry.get("scheme", "")).lower()
    value = entry["identifier"].strip()
    if scheme == "doi":
        return doi_url(value)
    if scheme == "url":
        return web_link(value)
    if scheme in IDENTIFIER_URLS:
        return IDENTIFIER_URLS[scheme].format(quote(value, safe="/:._-"))
    return ""


@register.filter
def record_access_status(document) -> str:
    """The computed access status (open, embargoed, restricted, metadata-only) of a document."""
    access = document.get("access") if isinstance(document, dict) else None
    return access_status(access if isinstance(access, dict) else {})


@register.filter
def access_label(status) -> str:
    return ACCESS_LABELS.get(status, str(status))


@register.filter
def plain_text(value, length=300) -> str:
    """Text of an HTML fragment (tags stripped, entities decoded), truncated to LENGTH characters."""
    if not isinstance(value, str):
        return ""
    text = _SPACES.sub(" ", html.unescape(strip_tags(value))).strip()
    return Truncator(text).chars(int(length))


@register.filter
def description_html(value) -> SafeString:
    """A description as HTML: passed through the sanitizer again, so markup from any source is safe."""
    if not isinstance(value, str):
        return mark_safe("")  # noqa: S308 (an empty string)
    return mark_safe(sanitize_html(value))  # noqa: S308 (the output of the HTML sanitizer)


def _citation_name(person: dict) -> str:
    if person.get("type") == "organizational" or not isinstance(person.get("family_name"), str):
        return _person_name(person)
    given = person.get("given_name") if isinstance(person.get("given_name"), str) else ""
    initials = " ".join(f"{part[0]}." for part in re.split(r"[\s-]+", given) if part)
    return f"{person['family_name']}, {initials}" if initials else person["family_name"]


@register.simple_tag
def citation(metadata, doi="", url="") -> str:
    """A citation line: ``Lovelace, A. (2024). Title (Version 2) [Dataset]. Publisher. https://doi.org/...``."""
    metadata = metadata if isinstance(metadata, dict) else {}
    names = [name for name in (_citation_name(_person(e)) for e in as_list(metadata.get("creators"))) if name]
    authors = ", ".join(names[:-1]) + " & " + names[-1] if len(names) > 1 else "".join(names)
    parts = []
    if authors:
        parts.append(authors.rstrip(".") + ".")
    date = metadata.get("publication_date")
    if isinstance(date, str) and date[:4].isdigit():
        parts.append(f"({date[:4]}).")
    title = metadata.get("title") if isinstance(metadata.get("title"), str) else ""
    version = metadata.get("version") if isinstance(metadata.get("version"), str) else ""
    resource_type = term_label(metadata.get("resource_type"))
    heading = title
    if version:
        heading += f" (Version {version})"
    if resource_type:
        heading += f" [{resource_type}]"
    if heading:
        parts.append(heading.rstrip(".") + ".")
    publisher = metadata.get("publisher")
    if isinstance(publisher, str) and publisher:
        parts.append(publisher.rstrip(".") + ".")
    link = doi_url(doi) or url
    if link:
        parts.append(link)
    return " ".join(parts)
