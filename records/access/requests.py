"""Access requests (users, and guests who verify their e-mail) and ownership transfers.

Services in the house style: keyword-only arguments, an explicit actor, one transaction,
e-mail queued after commit (records.access.tasks) with ids only.
"""

from __future__ import annotations

import secrets
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.models import hash_token
from records.access import levels
from records.access.models import (
    AccessRequest,
    OwnershipTransfer,
    ParentUserGrant,
    RequestStatus,
    SecretLink,
)
from records.access.services import (
    Subject,
    access_changed,
    grant_create,
    managed_parent,
    parent_for,
    parse_expiry,
)
from records.models import Parent
from records.permissions import has_level, is_owner
from repository.exceptions import Conflict, FieldError, NotFound, PermissionDenied, ValidationError
from repository.ids import parse_row_id
from repository.permissions import UserLike, is_admin

SETTINGS_KEYS = ("allow_user_requests", "allow_guest_requests")
MAX_MESSAGE = 5000


def access_settings(parent: Parent) -> dict:
    """The record's request settings (both off unless the owner turns them on)."""
    stored = ((parent.json or {}).get("access") or {}).get("settings") or {}
    return {key: bool(stored.get(key, False)) for key in SETTINGS_KEYS}


@transaction.atomic
def access_settings_update(*, actor: UserLike, record_id: str, settings: object) -> dict:
    """Turn access requests by users and by guests on or off (manage level)."""
    parent = managed_parent(actor, record_id)
    if not isinstance(settings, dict):
        raise ValidationError(errors=[FieldError("settings", ["Must be a JSON object."])])
    errors = [FieldError(f"settings.{k}", ["Unknown setting."]) for k in settings if k not in SETTINGS_KEYS]
    errors += [
        FieldError(f"settings.{k}", ["Must be true or false."])
        for k in SETTINGS_KEYS
        if k in settings and not isinstance(settings[k], bool)
    ]
    if errors:
        raise ValidationError(errors=errors)
    merged = {**access_settings(parent), **settings}
    data = dict(parent.json or {})
    data["access"] = {**(data.get("access") or {}), "settings": merged}
    parent.json = data
    parent.save(update_fields=["json"])
    return merged


def _notify(kind: str, object_id: uuid.UUID, **extra: str) -> None:
    from records.access.tasks import send_access_mail

    transaction.on_commit(lambda: send_access_mail.delay(kind, str(object_id), **extra))


def _message(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_MESSAGE:
        raise ValidationError(
            errors=[FieldError("message", [f"A text of at most {MAX_MESSAGE} characters."])]
        )
    return value


def _requestable_parent(actor: UserLike, record_id: str, setting: str) -> Parent:
    parent = parent_for(actor, record_id, lock=True)
    if not access_settings(parent)[setting]:
        raise PermissionDenied("The owner does not take access requests for this record.")
    return parent


@transaction.atomic
def access_request_create(*, actor: UserLike, record_id: str, message: object = "") -> AccessRequest:
    """A signed-in user asks for view access (to a record whose files they may not read)."""
    parent = _requestable_parent(actor, record_id, "allow_user_requests")
    if has_level(actor, parent, levels.VIEW):
        raise Conflict("You already have access to this record.")
    if AccessRequest.objects.filter(parent=parent, requester=actor, status=RequestStatus.SUBMITTED).exists():
        raise Conflict("You already asked; the owner has not answered yet.")
    request = AccessRequest.objects.create(
        parent=parent, requester=actor, message=_message(message), status=RequestStatus.SUBMITTED
    )
    _notify("request_submitted", request.pk)
    return request


@transaction.atomic
def access_request_create_guest(
    *, actor: UserLike, record_id: str, email: object, full_name: object = "", message: object = ""
) -> AccessRequest:
    """A guest asks for access; the request counts once they follow the link e-mailed to them."""
    parent = _requestable_parent(actor, record_id, "allow_guest_requests")
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationError(errors=[FieldError("email", ["Not a valid e-mail address."])]) from exc
    if not isinstance(full_name, str) or len(full_name) > 255:
        raise ValidationError(errors=[FieldError("full_name", ["A name of at most 255 characters."])])
    token = secrets.token_urlsafe(32)
    request = AccessRequest.objects.create(
        parent=parent,
        email=str(email).strip().lower(),
        full_name=full_name,
        message=_message(message),
        status=RequestStatus.UNVERIFIED,
        verify_token_hash=hash_token(token),
    )
    _notify("request_verify", request.pk, token=token)
    return request


@transaction.atomic
def access_request_verify(*, token: str) -> AccessRequest:
    """The guest followed the e-mailed link: the request goes to the owner."""
    request = (
        AccessRequest.objects.select_for_update()
        .filter(verify_token_hash=hash_token(str(token)), status=RequestStatus.UNVERIFIED)
        .first()
        if token
        else None
    )
    if request is None:
        raise NotFound("Unknown or already used verification link.")
    request.status = RequestStatus.SUBMITTED
    request.verify_token_hash = ""
    request.save(update_fields=["status", "verify_token_hash"])
    _notify("request_submitted", request.pk)
    return request


def _open_request(parent: Parent, request_id: str) -> AccessRequest:
    try:
        key = uuid.UUID(str(request_id))
    except ValueError as exc:
        raise NotFound("No such access request.") from exc
    request = AccessRequest.objects.select_for_update().filter(parent=parent, pk=key).first()
    if request is None:
        raise NotFound("No such access request.")
    if request.status != RequestStatus.SUBMITTED:
        raise Conflict(f"The request is {request.status}; only submitted requests can be answered.")
    return request


@transaction.atomic
def access_request_accept(
    *, actor: UserLike, record_id: str, request_id: str, expires_at: object = None
) -> AccessRequest:
    """Accept: a user gets a view grant, a guest a view secret link (optionally until EXPIRES_AT)."""
    parent = managed_parent(actor, record_id)
    request = _open_request(parent, request_id)
    expiry = parse_expiry(expires_at)
    if request.requester_id is not None:
        existing = ParentUserGrant.objects.filter(content_object=parent, user_id=request.requester_id)
        if not existing.exists() and request.requester_id != parent.owner_id:
            grant_create(
                actor=actor,
                record_id=record_id,
                subject=Subject("user", str(request.requester_id)),
                permission=levels.VIEW,
                expires_at=expires_at,
            )
    else:
        request.link = SecretLink.objects.create(
            parent=parent,
            permission=levels.VIEW,
            expires_at=expiry,
            description=f"Access request of {request.email}",
            created_by=actor,
        )
        access_changed(parent)
    request.status = RequestStatus.ACCEPTED
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.expires_at = expiry
    request.save(update_fields=["status", "decided_at", "decided_by", "expires_at", "link"])
    _notify("request_accepted", request.pk)
    return request


@transaction.atomic
def access_request_decline(*, actor: UserLike, record_id: str, request_id: str) -> AccessRequest:
    """Decline an access request."""
    parent = managed_parent(actor, record_id)
    request = _open_request(parent, request_id)
    request.status = RequestStatus.DECLINED
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.save(update_fields=["status", "decided_at", "decided_by"])
    _notify("request_declined", request.pk)
    return request


# --- ownership --------------------------------------------------------------------


def _new_owner(user_id: object):
    row_id = parse_row_id(user_id)
    user = get_user_model().objects.filter(pk=row_id, is_active=True).first() if row_id is not None else None
    if user is None:
        raise ValidationError(errors=[FieldError("user", [f"No active user with id {str(user_id)!r}."])])
    return user


def _set_owner(parent: Parent, user) -> None:
    parent.owner = user
    parent.updated = timezone.now()
    parent.save(update_fields=["owner", "updated"])
    ParentUserGrant.objects.filter(content_object=parent, user=user).delete()  # the owner has it all
    access_changed(parent)


@transaction.atomic
def parent_transfer(*, actor: UserLike, record_id: str, to_user: object) -> OwnershipTransfer:
    """Give a record to another user: admins at once, the owner pending the new owner's acceptance."""
    parent = parent_for(actor, record_id, lock=True)
    if not (is_admin(actor) or is_owner(actor, parent)):
        raise PermissionDenied("Only the owner and admins may transfer a record.")
    user = _new_owner(to_user)
    if user.pk == parent.owner_id:
        raise ValidationError(errors=[FieldError("user", ["This user already owns the record."])])
    transfer = OwnershipTransfer(parent=parent, from_user=parent.owner or actor, to_user=user)
    if is_admin(actor):
        transfer.status = RequestStatus.ACCEPTED
        transfer.decided_at = timezone.now()
        _set_owner(parent, user)
    else:
        OwnershipTransfer.objects.filter(parent=parent, status=RequestStatus.SUBMITTED).update(
            status=RequestStatus.CANCELLED, decided_at=timezone.now()
        )
    transfer.save()
    if transfer.status == RequestStatus.SUBMITTED:
        _notify("transfer_offered", transfer.pk)
    return transfer


def _incoming(actor: UserLike, transfer_id: str) -> OwnershipTransfer:
    try:
        key = uuid.UUID(str(transfer_id))
    except ValueError as exc:
        raise NotFound("No such transfer.") from exc
    transfer = OwnershipTransfer.objects.select_for_update().filter(pk=key, to_user_id=actor.pk).first()
    if transfer is None:
        raise NotFound("No such transfer.")
    if transfer.status != RequestStatus.SUBMITTED:
        raise Conflict(f"The transfer is {transfer.status}.")
    return transfer


@transaction.atomic
def transfer_accept(*, actor: UserLike, transfer_id: str) -> OwnershipTransfer:
    """The offered user accepts: they own the record from now on (if the offer still stands)."""
    transfer = _incoming(actor, transfer_id)
    parent = Parent.objects.select_for_update().get(pk=transfer.parent_id)
    if parent.owner_id != transfer.from_user_id:
        raise Conflict("The record changed owner since the offer; it no longer stands.")
    _set_owner(parent, actor)
    transfer.status = RequestStatus.ACCEPTED
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_at"])
    return transfer


@transaction.atomic
def transfer_decline(*, actor: UserLike, transfer_id: str) -> OwnershipTransfer:
    """The offered user declines; the record stays with its owner."""
    transfer = _incoming(actor, transfer_id)
    transfer.status = RequestStatus.DECLINED
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_at"])
    return transfer


def offers_to(user: UserLike) -> list[OwnershipTransfer]:
    """Transfers offered to USER and not answered yet."""
    return list(
        OwnershipTransfer.objects.filter(to_user_id=user.pk, status=RequestStatus.SUBMITTED).select_related(
            "from_user"
        )
    )
