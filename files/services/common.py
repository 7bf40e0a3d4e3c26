"""Helpers the files services share: buckets and their limits, draft lookups, discarding bytes."""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from files import storage
from files.models import Bucket, FileInstance, ObjectVersion, RecordQuota, UserQuota
from records.models import Draft
from records.permissions import draft_policy
from repository.exceptions import NotFound, ValidationError
from repository.permissions import UserLike

logger = logging.getLogger(__name__)


def limits_for(parent_id: str) -> dict:
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


def bucket_for(kind: str, record_id: str, parent_id: str, *, lock: bool = True) -> Bucket:
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
                    **limits_for(parent_id),
                )
        except IntegrityError:
            bucket = queryset.get(owner_kind=kind, record_id=record_id)
    return bucket


def draft_for(actor: UserLike, draft_id: str, action: str) -> Draft:
    """The draft, if the actor may see it (else 404) and do ACTION (else 403)."""
    draft = Draft.objects.select_related("parent").filter(pk=draft_id).first()
    if draft is None or not draft_policy.can(actor, "read", draft):
        raise NotFound("Draft not found.")
    draft_policy.require(actor, action, draft)
    return draft


def files_enabled(document: dict) -> bool:
    files = document.get("files") if isinstance(document.get("files"), dict) else {}
    return files.get("enabled", True) is not False


def bucket_usage(bucket: Bucket, *, exclude: ObjectVersion | None = None) -> tuple[int, int]:
    """(bytes, files) the bucket's head objects take, counting announced sizes of pending ones."""
    heads = ObjectVersion.objects.filter(bucket=bucket, is_head=True, delete_marker=False)
    if exclude is not None:
        heads = heads.exclude(pk=exclude.pk)
    usage = heads.aggregate(
        stored=Sum("file__size"),
        announced=Sum("expected_size", filter=Q(file__isnull=True)),
        files=Count("pk"),
    )  # one query: it runs twice in every upload
    return (usage["stored"] or 0) + (usage["announced"] or 0), usage["files"]


def draft_object(actor: UserLike, draft_id: str, key: str, *, lock: bool) -> tuple[Draft, ObjectVersion]:
    draft = draft_for(actor, draft_id, "update")
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


def discard_instance(instance: FileInstance) -> None:
    """Remove a never-linked instance: bytes first, then the row (both best effort, logged)."""
    try:
        storage.delete_instance(instance.location, instance.uri)
    except Exception:  # the row stays, so the cleanup task tries again later
        logger.exception("Could not remove the bytes of file instance %s", instance.pk)
        return
    FileInstance.objects.filter(
        pk=instance.pk, object_versions__isnull=True, pending_uploads__isnull=True
    ).delete()


def delete_bucket(kind: str, record_id: str) -> None:
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
    discard_after_commit(file_ids)


def discard_after_commit(file_ids: Iterable) -> None:
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
        discard_instance(instance)
        removed += 1
    return removed


def copy_heads(kind: str, record_id: str, target: Bucket) -> None:
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
