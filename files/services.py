"""Every write to files goes through these functions.

Uploads run in three short transactions around the streaming (so a long upload holds no
database lock): reserve a file instance, stream the bytes to storage while hashing them,
then link the verified instance to its object version. A failed or cut stream removes its
bytes and its instance row; what a crash leaves behind is an unreferenced instance, which
the cleanup task removes after a grace period.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from files import storage
from files.exceptions import ChecksumMismatch, LengthRequired, PayloadTooLarge
from files.models import Bucket, FileInstance, ObjectVersion, RecordQuota, UserQuota
from records.models import DeletionStatus, Draft, Record
from records.permissions import draft_policy
from repository.exceptions import Conflict, FieldError, NotFound, ValidationError
from repository.permissions import UserLike, is_admin

logger = logging.getLogger(__name__)

MD5_RE = re.compile(r"^md5:[0-9a-f]{32}$")
KEY_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f]")
MAX_KEY_LENGTH = 255
S3_MIN_PART_SIZE = 5 * 1024 * 1024  # S3's smallest part (all but the last)


# --- buckets and limits --------------------------------------------------------------


def _limits_for(parent_id: str) -> dict:
    """Limits of a new bucket: the record's quota, else its owner's, else the settings."""
    quota = (
        RecordQuota.objects.filter(parent_id=parent_id).first()
        or UserQuota.objects.filter(user__parents__pk=parent_id).first()
    )
    return {
        "quota_size": quota.quota_size if quota else settings.FILES_MAX_RECORD_SIZE,
        "max_file_size": quota.max_file_size if quota else settings.FILES_MAX_FILE_SIZE,
        "max_files": settings.FILES_MAX_FILES,
    }


def _bucket(kind: str, record_id: str, parent_id: str, *, lock: bool = True) -> Bucket:
    """The bucket of a draft or record, created on first use; locked for update when LOCK."""
    queryset = Bucket.objects.select_for_update() if lock else Bucket.objects
    bucket = queryset.filter(owner_kind=kind, record_id=record_id).first()
    if bucket is None:
        try:
            with transaction.atomic():  # a concurrent first upload may create it first
                bucket = Bucket.objects.create(
                    owner_kind=kind,
                    record_id=record_id,
                    locked=kind == Bucket.OwnerKind.RECORD,
                    **_limits_for(parent_id),
                )
        except IntegrityError:
            bucket = queryset.get(owner_kind=kind, record_id=record_id)
    return bucket


def _draft_for(actor: UserLike, draft_id: str, action: str) -> Draft:
    """The draft, if the actor may see it (else 404) and do ACTION (else 403)."""
    draft = Draft.objects.select_related("parent").filter(pk=draft_id).first()
    if draft is None or not draft_policy.can(actor, "read", draft):
        raise NotFound("Draft not found.")
    draft_policy.require(actor, action, draft)
    return draft


def files_enabled(document: dict) -> bool:
    files = document.get("files") if isinstance(document.get("files"), dict) else {}
    return files.get("enabled", True) is not False


def _used(bucket: Bucket, *, exclude: ObjectVersion | None = None) -> tuple[int, int]:
    """(bytes, files) the bucket's head objects take, counting announced sizes of pending ones."""
    heads = ObjectVersion.objects.filter(bucket=bucket, is_head=True, delete_marker=False)
    if exclude is not None:
        heads = heads.exclude(pk=exclude.pk)
    stored = heads.filter(file__isnull=False).aggregate(s=Sum("file__size"))["s"] or 0
    announced = heads.filter(file__isnull=True).aggregate(s=Sum("expected_size"))["s"] or 0
    return stored + announced, heads.count()


# --- upload: init, content, commit ---------------------------------------------------


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
    draft = _draft_for(actor, draft_id, "update")
    parsed = _parse_entries(entries)
    if not files_enabled(draft.json):
        raise ValidationError(
            errors=[FieldError("files.enabled", ["Files are disabled for this draft (metadata-only)."])]
        )
    bucket = _bucket(Bucket.OwnerKind.DRAFT, draft.pk, draft.parent_id)
    existing = set(
        ObjectVersion.objects.filter(
            bucket=bucket, is_head=True, key__in=[e.key for e in parsed]
        ).values_list("key", flat=True)
    )
    if existing:
        raise ValidationError(f"File with key {', '.join(sorted(existing))} already exists; delete it first.")
    used_bytes, used_files = _used(bucket)
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


def _pending_object(actor: UserLike, draft_id: str, key: str, *, lock: bool) -> tuple[Draft, ObjectVersion]:
    draft = _draft_for(actor, draft_id, "update")
    queryset = ObjectVersion.objects.select_related("bucket", "file")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    obj = queryset.filter(
        bucket__owner_kind=Bucket.OwnerKind.DRAFT, bucket__record_id=draft.pk, key=key, is_head=True
    ).first()
    if obj is None:
        raise NotFound(f"File {key!r} not found in the draft.")
    return draft, obj


def parse_content_md5(header: str) -> str:
    """The md5 hex digest named by a Content-MD5 header (base64, or hex); 400 when malformed."""
    import base64
    import binascii

    value = header.strip()
    if re.fullmatch(r"[0-9a-fA-F]{32}", value):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 16:
        raise ValidationError("Content-MD5 must be the base64 (or hex) md5 digest of the body.")
    return raw.hex()


@transaction.atomic
def _reserve_upload(
    *, actor: UserLike, draft_id: str, key: str, content_length: int | None
) -> tuple[FileInstance, int, str]:
    """Check that KEY may receive CONTENT_LENGTH bytes now and reserve a file instance for them."""
    draft, obj = _pending_object(actor, draft_id, key, lock=True)
    if obj.transfer == ObjectVersion.Transfer.MULTIPART:
        raise ValidationError("This file was started as a multipart transfer: upload its parts.")
    if obj.status == ObjectVersion.Status.COMPLETED:
        raise Conflict(f"File {key!r} is already committed; delete it to upload new content.")
    if content_length is None:
        raise LengthRequired()
    bucket = obj.bucket
    if obj.expected_size is not None and content_length != obj.expected_size:
        raise ValidationError(
            f"Content-Length ({content_length}) differs from the size announced at init "
            f"({obj.expected_size})."
        )
    if content_length > bucket.max_file_size:
        raise PayloadTooLarge(
            f"{content_length} bytes exceed the file size limit ({bucket.max_file_size} bytes)."
        )
    used_bytes, _ = _used(bucket, exclude=obj)
    room = bucket.quota_size - used_bytes
    if content_length > room:
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


def _discard_instance(instance: FileInstance) -> None:
    """Remove a never-linked instance: bytes first, then the row (both best effort, logged)."""
    try:
        storage.delete_instance(instance.location, instance.uri)
    except Exception:  # the row stays, so the cleanup task tries again later
        logger.exception("Could not remove the bytes of file instance %s", instance.pk)
        return
    FileInstance.objects.filter(
        pk=instance.pk, object_versions__isnull=True, pending_uploads__isnull=True
    ).delete()


def file_upload_content(
    *,
    actor: UserLike,
    draft_id: str,
    key: str,
    stream: BinaryIO,
    content_length: int | None,
    content_md5: str | None = None,
) -> ObjectVersion:
    """Stream a pending file's bytes to storage, hashing them; InvenioRDM's step 2.

    Not one transaction on purpose: the bytes are streamed between two short ones.
    """
    expected_md5 = parse_content_md5(content_md5) if content_md5 else None
    instance, limit, limit_name = _reserve_upload(
        actor=actor, draft_id=draft_id, key=key, content_length=content_length
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
        _discard_instance(instance)
        raise


@transaction.atomic
def _link_content(
    *, actor: UserLike, draft_id: str, key: str, instance: FileInstance, digest: str, size: int
) -> ObjectVersion:
    draft, obj = _pending_object(actor, draft_id, key, lock=True)
    if obj.status == ObjectVersion.Status.COMPLETED:
        raise Conflict(f"File {key!r} was committed meanwhile; delete it to upload new content.")
    if obj.expected_checksum and obj.expected_checksum != f"md5:{digest}":
        raise ChecksumMismatch(
            f"Checksum mismatch: init announced {obj.expected_checksum}, "
            f"received md5:{digest}; nothing was kept."
        )
    used_bytes, _ = _used(obj.bucket, exclude=obj)
    if used_bytes + size > obj.bucket.quota_size:
        raise PayloadTooLarge(f"The record's quota ({obj.bucket.quota_size} bytes) would be exceeded.")
    previous = obj.file_id
    FileInstance.objects.filter(pk=instance.pk).update(
        size=size, checksum=f"md5:{digest}", readable=True, writable=False
    )
    obj.file_id = instance.pk
    obj.updated = timezone.now()
    obj.save(update_fields=["file", "updated"])
    if previous:
        _discard_after_commit([previous])
    return obj


def file_commit(*, actor: UserLike, draft_id: str, key: str) -> ObjectVersion:
    """Complete an upload (InvenioRDM's step 3): the file becomes part of the draft.

    A multipart transfer is assembled and verified first, outside any transaction.
    """
    draft, obj = _pending_object(actor, draft_id, key, lock=False)
    if obj.transfer == ObjectVersion.Transfer.MULTIPART and obj.status == ObjectVersion.Status.PENDING:
        from files.multipart import multipart_assemble

        multipart_assemble(actor=actor, draft_id=draft_id, key=key)
    return _commit(actor=actor, draft_id=draft_id, key=key)


@transaction.atomic
def _commit(*, actor: UserLike, draft_id: str, key: str) -> ObjectVersion:
    draft, obj = _pending_object(actor, draft_id, key, lock=True)
    if obj.status == ObjectVersion.Status.COMPLETED:
        return obj
    if obj.file_id is None:
        raise ValidationError(f"File {key!r} has no content yet: upload it before committing.")
    obj.status = ObjectVersion.Status.COMPLETED
    obj.mimetype = mimetypes.guess_type(key, strict=False)[0] or "application/octet-stream"
    obj.updated = timezone.now()
    obj.save(update_fields=["status", "mimetype", "updated"])
    return ObjectVersion.objects.select_related("bucket", "file").get(pk=obj.pk)


@transaction.atomic
def file_update_metadata(*, actor: UserLike, draft_id: str, key: str, metadata: object) -> ObjectVersion:
    """Replace a draft file's metadata (InvenioRDM's PUT .../draft/files/{key})."""
    if not isinstance(metadata, dict):
        raise ValidationError(errors=[FieldError("metadata", ["Must be an object."])])
    draft, obj = _pending_object(actor, draft_id, key, lock=True)
    obj.metadata = metadata
    obj.updated = timezone.now()
    obj.save(update_fields=["metadata", "updated"])
    return obj


@transaction.atomic
def file_delete(*, actor: UserLike, draft_id: str, key: str) -> None:
    """Remove a file from a draft; the published version and its bytes are never touched."""
    draft, obj = _pending_object(actor, draft_id, key, lock=True)
    file_ids = [i for i in (obj.file_id, obj.upload_file_id) if i]
    obj.delete()
    _discard_after_commit(file_ids)


@transaction.atomic
def files_delete_all(*, actor: UserLike, draft_id: str) -> None:
    """Remove every file of a draft."""
    draft = _draft_for(actor, draft_id, "update")
    _delete_bucket(Bucket.OwnerKind.DRAFT, draft.pk)


def _delete_bucket(kind: str, record_id: str) -> None:
    bucket = Bucket.objects.select_for_update().filter(owner_kind=kind, record_id=record_id).first()
    if bucket is None:
        return
    file_ids = [
        file_id
        for pair in bucket.versions.values_list("file_id", "upload_file_id")
        for file_id in pair
        if file_id
    ]
    bucket.versions.all().delete()
    bucket.delete()
    _discard_after_commit(file_ids)


def _discard_after_commit(file_ids: Iterable) -> None:
    """After commit, remove the instances among FILE_IDS that no object references any more."""
    ids = [str(i) for i in file_ids]
    if ids:
        transaction.on_commit(lambda: discard_unreferenced(ids))


def discard_unreferenced(file_ids: list[str]) -> int:
    """Remove the bytes and rows of the instances among FILE_IDS that no object references."""
    removed = 0
    unreferenced = FileInstance.objects.filter(
        pk__in=file_ids, object_versions__isnull=True, pending_uploads__isnull=True
    )
    for instance in unreferenced:
        _discard_instance(instance)
        removed += 1
    return removed


@transaction.atomic
def files_import(*, actor: UserLike, draft_id: str) -> list[ObjectVersion]:
    """Link the previous version's files into a new-version draft (no byte copy)."""
    draft = _draft_for(actor, draft_id, "update")
    if Record.objects.filter(pk=draft.pk).exists():
        raise ValidationError("Only a new version's draft can import files.")
    previous = (
        Record.objects.filter(parent_id=draft.parent_id, deletion_status=DeletionStatus.PUBLISHED)
        .order_by("-index")
        .first()
    )
    if previous is None:
        raise ValidationError("There is no published version to import files from.")
    if not files_enabled(draft.json):
        raise ValidationError(
            errors=[FieldError("files.enabled", ["Files are disabled for this draft (metadata-only)."])]
        )
    bucket = _bucket(Bucket.OwnerKind.DRAFT, draft.pk, draft.parent_id)
    if bucket.versions.filter(is_head=True).exists():
        raise ValidationError("The draft already has files; delete them before importing.")
    _copy_heads(Bucket.OwnerKind.RECORD, previous.pk, bucket)
    return list(bucket.versions.filter(is_head=True).select_related("file").order_by("key"))


def _copy_heads(kind: str, record_id: str, target: Bucket) -> None:
    """Give TARGET completed objects pointing at the same instances as the heads of a bucket."""
    source = Bucket.objects.filter(owner_kind=kind, record_id=record_id).first()
    if source is None:
        return
    now = timezone.now()
    ObjectVersion.objects.bulk_create(
        ObjectVersion(
            bucket=target,
            key=obj.key,
            file_id=obj.file_id,
            status=ObjectVersion.Status.COMPLETED,
            mimetype=obj.mimetype,
            metadata=obj.metadata,
            created=now,
            updated=now,
        )
        for obj in source.versions.filter(is_head=True, delete_marker=False).exclude(file=None)
    )


def _check_quota_values(quota_size: object, max_file_size: object, notes: object) -> None:
    errors = []
    for name, value in (("quota_size", quota_size), ("max_file_size", max_file_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors.append(FieldError(name, ["Must be a positive integer (bytes)."]))
    if not isinstance(notes, str):
        errors.append(FieldError("notes", ["Must be a string."]))
    if errors:
        raise ValidationError(errors=errors)
    if max_file_size > quota_size:
        raise ValidationError(errors=[FieldError("max_file_size", ["Must not exceed quota_size."])])


@transaction.atomic
def user_quota_set(
    *, actor: UserLike, user_id: int, quota_size: object, max_file_size: object, notes: object = ""
) -> UserQuota:
    """Set the file quota of every record a user owns (admins); applies to their open drafts too."""
    from django.contrib.auth import get_user_model

    from repository.exceptions import PermissionDenied

    if not is_admin(actor):
        raise PermissionDenied("Only administrators can change quotas.")
    _check_quota_values(quota_size, max_file_size, notes)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    quota, _ = UserQuota.objects.update_or_create(
        user=user,
        defaults={
            "quota_size": quota_size,
            "max_file_size": max_file_size,
            "notes": notes,
            "updated": timezone.now(),
        },
    )
    with_own_quota = RecordQuota.objects.values("parent_id")
    drafts = Draft.objects.filter(parent__owner=user).exclude(parent_id__in=with_own_quota).values("pk")
    Bucket.objects.filter(owner_kind=Bucket.OwnerKind.DRAFT, record_id__in=drafts).update(
        quota_size=quota_size, max_file_size=max_file_size, updated=timezone.now()
    )
    return quota


@transaction.atomic
def record_quota_set(
    *, actor: UserLike, record_id: str, quota_size: object, max_file_size: object, notes: object = ""
) -> RecordQuota:
    """Set a record's file quota (admins); applies to its draft and future versions."""
    from repository.exceptions import PermissionDenied

    if not is_admin(actor):
        raise PermissionDenied("Only administrators can change quotas.")
    _check_quota_values(quota_size, max_file_size, notes)
    draft = Draft.objects.filter(pk=record_id).first()
    record = Record.objects.filter(pk=record_id).first()
    owner = draft or record
    if owner is None:
        raise NotFound()
    quota, _ = RecordQuota.objects.update_or_create(
        parent_id=owner.parent_id,
        defaults={
            "quota_size": quota_size,
            "max_file_size": max_file_size,
            "notes": notes,
            "updated": timezone.now(),
        },
    )
    Bucket.objects.filter(
        Q(owner_kind=Bucket.OwnerKind.DRAFT, record_id=record_id)
        | Q(
            owner_kind=Bucket.OwnerKind.DRAFT,
            record_id__in=Draft.objects.filter(parent_id=owner.parent_id).values("pk"),
        )
    ).update(quota_size=quota_size, max_file_size=max_file_size, updated=timezone.now())
    return quota


# --- hooks called by records.services --------------------------------------------------


def files_publish_errors(draft: Draft) -> list[FieldError]:
    """Why the draft's files keep it from being published (InvenioRDM's rules), if anything."""
    heads = list(
        ObjectVersion.objects.filter(
            bucket__owner_kind=Bucket.OwnerKind.DRAFT, bucket__record_id=draft.pk, is_head=True
        ).values_list("key", "status")
    )
    files = draft.json.get("files") if isinstance(draft.json.get("files"), dict) else {}
    errors = []
    if not files_enabled(draft.json):
        if heads:
            errors.append(
                FieldError(
                    "files.enabled",
                    ["You must first delete all files to set the record to be metadata-only."],
                )
            )
        return errors
    unfinished = sorted(key for key, status in heads if status != ObjectVersion.Status.COMPLETED)
    if unfinished:
        errors.append(
            FieldError("files", [f"Files not committed (pending or failed): {', '.join(unfinished)}."])
        )
    completed = {key for key, status in heads if status == ObjectVersion.Status.COMPLETED}
    if not completed and not unfinished:
        errors.append(
            FieldError(
                "files.enabled",
                ["Missing uploaded files. To disable files for this record please mark it as metadata-only."],
            )
        )
    preview = files.get("default_preview")
    if preview and preview not in completed:
        errors.append(FieldError("files.default_preview", [f"No file {preview!r} in the draft."]))
    order = files.get("order") if isinstance(files.get("order"), list) else []
    unknown = [key for key in order if key not in completed]
    if unknown:
        errors.append(
            FieldError("files.order", [f"No such files in the draft: {', '.join(map(str, unknown))}."])
        )
    return errors


def files_publish(*, draft: Draft, record: Record) -> None:
    """Make the published record's bucket show the draft's files (same instances), then drop the draft's.

    Keys the draft no longer has get a delete marker in the record's bucket, so earlier
    revisions of the record keep their files referenced.
    """
    draft_bucket = Bucket.objects.filter(owner_kind=Bucket.OwnerKind.DRAFT, record_id=draft.pk).first()
    target = _bucket(Bucket.OwnerKind.RECORD, record.pk, record.parent_id)
    draft_heads = (
        {o.key: o for o in draft_bucket.versions.filter(is_head=True).exclude(file=None)}
        if draft_bucket
        else {}
    )
    record_heads = {o.key: o for o in target.versions.filter(is_head=True)}
    now = timezone.now()
    replaced, new = [], []
    for key, obj in draft_heads.items():
        current = record_heads.get(key)
        if current is not None and current.file_id == obj.file_id and current.metadata == obj.metadata:
            continue
        if current is not None:
            replaced.append(current.pk)
        new.append(
            ObjectVersion(
                bucket=target,
                key=key,
                file_id=obj.file_id,
                status=ObjectVersion.Status.COMPLETED,
                mimetype=obj.mimetype,
                metadata=obj.metadata,
                created=now,
                updated=now,
            )
        )
    for key, current in record_heads.items():
        if key not in draft_heads and not current.delete_marker:
            replaced.append(current.pk)
            new.append(
                ObjectVersion(
                    bucket=target,
                    key=key,
                    delete_marker=True,
                    status=ObjectVersion.Status.COMPLETED,
                    created=now,
                    updated=now,
                )
            )
    ObjectVersion.objects.filter(pk__in=replaced).update(is_head=False, updated=now)
    ObjectVersion.objects.bulk_create(new)
    if draft_bucket is not None:
        draft_bucket.versions.all().delete()
        draft_bucket.delete()


def files_edit(*, record: Record, draft: Draft) -> None:
    """An edit draft starts with the published record's files (same instances)."""
    if Bucket.objects.filter(owner_kind=Bucket.OwnerKind.DRAFT, record_id=draft.pk).exists():
        return
    bucket = _bucket(Bucket.OwnerKind.DRAFT, draft.pk, record.parent_id)
    _copy_heads(Bucket.OwnerKind.RECORD, record.pk, bucket)


def files_discard_draft(*, draft_id: str) -> None:
    """A discarded draft takes its bucket along; bytes only the draft had are removed."""
    _delete_bucket(Bucket.OwnerKind.DRAFT, draft_id)
