"""Every write to record access: grants, secret links, ownership transfer.

Each service takes keyword-only arguments and an explicit ``actor``, finds the record the
actor may see (else NotFound), requires the manage level (else PermissionDenied), writes in
one transaction and tells followers (search) that the record's readers changed.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from records.access import levels
from records.access.models import ParentGroupGrant, ParentUserGrant, SecretLink
from records.models import Draft, Parent, Record
from records.permissions import draft_policy, record_policy
from repository.exceptions import FieldError, NotFound, PermissionDenied, ValidationError
from repository.ids import normalize_id
from repository.permissions import UserLike

ACCESS_CHANGED = "access"  # records_changed action: the record's readers changed
SUBJECT_TYPES = ("user", "group")


def parent_for(actor: UserLike, record_id: str, *, lock: bool = False) -> Parent:
    """The parent of the record or draft RECORD_ID, if the actor may see either (else 404)."""
    canonical = normalize_id(record_id) or ""
    record = Record.objects.select_related("parent").filter(pk=canonical).first()
    if record is not None and record_policy.can(actor, "read", record):
        parent = record.parent
    else:
        draft = Draft.objects.select_related("parent").filter(pk=canonical).first()
        if draft is None or not draft_policy.can(actor, "read", draft):
            raise NotFound()
        parent = draft.parent
    if lock:
        parent = Parent.objects.select_for_update().get(pk=parent.pk)
    return parent


def managed_parent(actor: UserLike, record_id: str, *, lock: bool = True) -> Parent:
    """The parent of RECORD_ID if the actor may manage its access (404 unseen, 403 else).

    Locked for the writes of the services (they run in a transaction); reads pass ``lock=False``
    (a row lock outside a transaction is an error on PostgreSQL).
    """
    parent = parent_for(actor, record_id, lock=lock)
    if not record_policy.can(actor, "manage", parent):
        raise PermissionDenied("Only the owner and managers may manage access to this record.")
    return parent


def access_changed(parent: Parent) -> None:
    from records.services import records_changed_in_transaction

    record_ids = list(parent.records.values_list("pk", flat=True))
    if record_ids:
        records_changed_in_transaction(record_ids, action=ACCESS_CHANGED)


def parse_expiry(value: object, field: str = "expires_at") -> datetime.datetime | None:
    """An expiry: None, an ISO date (the link stops at 00:00 UTC that day) or datetime, in the future."""
    if value is None or value == "":
        return None
    moment = None
    if isinstance(value, str):
        moment = parse_datetime(value)
        if moment is None and (day := _parse_day(value)) is not None:
            moment = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
    if moment is None:
        raise ValidationError(errors=[FieldError(field, ["Not a valid date or date-time (ISO 8601)."])])
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    if moment <= timezone.now():
        raise ValidationError(errors=[FieldError(field, ["Must be in the future."])])
    return moment


def _parse_day(value: str) -> datetime.date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def _permission(level: object, allowed: tuple[str, ...], field: str = "permission") -> Permission:
    if level not in allowed:
        raise ValidationError(errors=[FieldError(field, [f"Must be one of: {', '.join(allowed)}."])])
    return Permission.objects.get(content_type__app_label="records", codename=levels.codename(level))


@dataclass(frozen=True)
class Subject:
    """Whom a grant is for."""

    type: str
    id: str


def _subject_row(subject: Subject, field: str = "subject"):
    if subject.type not in SUBJECT_TYPES:
        raise ValidationError(errors=[FieldError(f"{field}.type", ["Must be one of: user, group."])])
    key = str(subject.id)
    if not key.isdigit():
        raise ValidationError(errors=[FieldError(f"{field}.id", [f"No {subject.type} with id {key!r}."])])
    if subject.type == "user":
        row = get_user_model().objects.filter(pk=int(key), is_active=True).first()
    else:
        row = Group.objects.filter(pk=int(key)).first()
    if row is None:
        raise ValidationError(errors=[FieldError(f"{field}.id", [f"No {subject.type} with id {key!r}."])])
    return row


def _grant_of(parent: Parent, subject: Subject):
    model, key = (ParentUserGrant, "user_id") if subject.type == "user" else (ParentGroupGrant, "group_id")
    if not str(subject.id).isdigit():
        return None
    return model.objects.filter(content_object=parent, **{key: int(subject.id)}).first()


@transaction.atomic
def grant_create(
    *,
    actor: UserLike,
    record_id: str,
    subject: Subject,
    permission: str,
    expires_at: object = None,
) -> ParentUserGrant | ParentGroupGrant:
    """Share a record (all versions) with a user or group at a level (a guardian object permission)."""
    parent = managed_parent(actor, record_id)
    perm = _permission(permission, levels.LEVELS)
    row = _subject_row(subject)
    expiry = parse_expiry(expires_at)
    if subject.type == "user" and row.pk == parent.owner_id:
        raise ValidationError(errors=[FieldError("subject.id", ["The owner already has every permission."])])
    if _grant_of(parent, subject) is not None:
        raise ValidationError(
            errors=[FieldError("subject", ["This record is already shared with it; change that grant."])]
        )
    if subject.type == "user":
        grant = ParentUserGrant.objects.create(
            content_object=parent, user=row, permission=perm, expires_at=expiry
        )
    else:
        grant = ParentGroupGrant.objects.create(
            content_object=parent, group=row, permission=perm, expires_at=expiry
        )
    access_changed(parent)
    return grant


@transaction.atomic
def grants_create(*, actor: UserLike, record_id: str, grants: object) -> list:
    """Create several grants at once (InvenioRDM's ``{"grants": [...]}``): all or none."""
    if not isinstance(grants, list) or not grants:
        raise ValidationError(errors=[FieldError("grants", ["A non-empty list of grants is required."])])
    created = []
    for index, item in enumerate(grants):
        if not isinstance(item, dict) or not isinstance(item.get("subject"), dict):
            raise ValidationError(
                errors=[FieldError(f"grants.{index}.subject", ["Missing or not an object."])]
            )
        subject = Subject(type=str(item["subject"].get("type")), id=str(item["subject"].get("id")))
        try:
            created.append(
                grant_create(
                    actor=actor,
                    record_id=record_id,
                    subject=subject,
                    permission=item.get("permission"),
                    expires_at=item.get("expires_at"),
                )
            )
        except ValidationError as exc:
            raise ValidationError(
                exc.message,
                errors=[FieldError(f"grants.{index}.{e.field}", e.messages) for e in exc.errors],
            ) from exc
    return created


_UNCHANGED = object()


@transaction.atomic
def grant_update(
    *,
    actor: UserLike,
    record_id: str,
    subject: Subject,
    permission: str | None = None,
    expires_at: object = _UNCHANGED,
) -> ParentUserGrant | ParentGroupGrant:
    """Change the level or expiry of an existing grant."""
    parent = managed_parent(actor, record_id)
    grant = _grant_of(parent, subject)
    if grant is None:
        raise NotFound("No such grant.")
    fields = []
    if permission is not None:
        grant.permission = _permission(permission, levels.LEVELS)
        fields.append("permission")
    if expires_at is not _UNCHANGED:
        grant.expires_at = parse_expiry(expires_at)
        fields.append("expires_at")
    if fields:
        grant.save(update_fields=fields)
        access_changed(parent)
    return grant


@transaction.atomic
def grant_delete(*, actor: UserLike, record_id: str, subject: Subject) -> None:
    """Stop sharing a record with a user or group."""
    parent = managed_parent(actor, record_id)
    grant = _grant_of(parent, subject)
    if grant is None:
        raise NotFound("No such grant.")
    grant.delete()
    access_changed(parent)


@transaction.atomic
def link_create(
    *,
    actor: UserLike,
    record_id: str,
    permission: str,
    expires_at: object = None,
    description: str = "",
) -> SecretLink:
    """Create a secret link: its token gives exactly PERMISSION on the record to whoever has it."""
    parent = managed_parent(actor, record_id)
    _permission(permission, levels.LINK_LEVELS)
    if not isinstance(description, str):
        raise ValidationError(errors=[FieldError("description", ["Not a valid string."])])
    link = SecretLink.objects.create(
        parent=parent,
        permission=permission,
        expires_at=parse_expiry(expires_at),
        description=description,
        created_by=actor,
    )
    access_changed(parent)
    return link


def _link_of(parent: Parent, link_id: str) -> SecretLink:
    try:
        key = uuid.UUID(str(link_id))
    except ValueError as exc:
        raise NotFound("No such link.") from exc
    link = SecretLink.objects.filter(parent=parent, pk=key).first()
    if link is None:
        raise NotFound("No such link.")
    return link


@transaction.atomic
def link_update(
    *,
    actor: UserLike,
    record_id: str,
    link_id: str,
    permission: str | None = None,
    expires_at: object = _UNCHANGED,
    description: str | None = None,
) -> SecretLink:
    """Change a secret link's permission, expiry or description (its token stays)."""
    parent = managed_parent(actor, record_id)
    link = _link_of(parent, link_id)
    fields = []
    if permission is not None:
        _permission(permission, levels.LINK_LEVELS)
        link.permission = permission
        fields.append("permission")
    if expires_at is not _UNCHANGED:
        link.expires_at = parse_expiry(expires_at)
        fields.append("expires_at")
    if description is not None:
        if not isinstance(description, str):
            raise ValidationError(errors=[FieldError("description", ["Not a valid string."])])
        link.description = description
        fields.append("description")
    if fields:
        link.save(update_fields=fields)
        access_changed(parent)
    return link


@transaction.atomic
def link_delete(*, actor: UserLike, record_id: str, link_id: str) -> None:
    """Delete a secret link: its token stops working at once."""
    parent = managed_parent(actor, record_id)
    _link_of(parent, link_id).delete()
    access_changed(parent)


@transaction.atomic
def grants_purge_expired(*, now: datetime.datetime | None = None) -> list[str]:
    """Delete expired grants (they already grant nothing) and tell search their records' readers changed.

    Returns the ids of the parents whose grants were purged.
    """
    now = now or timezone.now()
    parents: set[str] = set()
    for model in (ParentUserGrant, ParentGroupGrant):
        expired = model.objects.filter(expires_at__lte=now)
        parents.update(expired.values_list("content_object_id", flat=True))
        expired.delete()
    for parent in Parent.objects.filter(pk__in=parents):
        access_changed(parent)
    return sorted(parents)
