"""The local upload pipeline: receiving, hashing and writing on three threads, O_DIRECT writes.

Small buffers (a few blocks) make a body of a few KiB cross many of them, so the ring of
buffers, the unaligned tail and the failure paths are exercised without moving megabytes.
"""

from __future__ import annotations

import errno
import io
import os

import pytest

from files import services, storage
from files.exceptions import UploadIncomplete
from files.models import FileInstance, ObjectVersion
from tests.files.conftest import md5

pytestmark = pytest.mark.django_db

BLOCK = storage.DIRECT_ALIGN


@pytest.fixture
def small_buffers(monkeypatch):
    monkeypatch.setattr(storage, "PIPELINE_BUFFER_SIZE", 4 * BLOCK)
    monkeypatch.setattr(storage, "PIPELINE_BUFFERS", 2)


class ReadOnly:
    """A request stream with read() only (no readinto), handing out at most 1,000 bytes a call."""

    def __init__(self, data: bytes):
        self.source = io.BytesIO(data)

    def read(self, size=-1):
        return self.source.read(min(size, 1000) if size >= 0 else 1000)


def put(user, draft, key: str, stream, length: int | None):
    services.files_init(actor=user, draft_id=draft.pk, entries=[{"key": key}])
    return services.file_upload_content(
        actor=user, draft_id=draft.pk, key=key, stream=stream, content_length=length
    )


def stored_bytes(directory) -> dict[str, bytes]:
    if not directory.exists():
        return {}
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "size", [0, 1, BLOCK - 1, BLOCK, 4 * BLOCK, 4 * BLOCK + 1, 13 * BLOCK + 777], ids=lambda s: f"{s}B"
)
@pytest.mark.parametrize("kind", ["readinto", "read-only"])
def test_bytes_and_checksum_survive_any_length_and_stream(user, draft, local_only, small_buffers, size, kind):
    """Whole blocks go out with O_DIRECT, a shorter tail through the page cache: same bytes, same md5."""
    data = os.urandom(size)
    stream = io.BytesIO(data) if kind == "readinto" else ReadOnly(data)
    obj = put(user, draft, "data.bin", stream, size)
    instance = FileInstance.objects.get(pk=obj.file_id)
    assert (instance.size, instance.checksum) == (size, f"md5:{md5(data)}")
    assert list(stored_bytes(local_only).values()) == [data]


def test_a_filesystem_without_o_direct_gets_buffered_writes(
    user, draft, local_only, small_buffers, monkeypatch
):
    """tmpfs and some others refuse O_DIRECT when the file is opened: the upload goes through anyway."""
    real_open = os.open

    def open_without_direct(path, flags, *args):
        if flags & os.O_DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, *args)

    monkeypatch.setattr(storage.os, "open", open_without_direct)
    data = os.urandom(9 * BLOCK + 5)
    obj = put(user, draft, "data.bin", io.BytesIO(data), len(data))
    assert FileInstance.objects.get(pk=obj.file_id).checksum == f"md5:{md5(data)}"
    assert list(stored_bytes(local_only).values()) == [data]


def test_a_filesystem_refusing_o_direct_writes_gets_buffered_writes(
    user, draft, local_only, small_buffers, monkeypatch
):
    """Some filesystems take O_DIRECT at open and refuse the writes (EINVAL): the rest is buffered."""
    real_write = os.write
    calls = []

    def write_refusing_direct(fd, data):
        calls.append(len(data))
        if len(calls) == 2:  # the first block-aligned write went through, the second is refused
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(storage.os, "write", write_refusing_direct)
    data = os.urandom(11 * BLOCK + 3)
    obj = put(user, draft, "data.bin", io.BytesIO(data), len(data))
    assert FileInstance.objects.get(pk=obj.file_id).checksum == f"md5:{md5(data)}"
    assert list(stored_bytes(local_only).values()) == [data]


def test_a_failing_hashing_thread_fails_the_upload_and_leaves_nothing(
    user, draft, local_only, small_buffers, monkeypatch
):
    hashed = []

    def hash_then_fail(self, data):
        hashed.append(len(data))
        if len(hashed) == 2:
            raise MemoryError("no memory for the digest")
        self.md5.update(data)

    monkeypatch.setattr(storage.HashingReader, "hash", hash_then_fail)
    data = os.urandom(20 * BLOCK)
    with pytest.raises(MemoryError, match="no memory for the digest"):
        put(user, draft, "data.bin", io.BytesIO(data), len(data))
    assert stored_bytes(local_only) == {} and not FileInstance.objects.exists()
    assert ObjectVersion.objects.get(key="data.bin").file_id is None
    assert len(hashed) == 2, "the hashing thread kept working after its failure"


def test_a_failing_disk_write_fails_the_upload_and_leaves_nothing(
    user, draft, local_only, small_buffers, monkeypatch
):
    real_write = os.write
    writes = []

    def write_then_fail(fd, data):
        writes.append(len(data))
        if len(writes) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(storage.os, "write", write_then_fail)
    data = os.urandom(20 * BLOCK)
    with pytest.raises(OSError, match="No space left"):
        put(user, draft, "data.bin", io.BytesIO(data), len(data))
    assert stored_bytes(local_only) == {} and not FileInstance.objects.exists()
    assert len(writes) == 3, "the writing thread kept writing after its failure"


def test_the_body_ending_early_stops_both_threads_and_leaves_nothing(user, draft, local_only, small_buffers):
    """The client goes away after several buffers: nothing is kept, whatever the threads had done."""
    data = os.urandom(10 * BLOCK)
    with pytest.raises(UploadIncomplete, match=f"after {10 * BLOCK} of {10 * BLOCK + 1} bytes"):
        put(user, draft, "data.bin", io.BytesIO(data), len(data) + 1)
    assert stored_bytes(local_only) == {} and not FileInstance.objects.exists()


@pytest.fixture
def started_threads(monkeypatch):
    """Names of the threads the upload code starts."""
    names = []
    real_thread = storage.threading.Thread

    def counting_thread(*args, **kwargs):
        names.append(kwargs.get("name"))
        return real_thread(*args, **kwargs)

    monkeypatch.setattr(storage.threading, "Thread", counting_thread)
    return names


@pytest.mark.parametrize("size", [0, 1, 4 * BLOCK], ids=lambda s: f"{s}B")
def test_a_body_that_fits_one_buffer_is_stored_without_threads(
    user, draft, local_only, small_buffers, started_threads, size
):
    """Nothing to overlap in one buffer: receiving, hashing, writing and fsync on the request thread."""
    data = os.urandom(size)
    obj = put(user, draft, "data.bin", io.BytesIO(data), size)
    assert FileInstance.objects.get(pk=obj.file_id).checksum == f"md5:{md5(data)}"
    assert list(stored_bytes(local_only).values()) == [data]
    assert started_threads == []


def test_a_larger_body_goes_through_the_pipeline(user, draft, local_only, small_buffers, started_threads):
    data = os.urandom(4 * BLOCK + 1)
    put(user, draft, "data.bin", io.BytesIO(data), len(data))
    assert started_threads == ["file-hasher", "file-writer"]
    assert list(stored_bytes(local_only).values()) == [data]


def test_a_small_body_ending_early_leaves_nothing(user, draft, local_only, small_buffers, started_threads):
    data = os.urandom(2 * BLOCK)
    with pytest.raises(UploadIncomplete, match=f"after {2 * BLOCK} of {2 * BLOCK + 1} bytes"):
        put(user, draft, "data.bin", ReadOnly(data), len(data) + 1)
    assert stored_bytes(local_only) == {} and not FileInstance.objects.exists()
    assert started_threads == []


def test_a_small_body_failing_its_disk_write_leaves_nothing(
    user, draft, local_only, small_buffers, started_threads, monkeypatch
):
    def no_space(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "write", no_space)
    with pytest.raises(OSError, match="No space left"):
        put(user, draft, "data.bin", io.BytesIO(os.urandom(3 * BLOCK)), 3 * BLOCK)
    assert stored_bytes(local_only) == {} and not FileInstance.objects.exists()
    assert started_threads == []
