"""Multipart transfers (InvenioRDM's transfer type "M"): parts in any order, retriable, assembled at commit.

Locally each part is a file next to the final one; on S3 the parts go into a native multipart
upload. The instance being assembled hangs on ``ObjectVersion.upload_file`` until commit, so
cleanup never takes it and nothing is visible before the whole file is verified.
"""

from __future__ import annotations

import uuid
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from files import storage
from files.exceptions import ChecksumMismatch, LengthRequired, PayloadTooLarge
from files.models import FileInstance, MultipartPart, ObjectVersion
from files.services.common import draft_object
from repository.exceptions import Conflict, NotFound, ValidationError
from repository.permissions import UserLike


def expected_part_size(obj: ObjectVersion, part: int) -> int:
    if part < obj.parts:
        return obj.part_size
    return obj.expected_size - (obj.parts - 1) * obj.part_size


@transaction.atomic
def _prepare_part(*, actor: UserLike, draft_id: str, key: str, part: int, content_length: int | None):
    draft, obj = draft_object(actor, draft_id, key, lock=True)
    if obj.transfer != ObjectVersion.Transfer.MULTIPART:
        raise ValidationError("This file was not started as a multipart transfer: PUT its content.")
    if obj.status == ObjectVersion.Status.COMPLETED:
        raise Conflict(f"File {key!r} is already committed.")
    if not 1 <= part <= obj.parts:
        raise NotFound(f"Part {part} does not exist: the transfer has parts 1 to {obj.parts}.")
    if content_length is None:
        raise LengthRequired()
    expected = expected_part_size(obj, part)
    if content_length > expected:
        raise PayloadTooLarge(f"Part {part} must be {expected} bytes, got {content_length}.")
    if content_length != expected:
        raise ValidationError(f"Part {part} must be {expected} bytes, got {content_length}.")
    if obj.upload_file_id is None:
        file_id = uuid.uuid4()
        instance = FileInstance.objects.create(
            id=file_id, location=storage.default_location(), uri=storage.new_uri(file_id), writable=True
        )
        obj.multipart_upload_id = storage.multipart_start(instance.location, instance.uri)
        obj.upload_file = instance
        obj.save(update_fields=["upload_file", "multipart_upload_id"])
    return obj, obj.upload_file, expected


def multipart_upload_part(
    *, actor: UserLike, draft_id: str, key: str, part: int, stream: BinaryIO, content_length: int | None
) -> MultipartPart:
    """Store one part of a multipart transfer (any order; sending a part again replaces it)."""
    obj, instance, expected = _prepare_part(
        actor=actor, draft_id=draft_id, key=key, part=part, content_length=content_length
    )
    reader = storage.HashingReader(stream, expected=expected, limit=expected, limit_name="part size")
    etag = storage.multipart_write_part(
        instance.location, instance.uri, obj.multipart_upload_id, part, reader
    )
    with transaction.atomic():
        stored, _ = MultipartPart.objects.update_or_create(
            object_version=obj,
            part_number=part,
            defaults={"size": reader.size, "checksum": f"md5:{reader.hexdigest}", "etag": etag},
        )
    return stored


def multipart_assemble(*, actor: UserLike, draft_id: str, key: str) -> None:
    """Assemble all parts into the file, verify it, and give it to the object (still pending)."""
    draft, obj = draft_object(actor, draft_id, key, lock=False)
    if obj.file_id is not None:
        return
    parts = list(obj.uploaded_parts.order_by("part_number").values_list("part_number", "size", "etag"))
    missing = sorted(set(range(1, obj.parts + 1)) - {number for number, _, _ in parts})
    if missing or obj.upload_file is None:
        shown = ", ".join(map(str, missing[:20])) + (" ..." if len(missing) > 20 else "")
        raise ValidationError(f"Missing parts: {shown}. Upload every part before committing.")
    instance = obj.upload_file
    digest = storage.multipart_complete(instance.location, instance.uri, obj.multipart_upload_id, parts)
    size = sum(size for _, size, _ in parts)
    if obj.expected_checksum and obj.expected_checksum != f"md5:{digest}":
        _restart(obj, instance)
        raise ChecksumMismatch(
            f"Checksum mismatch: init announced {obj.expected_checksum}, assembled md5:{digest}; "
            "nothing was kept, upload the parts again."
        )
    with transaction.atomic():
        locked = ObjectVersion.objects.select_for_update().get(pk=obj.pk)
        if locked.upload_file_id != instance.pk:
            raise Conflict(f"File {key!r} changed while it was assembled.")
        FileInstance.objects.filter(pk=instance.pk).update(
            size=size, checksum=f"md5:{digest}", readable=True, writable=False
        )
        locked.file_id = instance.pk
        locked.upload_file = None
        locked.updated = timezone.now()
        locked.save(update_fields=["file", "upload_file", "updated"])
        locked.uploaded_parts.all().delete()


def _restart(obj: ObjectVersion, instance: FileInstance) -> None:
    """Forget a transfer that did not verify: its parts, its bytes, its instance."""
    with transaction.atomic():
        ObjectVersion.objects.filter(pk=obj.pk, upload_file=instance).update(
            upload_file=None, multipart_upload_id=""
        )
        MultipartPart.objects.filter(object_version=obj).delete()
    storage.delete_instance(instance.location, instance.uri)
    FileInstance.objects.filter(
        pk=instance.pk, object_versions__isnull=True, pending_uploads__isnull=True
    ).delete()
