"""Moving bytes in and out of storage locations, in chunks, never whole in memory.

A location is a Django storage (``STORAGES["files-<name>"]``): FileSystemStorage or
django-storages' S3Storage. Writes go to a temporary name (local) or through S3's own
multipart upload, so a file appears under its final name only once it is complete.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import hashlib
import logging
import mmap
import os
import queue
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from boto3.s3.transfer import TransferConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, storages

from files.conf import LOCATION_PREFIX
from files.exceptions import PayloadTooLarge, UploadIncomplete

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
S3_TRANSFER = TransferConfig(multipart_chunksize=16 * 1024 * 1024, max_concurrency=4)


def location_names() -> list[str]:
    """The configured location names (``local``, ``s3``, ...)."""
    return [
        alias.removeprefix(LOCATION_PREFIX)
        for alias in settings.STORAGES
        if alias.startswith(LOCATION_PREFIX)
    ]


def default_location() -> str:
    return settings.FILES_DEFAULT_LOCATION


def get_storage(location: str) -> Storage:
    """The storage of a location; ImproperlyConfigured for an unknown name."""
    alias = f"{LOCATION_PREFIX}{location}"
    if alias not in settings.STORAGES:
        raise ImproperlyConfigured(
            f"Unknown file location {location!r}; known: {', '.join(location_names())}."
        )
    return storages[alias]


def is_local(storage: Storage) -> bool:
    return isinstance(storage, FileSystemStorage)


def new_uri(file_id: uuid.UUID) -> str:
    """Where a new file instance's bytes go: spread over directories by id."""
    hex_id = file_id.hex
    return f"{hex_id[:2]}/{hex_id[2:4]}/{hex_id}/data"


class HashingReader:
    """A read-only stream over SOURCE that computes md5 and refuses more than LIMIT bytes.

    ``expected`` is the announced length (Content-Length): a stream that ends before it
    (client gone) raises UploadIncomplete, so a cut upload is never taken for a whole file.
    ``expected=None`` is a body of unknown length (chunked transfer coding) read to its end:
    the server must have delimited it (``wsgi.input_terminated``), and LIMIT is counted as
    the bytes come.
    """

    def __init__(self, source: BinaryIO, *, expected: int | None, limit: int, limit_name: str):
        self.source = source
        self.expected = expected
        self.limit = limit
        self.limit_name = limit_name
        self.md5 = hashlib.md5()  # noqa: S324 (a checksum, not a security measure)
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        if self.expected is None:
            # at most one byte past the limit, so an oversized body is noticed without reading it all
            want = self.limit + 1 - self.size
            if size is not None and size >= 0:
                want = min(size, want)
            chunk = self.source.read(want) if want > 0 else b""
        else:
            remaining = self.expected - self.size
            if remaining <= 0:
                return b""
            want = remaining if size is None or size < 0 else min(size, remaining)
            chunk = self.source.read(want)
            if not chunk:
                raise self._incomplete()
        self._count(len(chunk), max(want, 0))
        self.md5.update(chunk)
        return chunk

    def receive_into(self, view: memoryview) -> int:
        """Fill VIEW from the source (less at the end of the body), checked like read() but not
        hashed: the caller hands the bytes to ``hash`` in order (on a thread of its own)."""
        if self.expected is None:
            want = min(len(view), self.limit + 1 - self.size)  # one byte past the limit at most
        else:
            want = min(len(view), self.expected - self.size)
            if want <= 0:
                return 0
        filled = 0
        while filled < want:
            received = self._source_into(view[filled:want])
            if not received:
                break
            filled += received
        if not filled and self.expected is not None:
            raise self._incomplete()
        self._count(filled, want)
        return filled

    def hash(self, data: memoryview | bytes) -> None:
        """Add bytes returned by ``receive_into`` to the checksum (md5 releases the GIL)."""
        self.md5.update(data)

    def _source_into(self, target: memoryview) -> int:
        readinto = getattr(self.source, "readinto", None)
        if readinto is not None:
            return readinto(target) or 0
        chunk = self.source.read(len(target))
        if len(chunk) > len(target):
            self._count(len(chunk), len(target))  # raises: over the limit, or more than asked for
        target[: len(chunk)] = chunk
        return len(chunk)

    def _count(self, received: int, asked: int) -> None:
        self.size += received
        if self.size > self.limit:
            raise PayloadTooLarge(f"The file is larger than the {self.limit_name} ({self.limit} bytes).")
        if received > asked:
            raise UploadIncomplete("The request stream returned more bytes than asked for; nothing was kept.")

    def _incomplete(self) -> UploadIncomplete:
        return UploadIncomplete(
            f"The upload ended after {self.size} of {self.expected} bytes; nothing was kept, send it again."
        )

    def readable(self) -> bool:
        return True

    @property
    def hexdigest(self) -> str:
        return self.md5.hexdigest()


def write_stream(location: str, uri: str, reader: HashingReader) -> None:
    """Store everything READER yields under URI; on error nothing stays under URI."""
    storage = get_storage(location)
    if is_local(storage):
        path = storage.path(uri)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.part-{uuid.uuid4().hex}"
        try:
            if reader.expected is not None and reader.expected <= PIPELINE_BUFFER_SIZE:
                _write_whole(temporary, reader)
            else:
                _write_overlapped(temporary, reader)
            os.replace(temporary, path)
        except BaseException:
            _remove_quietly(temporary)
            raise
        return
    # S3: boto3's managed transfer (native multipart above its threshold); the object only
    # exists once the upload is complete.
    storage.bucket.upload_fileobj(reader, uri, Config=S3_TRANSFER)


SYNC_EVERY = 64 * 1024 * 1024  # buffered fallback: flush as we go, so the final fsync has little left
PIPELINE_BUFFER_SIZE = 2 * 1024 * 1024  # filled from the socket, hashed and written whole
PIPELINE_BUFFERS = 4  # bytes in flight (and memory) stay at 8 MiB whatever the file size
DIRECT_ALIGN = 4096  # O_DIRECT writes: length and file offset in whole blocks (buffers are page-aligned)


class _FileSink:
    """A new file written with O_DIRECT where the filesystem takes it, else through the page cache.

    O_DIRECT sends the buffer to the device without first copying it into the page cache: that
    copy cost the server more CPU than md5 did (ADR 0014). Only whole blocks go that way; a
    shorter tail (the end of the file) is written after switching the descriptor back to
    buffered writes, and ``sync`` makes everything durable either way.
    """

    def __init__(self, path: str):
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        self.direct = hasattr(os, "O_DIRECT")
        self.unsynced = 0
        try:
            self.fd = os.open(path, flags | (os.O_DIRECT if self.direct else 0), 0o666)
        except OSError as exc:
            if exc.errno != errno.EINVAL:  # EINVAL: a filesystem without O_DIRECT (tmpfs)
                raise
            self.direct = False
            self.fd = os.open(path, flags, 0o666)

    def write(self, view: memoryview) -> None:
        if self.direct:
            whole = len(view) - len(view) % DIRECT_ALIGN
            try:
                while whole:
                    written = os.write(self.fd, view[:whole])
                    view, whole = view[written:], whole - written
                    if written % DIRECT_ALIGN:  # a short write left the offset between blocks
                        break
            except OSError as exc:
                if exc.errno != errno.EINVAL:  # EINVAL: the filesystem refuses O_DIRECT writes
                    raise
            if view:
                self._buffered()
        self.unsynced += len(view)
        while view:
            view = view[os.write(self.fd, view) :]
        if self.unsynced >= SYNC_EVERY:
            os.fdatasync(self.fd)
            self.unsynced = 0

    def _buffered(self) -> None:
        fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~os.O_DIRECT)
        self.direct = False

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


def _write_whole(path: str, reader: HashingReader) -> None:
    """Write a body that fits one pipeline buffer to PATH and fsync, on the calling thread.

    With one buffer there is nothing to overlap: starting the pipeline's two threads cost a
    small upload more than hashing and writing it (thread start-up waits for a core, which a
    loaded machine makes take milliseconds). Same checks, same O_DIRECT writes, same fsync.
    """
    buffer = memoryview(mmap.mmap(-1, max(reader.expected, 1)))  # page-aligned, for O_DIRECT
    filled = 0
    while received := reader.receive_into(buffer[filled : reader.expected]):
        filled += received
    reader.hash(buffer[:filled])
    sink = _FileSink(path)
    try:
        sink.write(buffer[:filled])
        sink.sync()
    finally:
        sink.close()


def _write_overlapped(path: str, reader: HashingReader) -> None:
    """Write READER's bytes to PATH and fsync: receiving, hashing and writing on three threads.

    A few reused buffers go round a ring: this thread fills one from the source
    (``receive_into``, which counts and checks but does not hash), the hashing thread feeds it
    to md5 in order, the writing thread writes it to the file, and it comes back to be filled
    again. Each stage releases the GIL on large buffers (socket reads, md5 over more than
    2 KiB, file writes), so the three overlap on separate cores instead of taking turns. A slow
    stage holds the others back once every buffer is in use: memory stays bounded. After the
    first failure of any stage the others pass the buffers on without working on them; the
    failure is raised here once both threads have ended.
    """
    free: queue.Queue = queue.Queue()
    to_hash: queue.Queue = queue.Queue()
    to_write: queue.Queue = queue.Queue()
    buffers = [mmap.mmap(-1, PIPELINE_BUFFER_SIZE) for _ in range(PIPELINE_BUFFERS)]  # page-aligned
    for buffer in buffers:
        free.put(memoryview(buffer))
    failure: list[BaseException] = []

    def run_stage(inbox: queue.Queue, work, done) -> None:
        while (item := inbox.get()) is not None:
            view, length = item
            if not failure:
                try:
                    work(view[:length])
                except BaseException as exc:  # noqa: BLE001 (raised by the receiving thread)
                    failure.append(exc)
            done(item)

    def hasher() -> None:
        try:
            run_stage(to_hash, reader.hash, to_write.put)
        finally:
            to_write.put(None)

    def writer() -> None:
        run_stage(to_write, sink.write, lambda item: free.put(item[0]))
        if not failure:
            try:
                sink.sync()
            except BaseException as exc:  # noqa: BLE001
                failure.append(exc)

    sink = _FileSink(path)
    try:
        threads = [
            threading.Thread(target=hasher, name="file-hasher", daemon=True),
            threading.Thread(target=writer, name="file-writer", daemon=True),
        ]
        for thread in threads:
            thread.start()
        try:
            while not failure:
                view = free.get()
                length = reader.receive_into(view)
                if not length:
                    break
                to_hash.put((view, length))
        finally:
            to_hash.put(None)
            for thread in threads:
                thread.join()
    finally:
        sink.close()
    if failure:
        raise failure[0]


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def delete(location: str, uri: str) -> None:
    """Remove the bytes under URI (no error if they are already gone)."""
    get_storage(location).delete(uri)


def delete_instance(location: str, uri: str) -> None:
    """Remove an instance's bytes: on local storage its directory (cut-off temporary files and
    multipart parts too), on S3 the object and any unfinished multipart upload of it."""
    storage = get_storage(location)
    if is_local(storage):
        shutil.rmtree(os.path.dirname(storage.path(uri)), ignore_errors=False, onerror=_missing_is_fine)
        return
    client = storage.bucket.meta.client
    uploads = client.list_multipart_uploads(Bucket=storage.bucket.name, Prefix=uri).get("Uploads", [])
    for upload in uploads:
        if upload["Key"] == uri:
            client.abort_multipart_upload(Bucket=storage.bucket.name, Key=uri, UploadId=upload["UploadId"])
    storage.delete(uri)


# --- multipart transfers ----------------------------------------------------------------


def part_uri(uri: str, part: int) -> str:
    """Where part PART of a local multipart transfer waits for assembly (next to the file)."""
    return f"{os.path.dirname(uri)}/part-{part:05d}"


def multipart_start(location: str, uri: str) -> str:
    """Begin a multipart transfer; on S3 a native multipart upload (its id), locally nothing."""
    storage = get_storage(location)
    if is_local(storage):
        return ""
    response = storage.bucket.meta.client.create_multipart_upload(Bucket=storage.bucket.name, Key=uri)
    return response["UploadId"]


def multipart_write_part(location: str, uri: str, upload_id: str, part: int, reader: HashingReader) -> str:
    """Store one part (overwriting an earlier try); returns the S3 part ETag (locally "")."""
    storage = get_storage(location)
    if is_local(storage):
        write_stream(location, part_uri(uri, part), reader)
        return ""
    # botocore wants a seekable body for a part: spool it to a temporary file, never to memory.
    with tempfile.TemporaryFile() as spool:
        while chunk := reader.read(CHUNK_SIZE):
            spool.write(chunk)
        spool.seek(0)
        response = storage.bucket.meta.client.upload_part(
            Bucket=storage.bucket.name, Key=uri, UploadId=upload_id, PartNumber=part, Body=spool
        )
    return response["ETag"]


def multipart_complete(location: str, uri: str, upload_id: str, parts: list[tuple[int, int, str]]) -> str:
    """Assemble the parts ((number, size, etag), in order) into URI; returns the md5 of the whole."""
    storage = get_storage(location)
    size = sum(p[1] for p in parts)
    if is_local(storage):
        chunks = (
            chunk for number, part_size, _ in parts for chunk in _iter_part(location, uri, number, part_size)
        )
        hashing = HashingReader(_IterStream(chunks), expected=size, limit=size, limit_name="file size")
        write_stream(location, uri, hashing)
        for number, _, _ in parts:
            storage.delete(part_uri(uri, number))
        return hashing.hexdigest
    storage.bucket.meta.client.complete_multipart_upload(
        Bucket=storage.bucket.name,
        Key=uri,
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": number, "ETag": etag} for number, _, etag in parts]},
    )
    return stored_md5(location, uri, size)  # S3's multipart ETag is no md5 of the bytes: read them back


def _iter_part(location: str, uri: str, number: int, size: int) -> Iterator[bytes]:
    reader = RangeReader(location, part_uri(uri, number), 0, size)
    try:
        yield from reader
    finally:
        reader.close()


def _missing_is_fine(function, path, exc_info) -> None:
    if not issubclass(exc_info[0], FileNotFoundError):
        raise exc_info[1]


# Names our uploads create: <id[:2]>/<id[2:4]>/<id>/ then the file, a temporary file, or a part.
STORED_NAME_RE = re.compile(
    r"^(?P<a>[0-9a-f]{2})/(?P<b>[0-9a-f]{2})/(?P<id>(?P=a)(?P=b)[0-9a-f]{28})/"
    r"(?:data|data\.part-[0-9a-f]{32}|part-\d{5})$"
)


@dataclass(frozen=True)
class StoredName:
    """One name found in a location: its path, the file instance id it belongs to, its age."""

    name: str
    file_id: uuid.UUID | None  # None: not a name our uploads create (never touched)
    modified: datetime


def _file_id_of(name: str) -> uuid.UUID | None:
    match = STORED_NAME_RE.match(name)
    return uuid.UUID(match["id"]) if match else None


def iter_stored(location: str) -> Iterator[StoredName]:
    """Every object of a location (local: files under the root; S3: keys, paginated)."""
    storage = get_storage(location)
    if is_local(storage):
        root = storage.path("")
        for directory, _, names in os.walk(root):
            for filename in names:
                path = os.path.join(directory, filename)
                try:
                    modified = os.stat(path).st_mtime
                except FileNotFoundError:
                    continue  # removed meanwhile
                name = os.path.relpath(path, root).replace(os.sep, "/")
                yield StoredName(name, _file_id_of(name), datetime.fromtimestamp(modified, tz=UTC))
        return
    client = storage.bucket.meta.client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket.name):
        for item in page.get("Contents", []):
            yield StoredName(item["Key"], _file_id_of(item["Key"]), item["LastModified"])


def iter_unfinished_uploads(location: str) -> Iterator[tuple[StoredName, str]]:
    """Native multipart uploads never completed nor aborted (S3 only), with their upload ids."""
    storage = get_storage(location)
    if is_local(storage):
        return
    client = storage.bucket.meta.client
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=storage.bucket.name):
        for upload in page.get("Uploads", []):
            name = StoredName(upload["Key"], _file_id_of(upload["Key"]), upload["Initiated"])
            yield name, upload["UploadId"]


def remove_stored(location: str, name: str, upload_id: str = "") -> None:
    """Remove one stored name (or abort one unfinished S3 upload); empty local directories go too."""
    storage = get_storage(location)
    if upload_id:
        storage.bucket.meta.client.abort_multipart_upload(
            Bucket=storage.bucket.name, Key=name, UploadId=upload_id
        )
        return
    if not is_local(storage):
        storage.delete(name)
        return
    path = storage.path(name)
    _remove_quietly(path)
    root = os.path.realpath(storage.path(""))
    directory = os.path.dirname(path)
    while os.path.realpath(directory) != root:
        try:
            os.rmdir(directory)
        except OSError:
            break  # not empty (or gone): stop climbing
        directory = os.path.dirname(directory)


def exists(location: str, uri: str) -> bool:
    return get_storage(location).exists(uri)


class RangeReader:
    """Iterates LENGTH bytes of a stored file from START, in chunks; close() releases it."""

    def __init__(self, location: str, uri: str, start: int, length: int):
        storage = get_storage(location)
        self.remaining = length
        if is_local(storage):
            self.handle = open(storage.path(uri), "rb")  # noqa: SIM115 (closed by close())
            self.handle.seek(start)
            self.body = None
        else:
            self.handle = None
            if length == 0:
                self.body = None
            else:
                response = storage.bucket.Object(uri).get(Range=f"bytes={start}-{start + length - 1}")
                self.body = response["Body"]

    def __iter__(self) -> Iterator[bytes]:
        while self.remaining > 0:
            size = min(CHUNK_SIZE, self.remaining)
            chunk = self.handle.read(size) if self.handle is not None else self.body.read(size)
            if not chunk:
                raise OSError(f"Stored file ended early ({self.remaining} bytes missing).")
            self.remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
        if self.body is not None:
            self.body.close()


def stored_md5(location: str, uri: str, size: int) -> str:
    """md5 hex of the stored bytes, read back in chunks (fixity checks, migrations)."""
    digest = hashlib.md5()  # noqa: S324
    reader = RangeReader(location, uri, 0, size)
    try:
        for chunk in reader:
            digest.update(chunk)
        extra = reader.handle.read(1) if reader.handle is not None else b""
    finally:
        reader.close()
    if extra:
        raise OSError("Stored file is longer than recorded.")
    return digest.hexdigest()


def stored_size(location: str, uri: str) -> int:
    return get_storage(location).size(uri)


def copy_between(source: str, target: str, uri: str, size: int) -> str:
    """Copy URI from location SOURCE to TARGET, returning the md5 of the bytes written."""
    reader = RangeReader(source, uri, 0, size)
    try:
        stream = _IterStream(iter(reader))
        hashing = HashingReader(stream, expected=size, limit=size, limit_name="file size")
        write_stream(target, uri, hashing)
    finally:
        reader.close()
    return hashing.hexdigest


class _IterStream:
    """A read(n) file interface over an iterator of chunks."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            chunk = next(self.chunks, b"")
            if not chunk:
                break
            self.buffer += chunk
        if size < 0:
            data, self.buffer = self.buffer, b""
        else:
            data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


def presigned_url(location: str, uri: str, *, filename_disposition: str, content_type: str) -> str | None:
    """A short-lived direct download URL (S3 locations only), else None."""
    storage = get_storage(location)
    if is_local(storage):
        return None
    return storage.url(
        uri,
        parameters={"ResponseContentDisposition": filename_disposition, "ResponseContentType": content_type},
        expire=60,
    )


def md5_base64(hex_digest: str) -> str:
    """RFC 1864 Content-MD5 value of an md5 hex digest."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()
