"""Request body parsing: JSON only, with clear 400s for malformed bodies.

The size limit (MAX_REQUEST_BODY_BYTES → DATA_UPLOAD_MAX_MEMORY_SIZE) is enforced by
Django when DRF reads the body; the API's exception handler turns it into a 413.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from repository.jsontext import loads_strict, unstorable_text


class JSONParser(parsers.JSONParser):
    """Parses JSON bodies, naming the position of a syntax error."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            data = loads_strict(raw.decode(encoding))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ParseError(f"Malformed JSON: {exc}") from exc
        problem = unstorable_text(data)
        if problem:
            raise ParseError(f"Malformed JSON: {problem}")
        return data
