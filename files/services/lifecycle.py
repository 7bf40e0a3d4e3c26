"""Files through a record's life: the hooks records.services calls, and files-import."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from files.models import Bucket, ObjectVersion
from files.services.common import bucket_for, copy_heads, delete_bucket, draft_for, files_enabled
from records.models import DeletionStatus, Draft, Record
from repository.exceptions import FieldError, ValidationError
from repository.permissions import UserLike


@transaction.atomic
def files_import(*, actor: UserLike, draft_id: str) -> list[ObjectVersion]:
    """Link the previous version's files into a new-version draft (no byte copy)."""
    draft = draft_for(actor, draft_id, "update")
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
    bucket = bucket_for(Bucket.OwnerKind.DRAFT, draft.pk, draft.parent_id)
    if bucket.versions.filter(is_head=True).exists():
        raise ValidationError("The draft already has files; delete them before importing.")
    copy_heads(Bucket.OwnerKind.RECORD, previous.pk, bucket)
    return list(bucket.versions.filter(is_head=True).select_related("file").order_by("key"))


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
    target = bucket_for(Bucket.OwnerKind.RECORD, record.pk, record.parent_id)
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
    bucket = bucket_for(Bucket.OwnerKind.DRAFT, draft.pk, record.parent_id)
    copy_heads(Bucket.OwnerKind.RECORD, record.pk, bucket)


def files_discard_draft(*, draft_id: str) -> None:
    """A discarded draft takes its bucket along; bytes only the draft had are removed."""
    delete_bucket(Bucket.OwnerKind.DRAFT, draft_id)
