"""Quotas: admins raise the file limits of a record (and its versions) or of a user's records."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from files.models import Bucket, RecordQuota, UserQuota
from records.models import Draft, Record
from repository.exceptions import FieldError, NotFound, PermissionDenied, ValidationError
from repository.permissions import UserLike, is_admin

MAX_BYTES = 2**62  # fits the database's 64-bit integers with room to add


def _check_quota_values(quota_size: object, max_file_size: object, notes: object) -> None:
    errors = []
    for name, value in (("quota_size", quota_size), ("max_file_size", max_file_size)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_BYTES:
            errors.append(FieldError(name, [f"Must be a positive integer (bytes), at most {MAX_BYTES}."]))
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
