"""Rules of a record's ``access`` section beyond its JSON Schema (the schema checks the shape).

An active embargo needs something restricted (the record or its files) and an end date in
the future. The instance switches ``RECORDS_ALLOW_RESTRICTED`` (restricted records) and
``RECORDS_ALLOW_METADATA_ONLY`` (records without files, ``files.enabled: false``) turn those
options off. Bulk imports skip these rules: they carry history (lifted or expired embargoes).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from repository.exceptions import FieldError


def access_errors(document: dict, *, today: datetime.date | None = None) -> list[FieldError]:
    """Errors of DOCUMENT's access and files.enabled under this instance's rules (none if fine)."""
    access = document.get("access") if isinstance(document.get("access"), dict) else {}
    errors = []
    if access.get("record") == "restricted" and not settings.RECORDS_ALLOW_RESTRICTED:
        errors.append(FieldError("access.record", ["Restricted records are not allowed on this instance."]))
    files = document.get("files") if isinstance(document.get("files"), dict) else {}
    if files.get("enabled") is False and not settings.RECORDS_ALLOW_METADATA_ONLY:
        errors.append(
            FieldError("files.enabled", ["Records without files are not allowed on this instance."])
        )
    embargo = access.get("embargo") if isinstance(access.get("embargo"), dict) else {}
    if embargo.get("active") is True:
        if access.get("record") != "restricted" and access.get("files") != "restricted":
            errors.append(
                FieldError("access.embargo", ["An embargo needs the record or its files restricted."])
            )
        until = embargo.get("until")
        day = _day(until)
        today = today or timezone.now().date()
        if day is not None and day <= today:
            errors.append(FieldError("access.embargo.until", ["The embargo must end in the future."]))
    return errors


def _day(value: object) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None  # the schema and date checks report malformed dates
