"""Every write to records goes through these functions.

Each service takes keyword-only arguments and an explicit ``actor``, checks the
policy, runs in one transaction and queues side effects (search indexing) with
``transaction.on_commit``, carrying ids only.
"""

from __future__ import annotations

import copy

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from files import services as file_services
from records.access.validation import access_errors
from records.documents import document_from_input, search_projection
from records.models import (
    DeletionStatus,
    Draft,
    Parent,
    PersistentIdentifier,
    PIDStatus,
    Record,
    RecordRevision,
)
from records.permissions import draft_policy, record_policy
from records.signals import records_changed
from records.validation import normalize_record, validate_record
from repository.exceptions import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationError,
)
from repository.ids import generate_id
from repository.permissions import UserLike
from repository.search import get_backend

PID_RECID = "recid"
PID_OAI = "oai"
PID_DOI = "doi"
MAX_ID_ATTEMPTS = 10


def oai_identifier(record_id: str) -> str:
    return f"oai:{settings.OAI_ID_HOST}:{record_id}"


def records_changed_in_transaction(record_ids: list[str], *, action: str) -> None:
    """Tell followers (search, OAI-PMH, ...) that RECORD_IDS changed, inside the writing transaction.

    Sends ``records.signals.records_changed`` now and queues search indexing after commit.
    """
    from records.tasks import kick_search_queue

    records_changed.send(sender=Record, record_ids=list(record_ids), action=action)
    if get_backend().indexes_after_commit:
        transaction.on_commit(kick_search_queue)  # the queue rows are durable; this only hurries


def _reserve_id(object_type: str) -> str:
    """Mint a new random id and reserve its recid PID (status new); retry on collision."""
    for _ in range(MAX_ID_ATTEMPTS):
        candidate = generate_id()
        try:
            with transaction.atomic():
                PersistentIdentifier.objects.create(
                    scheme=PID_RECID,
                    value=candidate,
                    status=PIDStatus.NEW,
                    object_type=object_type,
                    object_id=candidate,
                    provider="local",
                )
        except IntegrityError:
            continue
        return candidate
    raise Conflict("Could not mint a unique identifier; try again.")


def check_revision(current: int, expected: int | None) -> None:
    """Optimistic concurrency: the client's If-Match revision must be the current one (else 412)."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"Revision mismatch: the current revision is {current}, you sent {expected}."
        )


def _prepare(data: dict) -> tuple[dict, list[FieldError]]:
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.")
    document = normalize_record(document_from_input(data))
    return document, validate_record(document) + access_errors(document)


def _get_draft_for_update(draft_id: str) -> Draft:
    try:
        return Draft.objects.select_for_update().select_related("parent").get(pk=draft_id)
    except Draft.DoesNotExist as exc:
        raise NotFound("Draft not found.") from exc


def get_record_for_update(record_id: str) -> Record:
    """The record row, locked until the transaction ends; NotFound if there is none."""
    try:
        return Record.objects.select_for_update().select_related("parent").get(pk=record_id)
    except Record.DoesNotExist as exc:
        raise NotFound() from exc


def _visible_record(actor: UserLike, record_id: str, action: str) -> Record:
    """The locked record if the actor may see it (else 404) and may do ACTION (else 403)."""
    record = get_record_for_update(record_id)
    if not record_policy.can(actor, "read", record):
        raise NotFound()
    record_policy.require(actor, action, record)
    return record


def _visible_draft(actor: UserLike, draft_id: str, action: str) -> Draft:
    draft = _get_draft_for_update(draft_id)
    if not draft_policy.can(actor, "read", draft):
        raise NotFound("Draft not found.")  # what a user may not see is a 404
    draft_policy.require(actor, action, draft)
    if action in ("publish", "delete"):
        from communities.access import draft_locked_by_review

        reason = draft_locked_by_review(draft.pk)
        if reason:
            raise Conflict(reason)
    return draft


@transaction.atomic
def draft_create(*, actor: UserLike, data: dict) -> tuple[Draft, list[FieldError]]:
    """Create a draft of a new record; invalid metadata is kept and its errors returned."""
    draft_policy.require(actor, "create")
    document, errors = _prepare(data)
    parent_id = _reserve_id(PersistentIdentifier.ObjectType.PARENT)
    draft_id = _reserve_id(PersistentIdentifier.ObjectType.RECORD)
    now = timezone.now()
    parent = Parent.objects.create(id=parent_id, owner=actor, created=now, updated=now)
    draft = Draft.objects.create(
        id=draft_id,
        parent=parent,
        index=1,
        json=document,
        created=now,
        updated=now,
        title=search_projection(document)["title"],
    )
    return draft, errors


@transaction.atomic
def draft_update(
    *, actor: UserLike, draft_id: str, data: dict, revision_id: int | None = None
) -> tuple[Draft, list[FieldError]]:
    """Replace a draft's document (PUT semantics); returns the draft and its validation errors."""
    draft = _visible_draft(actor, draft_id, "update")
    check_revision(draft.revision_id, revision_id)
    document, errors = _prepare(data)
    published = Record.objects.filter(pk=draft.pk).only("json").first()
    if published is not None:
        errors = errors + check_pid_changes(published.json, document)
    draft.json = document
    draft.title = search_projection(document)["title"]
    draft.revision_id += 1
    draft.updated = timezone.now()
    draft.save(update_fields=["json", "title", "revision_id", "updated"])
    return draft, errors


def check_pid_changes(published: dict, document: dict) -> list[FieldError]:
    """A registered DOI stays with its record: an edit may not change or drop it."""
    old = (published.get("pids") or {}).get(PID_DOI, {}).get("identifier")
    new_pids = document.get("pids") if isinstance(document.get("pids"), dict) else {}
    new = (new_pids.get(PID_DOI) or {}).get("identifier") if isinstance(new_pids.get(PID_DOI), dict) else None
    if old and old != new:
        return [FieldError("pids.doi", ["The DOI of a published record cannot be changed or removed."])]
    return []


@transaction.atomic
def draft_delete(*, actor: UserLike, draft_id: str, revision_id: int | None = None) -> None:
    """Delete a draft. For a never-published record, its reserved ids and parent go too."""
    draft = _visible_draft(actor, draft_id, "delete")
    check_revision(draft.revision_id, revision_id)
    parent = draft.parent
    is_new = not Record.objects.filter(pk=draft.pk).exists()
    file_services.files_discard_draft(draft_id=draft.pk)
    draft.delete()
    if is_new:
        PersistentIdentifier.objects.filter(scheme=PID_RECID, value=draft_id, status=PIDStatus.NEW).delete()
        if not parent.records.exists() and not parent.drafts.exists():
            parent_id = parent.pk
            parent.delete()
            PersistentIdentifier.objects.filter(
                scheme=PID_RECID, value=parent_id, status=PIDStatus.NEW
            ).delete()


def _register_pids(record: Record, document: dict) -> None:
    """Register the record's recid, OAI and (external) DOI PIDs, and the parent's recid."""
    now = timezone.now()
    PersistentIdentifier.objects.filter(scheme=PID_RECID, value__in=[record.pk, record.parent_id]).update(
        status=PIDStatus.REGISTERED, updated=now
    )
    PersistentIdentifier.objects.get_or_create(
        scheme=PID_OAI,
        value=oai_identifier(record.pk),
        defaults={
            "status": PIDStatus.REGISTERED,
            "object_type": PersistentIdentifier.ObjectType.RECORD,
            "object_id": record.pk,
            "provider": "oai",
        },
    )
    doi = (document.get("pids") or {}).get(PID_DOI)
    if doi:
        value = doi["identifier"].lower()
        existing = PersistentIdentifier.objects.filter(scheme=PID_DOI, value=value).first()
        if existing is not None and existing.object_id != record.pk:
            raise ValidationError(
                errors=[FieldError("pids.doi", [f"DOI {value} is already used by another record."])]
            )
        if existing is None:
            try:
                with transaction.atomic():  # a concurrent publish may take the DOI first
                    PersistentIdentifier.objects.create(
                        scheme=PID_DOI,
                        value=value,
                        status=PIDStatus.REGISTERED,
                        object_type=PersistentIdentifier.ObjectType.RECORD,
                        object_id=record.pk,
                        provider=doi.get("provider", "external"),
                    )
            except IntegrityError as exc:
                raise ValidationError(
                    errors=[FieldError("pids.doi", [f"DOI {value} is already used by another record."])]
                ) from exc


def _refresh_latest(parent: Parent) -> None:
    """Exactly one published, non-deleted version per parent is the latest: the highest index.

    The parent row is locked first, so concurrent publishes of two versions serialize here.
    """
    Parent.objects.select_for_update().filter(pk=parent.pk).first()
    latest = parent.records.filter(deletion_status=DeletionStatus.PUBLISHED).order_by("-index").first()
    parent.records.exclude(pk=getattr(latest, "pk", None)).filter(is_latest=True).update(is_latest=False)
    if latest is not None and not latest.is_latest:
        Record.objects.filter(pk=latest.pk).update(is_latest=True)


def add_revision(record: Record, *, actor: UserLike, action: str) -> None:
    """Keep the record's current state as a revision (who, when, what)."""
    RecordRevision.objects.create(
        record=record,
        revision_id=record.revision_id,
        json=record.json,
        action=action,
        user=actor if getattr(actor, "is_authenticated", False) else None,
        created=record.updated,
    )


@transaction.atomic
def draft_publish(*, actor: UserLike, draft_id: str, revision_id: int | None = None) -> Record:
    """Publish a draft: mint PIDs, write record and revision in one transaction."""
    draft = _visible_draft(actor, draft_id, "publish")
    check_revision(draft.revision_id, revision_id)
    return _publish(draft, actor)


@transaction.atomic
def draft_publish_as_system(*, draft_id: str, on_behalf_of: UserLike | None) -> Record:
    """Publish a draft for a workflow that already decided (an accepted community submission).

    No access check (the draft's owner may be inactive); the revision names ON_BEHALF_OF,
    the user who decided (None: the system itself).
    """
    return _publish(_get_draft_for_update(draft_id), on_behalf_of)


def _publish(draft: Draft, actor: UserLike | None) -> Record:
    document = normalize_record(draft.json)
    errors = validate_record(document) + access_errors(document)
    record = Record.objects.select_for_update().filter(pk=draft.pk).first()
    if record is not None:
        errors += check_pid_changes(record.json, document)
    errors += file_services.files_publish_errors(draft)
    if errors:
        raise ValidationError("The draft has validation errors and cannot be published.", errors=errors)
    projection = search_projection(document)
    now = timezone.now()
    if record is None:
        record = Record(
            id=draft.pk,
            parent=draft.parent,
            index=draft.index,
            is_latest=True,
            json=document,
            revision_id=1,
            created=now,
            updated=now,
            **projection,
        )
        record.save(force_insert=True)
    else:
        if record.deletion_status != DeletionStatus.PUBLISHED:
            raise Conflict("The record has been deleted; restore it before publishing changes.")
        record.json = document
        record.revision_id += 1
        for key, value in projection.items():
            setattr(record, key, value)
        record.updated = now
        record.save(update_fields=["json", "revision_id", "updated", *projection])
    _register_pids(record, document)
    _refresh_latest(draft.parent)
    file_services.files_publish(draft=draft, record=record)
    draft.delete()
    Parent.objects.filter(pk=record.parent_id).update(updated=now)
    # `updated` as late as possible in the transaction: the closest we get to commit time.
    record.updated = timezone.now()
    Record.objects.filter(pk=record.pk).update(updated=record.updated)
    add_revision(record, actor=actor, action=RecordRevision.Action.PUBLISH)
    records_changed_in_transaction([record.pk], action=RecordRevision.Action.PUBLISH)
    return record


@transaction.atomic
def record_edit(*, actor: UserLike, record_id: str) -> Draft:
    """Open (or return the existing) edit draft of a published record; it keeps the record's id."""
    record = _visible_record(actor, record_id, "edit")
    draft = Draft.objects.filter(pk=record.pk).first()
    if draft is not None:
        return draft
    draft = Draft.objects.create(
        id=record.pk,
        parent=record.parent,
        index=record.index,
        json=copy.deepcopy(record.json),
        fork_version_id=record.revision_id,
        title=record.title,
        created=record.created,  # the draft stands for the record: same creation time
    )
    file_services.files_edit(record=record, draft=draft)
    return draft


@transaction.atomic
def record_new_version(*, actor: UserLike, record_id: str) -> Draft:
    """Start the next version: a new draft with index + 1, no publication date, version or DOI."""
    record = _visible_record(actor, record_id, "new_version")
    parent = Parent.objects.select_for_update().get(pk=record.parent_id)
    published_ids = parent.records.values_list("pk", flat=True)
    pending = parent.drafts.exclude(pk__in=published_ids).first()
    if pending is not None:
        return pending  # one next-version draft at a time, as InvenioRDM
    latest = parent.records.filter(deletion_status=DeletionStatus.PUBLISHED).order_by("-index").first()
    document = copy.deepcopy(latest.json)
    metadata = document.setdefault("metadata", {})
    metadata.pop("publication_date", None)
    metadata.pop("version", None)
    document["pids"] = {}
    files = document.get("files") if isinstance(document.get("files"), dict) else {}
    document["files"] = {"enabled": files.get("enabled", True)}
    next_index = (parent.records.aggregate(m=Max("index"))["m"] or 0) + 1
    draft_id = _reserve_id(PersistentIdentifier.ObjectType.RECORD)
    return Draft.objects.create(
        id=draft_id,
        parent=parent,
        index=next_index,
        json=document,
        title=search_projection(document)["title"],
    )


@transaction.atomic
def record_delete(
    *,
    actor: UserLike,
    record_id: str,
    removal_reason: str,
    note: str = "",
    citation_text: str = "",
    is_visible: bool = True,
) -> Record:
    """Delete a published record (admins): it becomes a tombstone; its PIDs answer 410."""
    from repository.vocabularies.selectors import term_ids

    record_policy.require(actor, "delete")
    record = get_record_for_update(record_id)
    if record.deletion_status == DeletionStatus.DELETED:
        raise Conflict("The record is already deleted.")
    if removal_reason not in term_ids("removalreasons"):
        raise ValidationError(
            errors=[FieldError("removal_reason.id", [f"Unknown removal reason {removal_reason!r}."])]
        )
    now = timezone.now()
    record.deletion_status = DeletionStatus.DELETED
    record.tombstone = {
        "removal_reason": {"id": removal_reason},
        "note": note,
        "removed_by": {"user": str(actor.pk)},
        "removal_date": now.isoformat(),
        "citation_text": citation_text,
        "is_visible": is_visible,
    }
    record.revision_id += 1
    record.updated = now
    record.save(update_fields=["deletion_status", "tombstone", "revision_id", "updated"])
    PersistentIdentifier.objects.filter(
        object_type=PersistentIdentifier.ObjectType.RECORD, object_id=record.pk
    ).update(status=PIDStatus.DELETED, updated=now)
    file_services.files_discard_draft(draft_id=record.pk)
    Draft.objects.filter(pk=record.pk).delete()
    _refresh_latest(record.parent)
    add_revision(record, actor=actor, action=RecordRevision.Action.DELETE)
    records_changed_in_transaction([record.pk], action=RecordRevision.Action.DELETE)
    return record


@transaction.atomic
def record_restore(*, actor: UserLike, record_id: str) -> Record:
    """Restore a deleted record (admins): tombstone removed, PIDs registered again."""
    record_policy.require(actor, "restore")
    record = get_record_for_update(record_id)
    if record.deletion_status != DeletionStatus.DELETED:
        raise Conflict("The record is not deleted.")
    now = timezone.now()
    record.deletion_status = DeletionStatus.PUBLISHED
    record.tombstone = None
    record.revision_id += 1
    record.updated = now
    record.save(update_fields=["deletion_status", "tombstone", "revision_id", "updated"])
    PersistentIdentifier.objects.filter(
        object_type=PersistentIdentifier.ObjectType.RECORD, object_id=record.pk, status=PIDStatus.DELETED
    ).update(status=PIDStatus.REGISTERED, updated=now)
    _refresh_latest(record.parent)
    record.refresh_from_db(fields=["is_latest"])
    add_revision(record, actor=actor, action=RecordRevision.Action.RESTORE)
    records_changed_in_transaction([record.pk], action=RecordRevision.Action.RESTORE)
    return record


@transaction.atomic
def record_lift_embargoes(*, today=None) -> list[str]:
    """Lift embargoes whose date has passed: record and files become public, a new revision is kept."""
    today = (today or timezone.now().date()).isoformat()
    lifted = []
    candidates = Record.objects.select_for_update().filter(
        deletion_status=DeletionStatus.PUBLISHED, json__access__embargo__active=True
    )
    for record in candidates:
        embargo = record.json["access"]["embargo"]
        if not embargo.get("until") or embargo["until"] > today:
            continue
        record.json["access"].update({"record": "public", "files": "public"})
        embargo["active"] = False
        record.revision_id += 1
        record.updated = timezone.now()
        record.save(update_fields=["json", "revision_id", "updated"])
        add_revision(record, actor=None, action=RecordRevision.Action.EMBARGO_LIFT)
        records_changed_in_transaction([record.pk], action=RecordRevision.Action.EMBARGO_LIFT)
        lifted.append(record.pk)
    return lifted


def record_import(*, actor: UserLike | None, batch, owner: UserLike | None = None, timings=None):
    """Publish a prepared batch of import lines in one transaction: the rows draft_publish writes.

    ``batch`` is a records.bulk.PreparedBatch; returns a records.bulk.BatchResult. No policy
    check: imports are run by operators (manage.py import_records), not through the API.
    """
    from records.bulk import Timings, write_batch  # records.bulk imports this module

    return write_batch(
        batch,
        owner_id=owner.pk if owner is not None else None,
        user_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        timings=timings if timings is not None else Timings(),
    )
