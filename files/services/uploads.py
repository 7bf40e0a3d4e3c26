"""Uploads: init, content (streamed between two short transactions), commit, metadata, delete."""

from __future__ import annotations

import mimetypes
import re
import uuid
from dataclasses import dataclass
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from files import storage
from files.exceptions import ChecksumMismatch, LengthRequired, PayloadTooLarge
from files.models import Bucket, FileInstance, ObjectVersion
from files.services.common import (
    bucket_for,
    bucket_usage,
    delete_bucket,
    discard_after_commit,
    discard_instance,
    draft_for,
    draft_object,
    files_enabled,
    parse_content_md5,
)
from repository.exceptions import Conflict, FieldError, ValidationError
from repository.permissions import UserLike

MD5_RE = re.compile(r"^md5:[0-9a-f]{32}$")
KEY_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f]")
MAX_KEY_LENGTH = 255
S3_MIN_PART_SIZE = 5 * 1024 * 1024  # S3's smallest part (all but the last)


@dataclass(frozen=True)
class InitEntry:
    """One validated entry of an init request."""

    key: str
    size: int | None
    checksum: str
    metadata: dict | None
    transfer: str
    parts: int | None
    part_size: int | None


def _parse_entries(entries: object) -> list[InitEntry]:
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list) or not entries:
        raise ValidationError('The body must be a list of files, e.g. [{"key": "data.csv"}].')
    errors: list[FieldError] = []
    parsed: list[InitEntry] = []
    for index, entry in enumerate(entries):
        where = str(index)
        if not isinstance(entry, dict):
            errors.append(FieldError(where, ["Must be an object with a key."]))
            continue
        key = entry.get("key")
        if not isinstance(key, str) or not key.strip():
            errors.append(FieldError(f"{where}.key", ["Missing data for required field."]))
            continue
        if len(key) > MAX_KEY_LENGTH or KEY_FORBIDDEN.search(key) or key in {".", ".."}:
            errors.append(
                FieldError(f"{where}.key", [f"Must be at most {MAX_KEY_LENGTH} characters, without '/'."])
            )
            continue
        size = entry.get("size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            errors.append(FieldError(f"{where}.size", ["Must be a non-negative integer."]))
            continue
        checksum = entry.get("checksum") or ""
        if checksum and (not isinstance(checksum, str) or not MD5_RE.match(checksum.lower())):
            errors.append(FieldError(f"{where}.checksum", ['Must look like "md5:<32 hex digits>".']))
            continue
        metadata = entry.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            errors.append(FieldError(f"{where}.metadata", ["Must be an object."]))
            continue
        transfer, parts, part_size = _parse_transfer(entry.get("transfer"), size, where, errors)
        if transfer is None:
            continue
        parsed.append(InitEntry(key, size, checksum.lower(), metadata, transfer, parts, part_size))
    if errors:
        raise ValidationError(errors=errors)
    keys = [e.key for e in parsed]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValidationError(f"Duplicate keys in the request: {', '.join(duplicates)}.")
    return parsed


def _parse_transfer(transfer, size, where: str, errors: list[FieldError]):
    if transfer is None:
        return ObjectVersion.Transfer.LOCAL, None, None
    if not isinstance(transfer, dict) or transfer.get("type", "L") not in ("L", "M"):
        errors.append(FieldError(f"{where}.transfer", ['Must be {"type": "L"} or {"type": "M", ...}.']))
        return None, None, None
    if transfer.get("type", "L") == "L":
        return ObjectVersion.Transfer.LOCAL, None, None
    parts, part_size = transfer.get("parts"), transfer.get("part_size")
    good = all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (parts, part_size))
    if not good or size is None or parts > 10_000 or not (parts - 1) * part_size < size <= parts * part_size:
        errors.append(
            FieldError(
                f"{where}.transfer",
                [
                    "Multipart needs size, parts (1..10000) and part_size, "
                    "with (parts-1)*part_size < size <= parts*part_size."
                ],
            )
        )
        return None, None, None
    return ObjectVersion.Transfer.MULTIPART, parts, part_size


@transaction.atomic
def files_init(*, actor: UserLike, draft_id: str, entries: object) -> list[ObjectVersion]:
    """Start uploads: one pending object per key (InvenioRDM's step 1)."""
    draft = draft_for(actor, draft_id, "update")
    parsed = _parse_entries(entries)
    if not files_enabled(draft.json):
        raise ValidationError(
            errors=[FieldError("files.enabled", ["Files are disabled for this draft (metadata-only)."])]
        )
    bucket = bucket_for(Bucket.OwnerKind.DRAFT, draft.pk, draft.parent_id)
    existing = set(
        ObjectVersion.objects.filter(
            bucket=bucket, is_head=True, key__in=[e.key for e in parsed]
        ).values_list("key", flat=True)
    )
    if existing:
        raise ValidationError(f"File with key {', '.join(sorted(existing))} already exists; delete it first.")
    used_bytes, used_files = bucket_usage(bucket)
    if used_files + len(parsed) > bucket.max_files:
        raise ValidationError(f"Too many files: the limit is {bucket.max_files} files per record.")
    for entry in parsed:
        if entry.size is not None and entry.size > bucket.max_file_size:
            raise ValidationError(
                errors=[
                    FieldError(
                        "size",
                        [
                            f"{entry.key}: {entry.size} bytes exceed the file size limit "
                            f"({bucket.max_file_size} bytes)."
                        ],
                    )
                ]
            )
    if not storage.is_local(storage.get_storage(storage.default_location())):
        for entry in parsed:
            if entry.parts and entry.parts > 1 and entry.part_size < S3_MIN_PART_SIZE:
                raise ValidationError(
                    errors=[
                        FieldError(
                            "transfer.part_size", [f"Must be at least {S3_MIN_PART_SIZE} bytes on S3."]
                        )
                    ]
                )
    announced = sum(e.size or 0 for e in parsed)
    if used_bytes + announced > bucket.quota_size:
        raise ValidationError(
            errors=[
                FieldError("size", [f"The record's quota ({bucket.quota_size} bytes) would be exceeded."])
            ]
        )
    now = timezone.now()
    objects = [
        ObjectVersion(
            bucket=bucket,
            key=e.key,
            status=ObjectVersion.Status.PENDING,
            metadata=e.metadata,
            expected_size=e.size,
            expected_checksum=e.checksum,
            transfer=e.transfer,
            parts=e.parts,
            part_size=e.part_size,
            created=now,
            updated=now,
        )
        for e in parsed
    ]
    ObjectVersion.objects.bulk_create(objects)
    Bucket.objects.filter(pk=bucket.pk).update(updated=now)
    return objects


@transaction.atomic
def _reserve_upload(
    *, actor: UserLike, draft_id: str, key: str, content_length: int | None, terminated: bool = False
) -> tuple[FileInstance, int, str]:
    """Check that KEY may receive CONTENT_LENGTH bytes now and reserve a file instance for them.

    Without a length, only a body the server delimits (TERMINATED: chunked coding decoded by
    the server) is accepted; its size is then checked against the limits while it streams.
    """
    draft, obj = draft_object(actor, draft_id, key, lock=True)
    if obj.transfer == ObjectVersion.Transfer.MULTIPART:
        raise ValidationError("This file was started as a multipart transfer: upload its parts.")
    if obj.status == ObjectVersion.Status.COMPLETED:
        raise Conflict(f"File {key!r} is already committed; delete it to upload new content.")
    if content_length is None and not terminated:
        raise LengthRequired()
    bucket = obj.bucket
    if content_length is not None and obj.expected_size is not None and content_length != obj.expected_size:
        raise ValidationError(
            f"Content-Length ({content_length}) differs from the size announced at init "
            f"({obj.expected_size})."
        )
    if content_length is not None and content_length > bucket.max_file_size:
        raise PayloadTooLarge(
            f"{content_length} bytes exceed the file size limit ({bucket.max_file_size} bytes)."
        )
    used_bytes, _ = bucket_usage(bucket, exclude=obj)
    room = bucket.quota_size - used_bytes
    if content_length is not None and content_length > room:
        raise PayloadTooLarge(
            f"The record's quota ({bucket.quota_size} bytes) would be exceeded: {max(room, 0)} bytes left."
        )
    file_id = uuid.uuid4()
    instance = FileInstance.objects.create(
        id=file_id, location=storage.default_location(), uri=storage.new_uri(file_id), writable=True
    )
    limit = min(bucket.max_file_size, room)
    name = "file size limit" if limit == bucket.max_file_size else "record's quota"
    return instance, limit, name


def file_upload_content(
    *,
    actor: UserLike,
    draft_id: str,
    key: str,
    stream: BinaryIO,
    content_length: int | None,
    content_md5: str | None = None,
    terminated: bool = False,
) -> ObjectVersion:
    """Stream a pending file's bytes to storage, hashing them; InvenioRDM's step 2.

    Not one transaction on purpose: the bytes are streamed between two short ones. Without
    CONTENT_LENGTH the STREAM must be TERMINATED (it ends where the body ends), else 411.
    """
    expected_md5 = parse_content_md5(content_md5) if content_md5 else None
    instance, limit, limit_name = _reserve_upload(
        actor=actor, draft_id=draft_id, key=key, content_length=content_length, terminated=terminated
    )
    reader = storage.HashingReader(stream, expected=content_length, limit=limit, limit_name=limit_name)
    try:
        storage.write_stream(instance.location, instance.uri, reader)
        digest = reader.hexdigest
        if expected_md5 and expected_md5 != digest:
            raise ChecksumMismatch(
                f"Content-MD5 mismatch: received bytes have md5 {digest}; nothing was kept."
            )
        return _link_content(
            actor=actor, draft_id=draft_id, key=key, instance=instance, digest=digest, size=reader.size
        )
    except BaseException:
        discard_instance(instance)
        raise


@transaction.atomic
def _link_content(
    *, actor: UserLike, draft_id: str, key: str, instance: FileInstance, digest: str, size: int
) -> ObjectVersion:
    draft, obj = draft_object(actor, draft_id, key, lock=True)
    if obj.status == ObjectVersion.Status.COMPLETED:
        raise Conflict(f"File {key!r} was committed meanwhile; delete it to upload new content.")
    if obj.expected_size is not None and size != obj.expected_size:
        raise ValidationError(
            f"The body has {size} bytes, not the size announced at init ({obj.expected_size}); "
            "nothing was kept."
        )
    if obj.expected_checksum and obj.expected_checksum != f"md5:{digest}":
        raise ChecksumMismatch(
            f"Checksum mismatch: init announced {obj.expected_checksum}, "
            f"received md5:{digest}; nothing was kept."
        )
    used_bytes, _ = bucket_usage(obj.bucket, exclude=obj)
    if used_bytes + size > obj.bucket.quota_size:
        raise PayloadTooLarge(f"The record's quota ({obj.bucket.quota_size} bytes) would be exceeded.")
    previous = obj.file_id
    FileInstance.objects.filter(pk=instance.pk).update(
        size=size, checksum=f"md5:{digest}", readable=True, writable=False
    )
    instance.size, instance.checksum, instance.readable, instance.writable = (
        size,
        f"md5:{digest}",
        True,
        False,
    )
    obj.file = instance  # as stored: the caller renders the entry without reading it back
    obj.updated = timezone.now()
    obj.save(update_fields=["file", "updated"])
    if previous:
        discard_after_commit([previous])
    return obj


def file_commit(*, actor: UserLike, draft_id: str, key: str) -> ObjectVersion:
    """Complete an upload (InvenioRDM's step 3): the file becomes part of the draft.

    A multipart transfer is assembled and verified first, outside any transaction.
    """
    draft, obj = draft_object(actor, draft_id, key, lock=False)
    if obj.transfer == ObjectVersion.Transfer.MULTIPART and obj.status == ObjectVersion.Status.PENDING:
        from files.multipart import multipart_assemble

        multipart_assemble(actor=actor, draft_id=draft_id, key=key)
    return _commit(actor=actor, draft_id=draft_id, key=key)


@transaction.atomic
def _commit(*, actor: UserLike, draft_id: str, key: str) -> ObjectVersion:
    draft, obj = draft_object(actor, draft_id, key, lock=True)
    if obj.status == ObjectVersion.Status.COMPLETED:
        return obj
    if obj.file_id is None:
        raise ValidationError(f"File {key!r} has no content yet: upload it before committing.")
    obj.status = ObjectVersion.Status.COMPLETED
    obj.mimetype = mimetypes.guess_type(key, strict=False)[0] or "application/octet-stream"
    obj.updated = timezone.now()
    obj.save(update_fields=["status", "mimetype", "updated"])
    return obj


@transaction.atomic
def file_update_metadata(*, actor: UserLike, draft_id: str, key: str, metadata: object) -> ObjectVersion:
    """Replace a draft file's metadata (InvenioRDM's PUT .../draft/files/{key})."""
    if not isinstance(metadata, dict):
        raise ValidationError(errors=[FieldError("metadata", ["Must be an object."])])
    draft, obj = draft_object(actor, draft_id, key, lock=True)
    obj.metadata = metadata
    obj.updated = timezone.now()
    obj.save(update_fields=["metadata", "updated"])
    return obj


@transaction.atomic
def file_delete(*, actor: UserLike, draft_id: str, key: str) -> None:
    """Remove a file from a draft; the published version and its bytes are never touched."""
    draft, obj = draft_object(actor, draft_id, key, lock=True)
    file_ids = [i for i in (obj.file_id, obj.upload_file_id) if i]
    obj.delete()
    discard_after_commit(file_ids)


@transaction.atomic
def files_delete_all(*, actor: UserLike, draft_id: str) -> None:
    """Remove every file of a draft."""
    draft = draft_for(actor, draft_id, "update")
    delete_bucket(Bucket.OwnerKind.DRAFT, draft.pk)
