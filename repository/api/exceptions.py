"""One error shape for the whole API, as InvenioRDM's:

``{"status": 400, "message": "...", "errors": [{"field": "...", "messages": ["..."]}]}``
Deleted records add ``tombstone``. Domain errors (repository.exceptions) and DRF's
own errors both go through here, so no endpoint invents its own shape.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from repository.exceptions import Gone, RepositoryError


def _flatten(detail, prefix: str = "") -> list[dict]:
    """Turn DRF's nested error detail into [{field, messages}]."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            errors.extend(_flatten(value, path))
        return errors
    if isinstance(detail, list) and detail and all(not isinstance(d, (dict, list)) for d in detail):
        return [{"field": prefix, "messages": [str(d) for d in detail]}]
    if isinstance(detail, list):
        errors = []
        for index, value in enumerate(detail):
            errors.extend(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return errors
    return [{"field": prefix, "messages": [str(detail)]}]


def error_response(status: int, message: str, errors: list[dict] | None = None, **extra) -> Response:
    body = {"status": status, "message": message}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(body, status=status)


def exception_handler(exc, context):
    """DRF exception handler producing the InvenioRDM error shape."""
    if isinstance(exc, Gone):
        return error_response(exc.status, exc.message, tombstone=exc.tombstone)
    if isinstance(exc, RepositoryError):
        return error_response(exc.status, exc.message, [e.as_dict() for e in exc.errors])
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return error_response(413, f"Request body too large: the limit is {limit} bytes.")
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if not isinstance(exc, drf_exceptions.APIException):
        return None  # a bug: let Django log it and answer 500
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, drf_exceptions.ValidationError):
        response = error_response(exc.status_code, "A validation error occurred.", _flatten(exc.detail))
    else:
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else "Request failed."
        response = error_response(exc.status_code, message)
    for key, value in headers.items():
        response[key] = value
    return response
