"""Request body parsing: JSON only, with a size limit (413) and clear 400s."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    status_code = 413
    default_detail = "Request body too large."
    default_code = "request_too_large"


class JSONParser(parsers.JSONParser):
    """Parses JSON bodies; bodies over MAX_REQUEST_BODY_BYTES are refused before reading."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError as exc:
                raise ParseError("Invalid Content-Length header.") from exc
            if limit is not None and length > limit:
                raise RequestTooLarge(f"Request body too large: {length} bytes, the limit is {limit}.")
        raw = stream.read() if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(f"Request body too large: the limit is {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ParseError(f"Malformed JSON: {exc}") from exc
