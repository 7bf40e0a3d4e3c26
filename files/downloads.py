"""HTTP responses for file content: ranges, conditional requests and safe dispositions.

Only types a browser shows without running code are served inline; everything else
(HTML, SVG, JavaScript, XML, ...) is an attachment. Every file response carries
``X-Content-Type-Options: nosniff`` and a CSP that forbids scripts, so an uploaded
file can never act as a page of our origin.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header
from zipstream import ZIP_STORED, ZipStream

from files import storage
from files.models import ObjectVersion
from repository.exceptions import RepositoryError

logger = logging.getLogger(__name__)

INLINE_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "text/csv",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "video/mp4",
        "video/webm",
        "application/json",
    }
)
FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


class FileUnavailable(RepositoryError):
    """The stored bytes cannot be read right now (reported to admins by the fixity checks)."""

    status = 503
    default_message = "The file is temporarily unavailable."


class RangeNotSatisfiable(RepositoryError):
    status = 416
    default_message = "Requested range not satisfiable."


def _etag(obj: ObjectVersion) -> str:
    return f'"{obj.file.md5}"'


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a single byte range; None to send the whole file.

    Several ranges in one request are answered with the whole file (RFC 9110 allows it).
    """
    match = RANGE_RE.match(header.strip().replace(" ", ""))
    if not match:
        if header.strip().startswith("bytes=") and "," in header:
            return None
        raise RangeNotSatisfiable(f"Malformed Range header {header!r}.")
    first, last = match.groups()
    if first == "" and last == "":
        raise RangeNotSatisfiable(f"Malformed Range header {header!r}.")
    if first == "":
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(f"The file has {size} bytes.")
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable(f"The file has {size} bytes.")
    return start, min(end, size - 1)


def disposition(obj: ObjectVersion, *, download: bool) -> str:
    inline = not download and obj.mimetype in INLINE_TYPES
    return content_disposition_header(not inline, obj.key)


def _headers(response: HttpResponse, obj: ObjectVersion, *, download: bool) -> HttpResponse:
    response["ETag"] = _etag(obj)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Content-Disposition"] = disposition(obj, download=download)
    response["Digest"] = f"md5={storage.md5_base64(obj.file.md5)}"
    response["Cache-Control"] = "private, no-transform"
    return response


def file_response(request, obj: ObjectVersion) -> HttpResponse:
    """The content of OBJ answering REQUEST's Range, If-None-Match and If-Range headers."""
    instance = obj.file
    download = request.GET.get("download", "").lower() in {"1", "true", "yes"}
    etag = _etag(obj)
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match and _etag_matches(if_none_match, etag):
        return _headers(HttpResponseNotModified(), obj, download=download)
    content_type = obj.mimetype or "application/octet-stream"
    size = instance.size
    byte_range = None
    range_header = request.META.get("HTTP_RANGE")
    if_range = request.META.get("HTTP_IF_RANGE")
    if range_header and (not if_range or if_range.strip() == etag):
        try:
            byte_range = parse_range(range_header, size)
        except RangeNotSatisfiable as exc:
            response = HttpResponse(exc.message, status=416, content_type="text/plain")
            response["Content-Range"] = f"bytes */{size}"
            return _headers(response, obj, download=download)
    if settings.FILES_S3_PRESIGNED_DOWNLOADS and byte_range is None:
        url = storage.presigned_url(
            instance.location,
            instance.uri,
            filename_disposition=disposition(obj, download=download),
            content_type=content_type,
        )
        if url:
            return _headers(HttpResponseRedirect(url), obj, download=download)
    start, end = byte_range if byte_range else (0, size - 1)
    length = end - start + 1 if size else 0
    if settings.FILES_X_ACCEL_REDIRECT and storage.is_local(storage.get_storage(instance.location)):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{settings.FILES_X_ACCEL_REDIRECT.rstrip('/')}/{instance.uri}"
        return _headers(response, obj, download=download)
    location = storage.get_storage(instance.location)
    if byte_range is None and storage.is_local(location):
        # The whole file from local disk: FileResponse lets the WSGI server use sendfile().
        try:
            handle = open(location.path(instance.uri), "rb")  # noqa: SIM115 (closed by the response)
        except OSError as exc:
            logger.exception("File instance %s could not be opened", instance.pk)
            raise FileUnavailable() from exc
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
        response["Content-MD5"] = storage.md5_base64(instance.md5)
        return _headers(response, obj, download=download)
    try:
        reader = storage.RangeReader(instance.location, instance.uri, start, length)
    except Exception as exc:
        logger.exception("File instance %s could not be opened", instance.pk)
        raise FileUnavailable() from exc
    response = StreamingHttpResponse(reader, content_type=content_type, status=206 if byte_range else 200)
    response["Content-Length"] = str(length)
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response["Content-MD5"] = storage.md5_base64(instance.md5)
    return _headers(response, obj, download=download)


def _stored_chunks(obj: ObjectVersion):
    """The bytes of OBJ, opened only when the archive reaches it."""
    reader = storage.RangeReader(obj.file.location, obj.file.uri, 0, obj.file.size)
    try:
        yield from reader
    finally:
        reader.close()


def archive_response(record_id: str, objects: list[ObjectVersion]) -> StreamingHttpResponse:
    """A ZIP of OBJECTS streamed as it is built (stored, not compressed: its length is known upfront)."""
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for obj in objects:
        archive.add(_stored_chunks(obj), obj.key, size=obj.file.size)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = content_disposition_header(True, f"{record_id}.zip")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    return response
