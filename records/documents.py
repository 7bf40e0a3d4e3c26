"""The record document: what a client may write, defaults, and the search projection.

A document is the part of a record a depositor controls: ``$schema``, ``metadata``,
``access``, ``files``, ``pids``, ``custom_fields``. Everything else a client sends
(id, links, versions, timestamps, ...) is system-managed and dropped on input,
so that a client can PUT back what it got from a GET.
"""

from __future__ import annotations

import html
import re

from records.validation import SCHEMA_URI
from records.validation.normalize import copy_json
from repository.exceptions import FieldError, ValidationError

DOCUMENT_KEYS = ("$schema", "metadata", "access", "files", "pids", "custom_fields")
SYSTEM_KEYS = frozenset(
    {
        "id",
        "parent",
        "versions",
        "status",
        "is_draft",
        "is_published",
        "revision_id",
        "created",
        "updated",
        "expires_at",
        "links",
        "errors",
        "stats",
        "tombstone",
        "deletion_status",
    }
)


# What the API adds on output and takes back off on input (InvenioRDM ignores them too):
# vocabulary titles next to ids, the computed access status, file statistics.
OUTPUT_ONLY_ACCESS = ("status",)
OUTPUT_ONLY_FILES = ("count", "total_bytes", "entries")
VOCABULARY_REFERENCE_EXTRAS = ("title", "props", "icon", "tags")


def _strip_output_only(document: dict) -> None:
    """Remove what dump_record/dump_draft add, so a client can send back what it read."""
    for key in OUTPUT_ONLY_ACCESS:
        document["access"].pop(key, None)
    for key in OUTPUT_ONLY_FILES:
        document["files"].pop(key, None)
    metadata = document["metadata"]
    if not isinstance(metadata, dict):
        return
    for field, extras in (
        ("resource_type", VOCABULARY_REFERENCE_EXTRAS),
        ("languages", VOCABULARY_REFERENCE_EXTRAS),
        # A license chosen from the vocabulary gets its title and link from there; a custom
        # right (no id) keeps the title, description and link its depositor wrote.
        ("rights", (*VOCABULARY_REFERENCE_EXTRAS, "description", "link")),
    ):
        value = metadata.get(field)
        for reference in value if isinstance(value, list) else [value]:
            if isinstance(reference, dict) and "id" in reference:
                for key in extras:
                    reference.pop(key, None)


def default_access() -> dict:
    return {
        "record": "public",
        "files": "public",
        "embargo": {"active": False, "until": None, "reason": None},
    }


def document_from_input(data: dict, *, owned: bool = False) -> dict:
    """Build a document from a request body: system keys dropped, defaults filled in.

    Unknown keys are kept so that validation reports them instead of silently losing them.
    A top-level section that is not an object cannot be stored as a draft: 400 at once.
    The document is a deep copy, unless OWNED: DATA is the caller's to give away (freshly
    parsed JSON, as in the bulk import), and its sections become the document's.
    """
    wrong = [key for key in DOCUMENT_KEYS[1:] if key in data and not isinstance(data[key], dict)]
    if wrong:
        raise ValidationError(errors=[FieldError(key, ["Must be a JSON object."]) for key in wrong])
    if owned:
        document = {key: value for key, value in data.items() if key not in SYSTEM_KEYS}
    else:
        document = {key: copy_json(value) for key, value in data.items() if key not in SYSTEM_KEYS}
    document.setdefault("$schema", SCHEMA_URI)
    document.setdefault("metadata", {})
    document.setdefault("access", default_access())
    document["access"].setdefault("record", "public")
    document["access"].setdefault("files", "public")
    document["access"].setdefault("embargo", {"active": False, "until": None, "reason": None})
    document.setdefault("files", {"enabled": True})
    document.setdefault("pids", {})
    document.setdefault("custom_fields", {})
    _strip_output_only(document)
    return document


def access_status(access: dict) -> str:
    """InvenioRDM's computed access status: open, embargoed, restricted or metadata-only."""
    if access.get("embargo", {}).get("active"):
        return "embargoed"
    if access.get("record") == "restricted":
        return "restricted"
    if access.get("files") == "restricted":
        return "metadata-only"
    return "open"


# A tag, its attribute values in double quotes as html5ever (nh3) writes them; a quoted
# value may hold ">". "<" cannot start text in sanitized HTML (nh3 escapes it as &lt;).
_TAG = re.compile(r'<[^<>"]*(?:"[^"]*"[^<>"]*)*>')


def html_text(value: str) -> str:
    """The text of a sanitized HTML fragment: tags removed, character references resolved.

    The words of Django's ``strip_tags`` followed by ``html.unescape``, at a fraction of
    its cost (it runs an HTMLParser, once per pass, until nothing changes).
    """
    text = _TAG.sub("", value) if "<" in value else value
    return html.unescape(text) if "&" in text else text


def _creator_names(entries) -> list[str]:
    names = []
    for entry in entries if isinstance(entries, list) else []:
        person = entry.get("person_or_org", {}) if isinstance(entry, dict) else {}
        if not isinstance(person, dict):
            continue
        name = person.get("name") or ", ".join(
            part for part in (person.get("family_name"), person.get("given_name")) if isinstance(part, str)
        )
        if isinstance(name, str) and name:
            names.append(name)
        for affiliation in entry.get("affiliations") or []:
            if isinstance(affiliation, dict) and isinstance(affiliation.get("name"), str):
                names.append(affiliation["name"])
    return names


def creator_display_names(metadata: dict) -> list[str]:
    """Creators' names as shown in lists and citations."""
    return [name for name in _creator_names(metadata.get("creators")) if name]


def search_projection(document: dict) -> dict:
    """Columns the database search backend reads: title, publication_date, search_text.

    search_text holds the words a plain query matches: title, additional titles,
    description (its text, see :func:`html_text`), creators, contributors, affiliations, subjects, keywords.
    """
    metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    title = metadata.get("title") if isinstance(metadata.get("title"), str) else ""
    parts: list[str] = [title]
    for extra in metadata.get("additional_titles") or []:
        if isinstance(extra, dict) and isinstance(extra.get("title"), str):
            parts.append(extra["title"])
    if isinstance(metadata.get("description"), str):
        parts.append(html_text(metadata["description"]))
    parts.extend(_creator_names(metadata.get("creators")))
    parts.extend(_creator_names(metadata.get("contributors")))
    for subject in metadata.get("subjects") or []:
        if isinstance(subject, dict):
            parts.append(str(subject.get("subject") or subject.get("id") or ""))
    text = " ".join(" ".join(p for p in parts if p).split())  # whitespace runs as one space
    date = metadata.get("publication_date")
    return {
        "title": title,
        "publication_date": date if isinstance(date, str) else "",
        "search_text": text,
    }
