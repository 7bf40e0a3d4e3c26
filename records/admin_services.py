"""Writes that only the admin site makes: in-place edits of published records, PID status changes.

Like ``records.services``: keyword-only arguments, an explicit ``actor``, one transaction,
indexing queued after commit. The checks are separate functions so that admin forms can show
the same errors inline before anything is written.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from records.documents import document_from_input, search_projection
from records.models import DeletionStatus, PersistentIdentifier, PIDStatus, Record, RecordRevision

# The admin's writes share these helpers with the record services, so that revisions,
# the DOI rule and indexing behave exactly as for a publish.
from records.services import (
    add_revision,
    check_pid_changes,
    check_revision,
    get_record_for_update,
    records_changed_in_transaction,
)
from records.validation import normalize_record, validate_record
from repository.exceptions import Conflict, FieldError, NotFound, PermissionDenied, ValidationError
from repository.permissions import UserLike, is_admin


def record_admin_document(record: Record, data: dict) -> tuple[dict, list[FieldError]]:
    """The document an admin edit of RECORD with DATA would store, and what is wrong with it."""
    if not isinstance(data, dict):
        raise ValidationError("The document must be a JSON object.")
    document = normalize_record(document_from_input(data))
    return document, validate_record(document) + check_pid_changes(record.json, document)


@transaction.atomic
def record_admin_update(*, actor: UserLike, record_id: str, document: dict, revision_id: int) -> Record:
    """Replace a published record's document in place (admins); a new revision "admin-edit".

    Nothing is written when the document does not change.
    """
    if not is_admin(actor):
        raise PermissionDenied("Only admins may edit published records in place.")
    record = get_record_for_update(record_id)
    check_revision(record.revision_id, revision_id)
    if record.deletion_status != DeletionStatus.PUBLISHED:
        raise Conflict("The record has been deleted; restore it before editing.")
    new_document, errors = record_admin_document(record, document)
    if errors:
        raise ValidationError("The document has validation errors.", errors=errors)
    if new_document == record.json:
        return record
    projection = search_projection(new_document)
    record.json = new_document
    for key, value in projection.items():
        setattr(record, key, value)
    record.revision_id += 1
    record.updated = timezone.now()
    record.save(update_fields=["json", "revision_id", "updated", *projection])
    add_revision(record, actor=actor, action=RecordRevision.Action.ADMIN_EDIT)
    records_changed_in_transaction([record.pk], action=RecordRevision.Action.ADMIN_EDIT)
    return record


def pid_status_errors(
    pid: PersistentIdentifier, status: str, redirect_to: PersistentIdentifier | None
) -> list[FieldError]:
    """What is wrong with giving PID this status and redirect target."""
    if status not in PIDStatus.values:
        return [FieldError("status", [f"Unknown status {status!r}."])]
    if status != PIDStatus.REDIRECTED:
        if redirect_to is not None:
            return [FieldError("redirect_to", ["Only a redirected PID has a redirect target."])]
        return []
    if redirect_to is None:
        return [FieldError("redirect_to", ["A redirected PID needs a redirect target."])]
    if redirect_to.pk == pid.pk:
        return [FieldError("redirect_to", ["A PID cannot redirect to itself."])]
    if redirect_to.status != PIDStatus.REGISTERED:
        # Resolution follows one hop only: the target must resolve by itself.
        return [FieldError("redirect_to", ["The redirect target must be a registered PID."])]
    return []


@transaction.atomic
def pid_status_update(
    *, actor: UserLike, pid_id: int, status: str, redirect_to_id: int | None = None
) -> PersistentIdentifier:
    """Change a PID's status (admins); a redirected PID points at a registered target."""
    if not is_admin(actor):
        raise PermissionDenied("Only admins may change persistent identifiers.")
    try:
        pid = PersistentIdentifier.objects.select_for_update().get(pk=pid_id)
    except PersistentIdentifier.DoesNotExist as exc:
        raise NotFound() from exc
    redirect_to = None
    if redirect_to_id is not None:
        redirect_to = PersistentIdentifier.objects.filter(pk=redirect_to_id).first()
        if redirect_to is None:
            raise ValidationError(errors=[FieldError("redirect_to", ["The redirect target does not exist."])])
    errors = pid_status_errors(pid, status, redirect_to)
    if errors:
        raise ValidationError("The PID change is not valid.", errors=errors)
    if pid.status == status and pid.redirect_to_id == redirect_to_id:
        return pid
    pid.status = status
    pid.redirect_to = redirect_to
    pid.updated = timezone.now()
    pid.save(update_fields=["status", "redirect_to", "updated"])
    return pid
