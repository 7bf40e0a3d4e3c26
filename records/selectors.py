"""Reads that span models: fetching records and drafts as a user may see them, PID resolution."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, QuerySet

from records.models import DeletionStatus, Draft, PersistentIdentifier, PIDStatus, Record
from records.permissions import draft_policy, record_policy
from repository.exceptions import Gone, NotFound
from repository.ids import normalize_id
from repository.permissions import UserLike


def tombstone_of(record: Record) -> dict:
    """The public tombstone of a deleted record."""
    tombstone = dict(record.tombstone or {})
    if tombstone.get("is_visible", True):
        tombstone.setdefault("citation_text", "")
    else:
        tombstone = {"removal_reason": tombstone.get("removal_reason"), "is_visible": False}
    return tombstone


def record_get(actor: UserLike, record_id: str) -> Record:
    """A published record the actor may read; 410 with tombstone when deleted, 404 when unknown."""
    canonical = normalize_id(record_id)
    record = (
        Record.objects.select_related("parent", "parent__owner").filter(pk=canonical).first()
        if canonical
        else None
    )
    if record is None:
        raise NotFound()
    if record.deletion_status == DeletionStatus.DELETED:
        if record_policy.can(actor, "read_deleted", record):
            return record  # admins see deleted records themselves, not only the tombstone
        raise Gone(tombstone=tombstone_of(record))
    if not record_policy.can(actor, "read", record):
        raise NotFound()
    return record


def draft_get(actor: UserLike, draft_id: str) -> Draft:
    """A draft the actor may read, else 404 (drafts of others do not exist for you)."""
    canonical = normalize_id(draft_id)
    draft = Draft.objects.select_related("parent").filter(pk=canonical).first() if canonical else None
    if draft is None or not draft_policy.can(actor, "read", draft):
        raise NotFound("Draft not found.")
    return draft


def versions_of(actor: UserLike, record: Record) -> QuerySet:
    """All published versions of a record's parent that the actor may see, newest first."""
    return record_policy.filter_visible(actor, record.parent.records.all()).order_by("-index")


def latest_version(actor: UserLike, record_id: str) -> Record:
    """The latest published version of the record's parent (a record or a parent id)."""
    canonical = normalize_id(record_id)
    record = Record.objects.filter(pk=canonical).first() if canonical else None
    parent_id = record.parent_id if record else canonical
    latest = (
        record_policy.filter_visible(actor, Record.objects.filter(parent_id=parent_id))
        .filter(is_latest=True)
        .first()
    )
    if latest is None:
        if record is not None:
            return record_get(actor, record.pk)  # 410 for a deleted only version
        raise NotFound()
    return latest


def highest_indexes(actor: UserLike, parent_ids: list[str]) -> dict[str, int]:
    """Highest version index per parent among what the actor may see (versions.is_latest_draft).

    Only visible records and drafts count: otherwise the flag would tell anyone that an
    unpublished next version (or a restricted one) exists.
    """
    result: dict[str, int] = {}
    for policy, model in ((record_policy, Record), (draft_policy, Draft)):
        visible = policy.filter_visible(actor, model.objects.filter(parent_id__in=parent_ids))
        for row in visible.values("parent_id").annotate(m=Max("index")).order_by():
            result[row["parent_id"]] = max(result.get(row["parent_id"], 0), row["m"])
    return result


def user_records(actor: UserLike) -> tuple[QuerySet, QuerySet]:
    """The actor's drafts and published records (both querysets)."""
    drafts = draft_policy.filter_visible(actor, Draft.objects.all()).filter(parent__owner=actor)
    records = Record.objects.filter(parent__owner=actor, deletion_status=DeletionStatus.PUBLISHED)
    return drafts.select_related("parent"), records.select_related("parent")


@dataclass(frozen=True)
class Resolution:
    """Where a PID points: a record to show, or a PID to redirect to."""

    record: Record | None = None
    redirect_to: str | None = None


def resolve_pid(actor: UserLike, scheme: str, value: str) -> Resolution:
    """Resolve a PID: registered → the record; redirected → the target record id; deleted → 410."""
    if scheme == "recid":
        value = normalize_id(value) or ""
    elif scheme == "doi":
        value = value.strip().lower()
    pid = (
        PersistentIdentifier.objects.filter(scheme=scheme, value=value).select_related("redirect_to").first()
    )
    if pid is None or pid.status in (PIDStatus.NEW, PIDStatus.RESERVED):
        raise NotFound()
    if pid.status == PIDStatus.REDIRECTED and pid.redirect_to is not None:
        return Resolution(redirect_to=pid.redirect_to.object_id)
    if pid.object_type == PersistentIdentifier.ObjectType.PARENT:
        return Resolution(redirect_to=latest_version(actor, pid.object_id).pk)
    return Resolution(record=record_get(actor, pid.object_id))
