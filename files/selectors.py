"""Reads of files: a draft's or record's file list, as the caller may see it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from files.models import Bucket, ObjectVersion
from records import selectors as record_selectors
from records.models import Draft, Record
from records.permissions import record_policy
from repository.exceptions import NotFound, PermissionDenied
from repository.permissions import UserLike


def order_key(document: dict):
    """Sort key of objects: the document's files.order first, then the other keys by name."""
    files = document.get("files") if isinstance(document.get("files"), dict) else {}
    order = files.get("order") if isinstance(files.get("order"), list) else []
    position = {key: index for index, key in enumerate(order) if isinstance(key, str)}
    return lambda obj: (position.get(obj.key, len(position)), obj.key)


def head_objects(
    kind: str, record_ids: list[str], *, completed_only: bool, key: str | None = None
) -> list[ObjectVersion]:
    """The current objects (no delete markers) of the buckets of RECORD_IDS, with their instances;
    only the one named KEY if given (one row, not the whole bucket, for a single file)."""
    queryset = ObjectVersion.objects.filter(
        bucket__owner_kind=kind, bucket__record_id__in=record_ids, is_head=True, delete_marker=False
    ).select_related("file", "bucket")
    if key is not None:
        queryset = queryset.filter(key=key)
    if completed_only:
        queryset = queryset.filter(status=ObjectVersion.Status.COMPLETED)
    return list(queryset)


def draft_files(actor: UserLike, draft_id: str) -> tuple[Draft, list[ObjectVersion]]:
    """A draft the actor may read and its files (pending ones too), in the draft's order."""
    draft = record_selectors.draft_get(actor, draft_id)
    objects = head_objects(Bucket.OwnerKind.DRAFT, [draft.pk], completed_only=False)
    return draft, sorted(objects, key=order_key(draft.json))


def draft_file(actor: UserLike, draft_id: str, key: str) -> tuple[Draft, ObjectVersion]:
    """One file of a draft the actor may read (pending too)."""
    draft = record_selectors.draft_get(actor, draft_id)
    for obj in head_objects(Bucket.OwnerKind.DRAFT, [draft.pk], completed_only=False, key=key):
        return draft, obj
    raise NotFound(f"File {key!r} not found in the draft.")


def record_files(actor: UserLike, record_id: str) -> tuple[Record, list[ObjectVersion]]:
    """A published record's files: 404 if the record is invisible, 403 if its files are restricted."""
    record = record_selectors.record_get(actor, record_id)
    if not record_policy.can(actor, "read_files", record):
        raise PermissionDenied("You do not have access to the files of this record.")
    objects = head_objects(Bucket.OwnerKind.RECORD, [record.pk], completed_only=True)
    return record, sorted(objects, key=order_key(record.json))


def record_file(actor: UserLike, record_id: str, key: str) -> tuple[Record, ObjectVersion]:
    """One file of a published record, under the same access rules as the record's file list."""
    record = record_selectors.record_get(actor, record_id)
    if not record_policy.can(actor, "read_files", record):
        raise PermissionDenied("You do not have access to the files of this record.")
    for obj in head_objects(Bucket.OwnerKind.RECORD, [record.pk], completed_only=True, key=key):
        return record, obj
    raise NotFound(f"File {key!r} not found in the record.")


def files_by_owner(kind: str, record_ids: list[str]) -> dict[str, list[ObjectVersion]]:
    """Completed head objects per draft/record id, in one query (record JSON `files` sections)."""
    result: dict[str, list[ObjectVersion]] = {record_id: [] for record_id in record_ids}
    for obj in head_objects(kind, record_ids, completed_only=True):
        result[obj.bucket.record_id].append(obj)
    for objects in result.values():
        objects.sort(key=lambda o: o.key)
    return result


def file_keys_by_record(record_ids: Iterable[str] | QuerySet) -> dict[str, list[str]]:
    """Keys of the completed files of published records, in one query (the search index's file
    types). RECORD_IDS: ids, or a query of them (``values("pk")``: a subquery, no parameters)."""
    keys: dict[str, list[str]] = {}
    rows = ObjectVersion.objects.filter(
        bucket__owner_kind="record",
        bucket__record_id__in=record_ids,
        is_head=True,
        delete_marker=False,
        status=ObjectVersion.Status.COMPLETED,
    ).values_list("bucket__record_id", "key")
    for record_id, key in rows:
        keys.setdefault(record_id, []).append(key)
    return keys
