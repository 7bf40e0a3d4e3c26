"""HTTP responses for file content: ranges, conditional requests and safe dispositions.

Only types a browser shows without running code are served inline; everything else
(HTML, SVG, JavaScript, XML, ...) is an attachment. Every file response carries
``X-Content-Type-Options: nosniff`` and a CSP that forbids scripts, so an uploaded
file can never act as a page of our origin.
"""

from __future__ import annotations

import logging
import re
import secrets

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
RANGE_SPEC_RE = re.compile(r"^(\d*)-(\d*)$")
PART_OVERHEAD = 100  # about the bytes of one part's boundary and headers in multipart/byteranges
MAX_RANGES = 16  # more ranges than this in one request get the whole file (no request amplification)


class FileUnavailable(RepositoryError):
    """The stored bytes cannot be read right now (reported to admins by the fixity checks)."""

    status = 503
    default_message = "The file is temporarily unavailable."


class FileDamaged(RepositoryError):
    """The file failed its last fixity check: its bytes are withheld until it is restored."""

    status = 503
    default_message = "The file failed its integrity check and is withheld."


class RangeNotSatisfiable(RepositoryError):
    status = 416
    default_message = "Requested range not satisfiable."


def _etag(obj: ObjectVersion) -> str:
    return f'"{obj.file.md5}"'


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


def _parse_spec(spec: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of one range spec; None when it lies outside the file."""
    match = RANGE_SPEC_RE.match(spec)
    if not match or match.groups() == ("", ""):
        raise RangeNotSatisfiable(f"Malformed range {spec!r}.")
    first, last = match.groups()
    if first == "":
        length = int(last)
        if length == 0 or size == 0:
            return None
        return max(size - length, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        raise RangeNotSatisfiable(f"Malformed range {spec!r}.")
    if start >= size:
        return None
    return start, min(int(last), size - 1) if last else size - 1


def parse_ranges(header: str, size: int) -> list[tuple[int, int]] | None:
    """The byte ranges (start, end inclusive) a Range header asks for, sorted and coalesced.

    None means "send the whole file": more than MAX_RANGES ranges, or parts that together
    would be larger than the file itself (RFC 9110 lets a server ignore such a header).
    Ranges outside the file are dropped; when none is left, RangeNotSatisfiable (416).
    """
    value = header.strip().replace(" ", "").replace("\t", "")
    if not value.startswith("bytes="):
        raise RangeNotSatisfiable(f"Malformed Range header {header!r}: only bytes ranges are served.")
    specs = [spec for spec in value.removeprefix("bytes=").split(",") if spec]
    if not specs:
        raise RangeNotSatisfiable(f"Malformed Range header {header!r}.")
    if len(specs) > MAX_RANGES:
        return None
    wanted = sorted(r for spec in specs if (r := _parse_spec(spec, size)) is not None)
    if not wanted:
        raise RangeNotSatisfiable(f"The file has {size} bytes.")
    merged = [wanted[0]]
    for start, end in wanted[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end + 1:  # overlapping or adjacent: one part
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    if len(merged) > 1 and sum(end - start + 1 + PART_OVERHEAD for start, end in merged) >= size:
        return None  # the parts with their headers would be larger than the whole file
    return merged


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


def refuse_if_damaged(instance) -> None:
    """Never serve bytes that failed their last fixity check (docs/adr/0013)."""
    if instance.last_check is False:
        checked = instance.last_check_at.strftime("%Y-%m-%d %H:%M UTC") if instance.last_check_at else "?"
        raise FileDamaged(
            f"This file failed its integrity check on {checked}: the stored bytes no longer match "
            f"the published checksum {instance.checksum}. It is withheld until an administrator "
            "restores it; they have been notified."
        )


def file_response(request, obj: ObjectVersion) -> HttpResponse:
    """The content of OBJ answering REQUEST's Range, If-None-Match and If-Range headers."""
    instance = obj.file
    refuse_if_damaged(instance)
    download = request.GET.get("download", "").lower() in {"1", "true", "yes"}
    etag = _etag(obj)
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match and _etag_matches(if_none_match, etag):
        return _headers(HttpResponseNotModified(), obj, download=download)
    content_type = obj.mimetype or "application/octet-stream"
    size = instance.size
    ranges = None
    range_header = request.META.get("HTTP_RANGE")
    if_range = request.META.get("HTTP_IF_RANGE")
    if range_header and (not if_range or if_range.strip() == etag):
        try:
            ranges = parse_ranges(range_header, size)
        except RangeNotSatisfiable as exc:
            response = HttpResponse(exc.message, status=416, content_type="text/plain")
            response["Content-Range"] = f"bytes */{size}"
            return _headers(response, obj, download=download)
    if settings.FILES_S3_PRESIGNED_DOWNLOADS and ranges is None:
        url = storage.presigned_url(
            instance.location,
            instance.uri,
            filename_disposition=disposition(obj, download=download),
            content_type=content_type,
        )
        if url:
            return _headers(HttpResponseRedirect(url), obj, download=download)
    if settings.FILES_X_ACCEL_REDIRECT and storage.is_local(storage.get_storage(instance.location)):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{settings.FILES_X_ACCEL_REDIRECT.rstrip('/')}/{instance.uri}"
        return _headers(response, obj, download=download)
    if ranges is not None and len(ranges) > 1:
        return _headers(_multipart_response(instance, ranges, content_type), obj, download=download)
    start, end = ranges[0] if ranges else (0, size - 1)
    length = end - start + 1 if size else 0
    response = _local_response(instance, start, length, content_type)
    if response is None:
        try:
            reader = storage.RangeReader(instance.location, instance.uri, start, length)
        except Exception as exc:
            logger.exception("File instance %s could not be opened", instance.pk)
            raise FileUnavailable() from exc
        response = StreamingHttpResponse(reader, content_type=content_type)
    response["Content-Length"] = str(length)
    if ranges:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response["Content-MD5"] = storage.md5_base64(instance.md5)
    return _headers(response, obj, download=download)


class _FileSlice:
    """LENGTH bytes of an open file from its current position, with the file's descriptor.

    Django hands it to the WSGI server's file wrapper: gunicorn then sends exactly
    Content-Length bytes with sendfile() from the current offset; a server without
    sendfile reads it, and read() stops at the end of the slice.
    """

    def __init__(self, handle, length: int):
        self.handle = handle
        self.remaining = length

    def fileno(self) -> int:
        return self.handle.fileno()

    def seek(self, offset: int, whence: int = 0) -> int:
        # socket.sendfile() seeks when it falls back to send(), and after sending
        return self.handle.seek(offset, whence)

    def seekable(self) -> bool:
        return False  # so that Django does not read the slice to measure it (Content-Length is ours)

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.handle.read(want)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


def _local_response(instance, start: int, length: int, content_type: str) -> FileResponse | None:
    """A response that lets the WSGI server sendfile() the bytes (local storage), else None."""
    location = storage.get_storage(instance.location)
    if not storage.is_local(location):
        return None
    try:
        handle = open(location.path(instance.uri), "rb")  # noqa: SIM115 (closed by the response)
        handle.seek(start)
    except OSError as exc:
        logger.exception("File instance %s could not be opened", instance.pk)
        raise FileUnavailable() from exc
    response = FileResponse(_FileSlice(handle, length), content_type=content_type)
    response.block_size = storage.CHUNK_SIZE
    return response


def _multipart_response(instance, ranges: list[tuple[int, int]], content_type: str) -> HttpResponse:
    """206 multipart/byteranges (RFC 9110, section 14.6): one part per range, streamed."""
    boundary = secrets.token_hex(16)
    size = instance.size
    heads = [
        (
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Range: bytes {start}-{end}/{size}\r\n\r\n"
        ).encode()
        for start, end in ranges
    ]
    tail = f"\r\n--{boundary}--\r\n".encode()
    total = sum(len(h) for h in heads) + sum(e - s + 1 for s, e in ranges) + len(tail)

    def parts():
        for head, (start, end) in zip(heads, ranges, strict=True):
            yield head
            reader = storage.RangeReader(instance.location, instance.uri, start, end - start + 1)
            try:
                yield from reader
            finally:
                reader.close()
        yield tail

    response = StreamingHttpResponse(
        parts(), status=206, content_type=f"multipart/byteranges; boundary={boundary}"
    )
    response["Content-Length"] = str(total)
    return response


def _stored_chunks(obj: ObjectVersion):
    """The bytes of OBJ, opened only when the archive reaches it."""
    reader = storage.RangeReader(obj.file.location, obj.file.uri, 0, obj.file.size)
    try:
        yield from reader
    finally:
        reader.close()


def archive_response(record_id: str, objects: list[ObjectVersion]) -> StreamingHttpResponse:
    """A ZIP of OBJECTS streamed as it is built (stored, not compressed: its length is known upfront)."""
    for obj in objects:
        refuse_if_damaged(obj.file)
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for obj in objects:
        archive.add(_stored_chunks(obj), obj.key, size=obj.file.size)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = content_disposition_header(True, f"{record_id}.zip")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    return response
