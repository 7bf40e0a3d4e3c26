"""Validation of community input: slug, metadata and access, with field paths for every error."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from communities.models import MemberPolicy, MembersVisibility, ReviewPolicy, SubmissionPolicy, Visibility
from records.sanitize import sanitize_html
from repository.exceptions import FieldError, ValidationError

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
# Path segments of /api/communities/... that a slug may not take.
RESERVED_SLUGS = frozenset({"featured", "new", "search", "user", "me", "api", "admin", "static"})
COMMUNITY_TYPES = ("organization", "event", "topic", "project")
METADATA_KEYS = frozenset(
    {"title", "description", "curation_policy", "page", "type", "website", "organizations", "funding"}
)
MAX_TITLE = 250
MAX_DESCRIPTION = 2000
MAX_HTML = 50_000
ACCESS_CHOICES = {
    "visibility": Visibility.values,
    "members_visibility": MembersVisibility.values,
    "member_policy": MemberPolicy.values,
    "record_submission_policy": SubmissionPolicy.values,
    "review_policy": ReviewPolicy.values,
}


def clean_slug(value: object, field: str = "slug") -> str:
    """A lowercase url-safe slug (letters, digits, - and _), not a reserved path segment."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(errors=[FieldError(field, ["Missing data for required field."])])
    slug = value.strip()
    if not SLUG_RE.match(slug):
        raise ValidationError(
            errors=[
                FieldError(
                    field,
                    ["Use 1 to 100 lowercase letters, digits, '-' or '_', starting with a letter or digit."],
                )
            ]
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError(errors=[FieldError(field, [f"{slug!r} is reserved."])])
    return slug


def _text(value: object, field: str, max_length: int, errors: list[FieldError]) -> str:
    if not isinstance(value, str):
        errors.append(FieldError(field, ["Must be a string."]))
        return ""
    if len(value) > max_length:
        errors.append(FieldError(field, [f"Must be at most {max_length} characters."]))
    return value.strip()


def _named_list(value: object, field: str, errors: list[FieldError]) -> list[dict]:
    """organizations: [{"name": "..."} or {"id": "..."}]."""
    if not isinstance(value, list):
        errors.append(FieldError(field, ["Must be a list."]))
        return []
    result = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not (set(item) <= {"id", "name"}) or not item:
            errors.append(FieldError(f"{field}.{index}", ["Must be an object with 'id' and/or 'name'."]))
            continue
        for key, text in item.items():
            _text(text, f"{field}.{index}.{key}", MAX_TITLE, errors)
        result.append({k: v.strip() for k, v in item.items() if isinstance(v, str)})
    return result


def _funding(value: object, errors: list[FieldError]) -> list[dict]:
    """funding: [{"funder": {"id"|"name"}, "award": {"id"|"title"|"number"}}]."""
    if not isinstance(value, list):
        errors.append(FieldError("metadata.funding", ["Must be a list."]))
        return []
    result = []
    for index, item in enumerate(value):
        path = f"metadata.funding.{index}"
        if not isinstance(item, dict) or "funder" not in item or not set(item) <= {"funder", "award"}:
            errors.append(FieldError(path, ["Must be an object with 'funder' and an optional 'award'."]))
            continue
        entry = {}
        for key, allowed in (("funder", {"id", "name"}), ("award", {"id", "title", "number"})):
            if key not in item:
                continue
            part = item[key]
            if not isinstance(part, dict) or not part or not set(part) <= allowed:
                errors.append(
                    FieldError(f"{path}.{key}", [f"Must be an object with {', '.join(sorted(allowed))}."])
                )
                continue
            for sub, text in part.items():
                _text(text, f"{path}.{key}.{sub}", MAX_TITLE, errors)
            entry[key] = {k: v.strip() for k, v in part.items() if isinstance(v, str)}
        result.append(entry)
    return result


def clean_metadata(value: object) -> dict:
    """Community metadata: title required; HTML fields sanitized; unknown keys refused."""
    if not isinstance(value, dict):
        raise ValidationError(errors=[FieldError("metadata", ["Must be an object."])])
    errors: list[FieldError] = []
    if unknown := sorted(set(value) - METADATA_KEYS):
        errors.append(FieldError("metadata", [f"Unknown field(s): {', '.join(unknown)}."]))
    metadata: dict = {}
    title = value.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        errors.append(FieldError("metadata.title", ["Missing data for required field."]))
    else:
        metadata["title"] = _text(title, "metadata.title", MAX_TITLE, errors)
    if value.get("description") not in (None, ""):
        metadata["description"] = _text(value["description"], "metadata.description", MAX_DESCRIPTION, errors)
    for key in ("curation_policy", "page"):
        if value.get(key) not in (None, ""):
            metadata[key] = sanitize_html(_text(value[key], f"metadata.{key}", MAX_HTML, errors))
    if value.get("type") not in (None, {}):
        kind = value["type"]
        kind_id = kind.get("id") if isinstance(kind, dict) else None
        if kind_id not in COMMUNITY_TYPES:
            errors.append(FieldError("metadata.type.id", [f"Must be one of: {', '.join(COMMUNITY_TYPES)}."]))
        else:
            metadata["type"] = {"id": kind_id}
    if value.get("website") not in (None, ""):
        website = _text(value["website"], "metadata.website", 2000, errors)
        parts = urlsplit(website)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(FieldError("metadata.website", ["Must be an http or https URL."]))
        metadata["website"] = website
    if value.get("organizations") is not None:
        metadata["organizations"] = _named_list(value["organizations"], "metadata.organizations", errors)
    if value.get("funding") is not None:
        metadata["funding"] = _funding(value["funding"], errors)
    if errors:
        raise ValidationError(errors=errors)
    return metadata


def clean_access(value: object, current: dict | None = None) -> dict:
    """Community access settings; keys left out keep their CURRENT value (or the default)."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ValidationError(errors=[FieldError("access", ["Must be an object."])])
    errors = []
    if unknown := sorted(set(value) - set(ACCESS_CHOICES)):
        errors.append(FieldError("access", [f"Unknown field(s): {', '.join(unknown)}."]))
    access = dict(current or {})
    for key, choices in ACCESS_CHOICES.items():
        if key in value:
            if value[key] not in choices:
                errors.append(FieldError(f"access.{key}", [f"Must be one of: {', '.join(choices)}."]))
            else:
                access[key] = value[key]
    if errors:
        raise ValidationError(errors=errors)
    return access
