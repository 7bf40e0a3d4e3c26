"""Who may do what with records and drafts.

Foundation rules (the access-control issue extends these, not the views):
published records are public unless ``access.record`` is "restricted" (then only
their owner and admins see them: the grants, secret links and communities of the
access-control issue extend exactly this); deleted records are visible to admins only
(everyone else gets a 410 with the tombstone); drafts are visible to their
owner and admins; owners edit and version their records; admins delete and
restore and read revisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from records.models import DeletionStatus, Draft, Parent, Record
from repository.permissions import Policy, UserLike, is_admin


def is_restricted(record: Record) -> bool:
    """access.record == "restricted": only the owner and admins see the record at all."""
    access = record.json.get("access") if isinstance(record.json, dict) else None
    return isinstance(access, dict) and access.get("record") == "restricted"


def is_owner(user: UserLike, parent: Parent) -> bool:
    return bool(user.is_authenticated and user.is_active and parent.owner_id == user.pk)


@dataclass(frozen=True)
class ReadScope:
    """Which published records a user may read, in a form every search backend can apply.

    A record is readable when ``everything`` is true, or it is not restricted, or the set of
    principals allowed to read it (``RecordPolicy.record_readers``) meets ``principals``.
    Principals are strings: ``"user:<id>"`` (owner, and later grants), later also
    ``"group:<id>"`` and ``"link:<id>"`` (secret links) and community roles.
    """

    everything: bool
    principals: frozenset[str]


def user_principal(user_id: int) -> str:
    return f"user:{user_id}"


class RecordPolicy(Policy):
    """Published records."""

    actions = (
        "read",
        "read_files",
        "edit",
        "new_version",
        "delete",
        "restore",
        "read_revisions",
        "read_deleted",
    )

    def can_read(self, user: UserLike, record: Record) -> bool:
        if record.deletion_status != DeletionStatus.PUBLISHED:
            return False
        if is_restricted(record):
            return is_admin(user) or is_owner(user, record.parent)
        return True

    def can_read_files(self, user: UserLike, record: Record) -> bool:
        """File listing and content: readable record, and files public (or owner/admin)."""
        if not self.can_read(user, record):
            return False
        access = record.json.get("access") if isinstance(record.json, dict) else None
        if isinstance(access, dict) and access.get("files") == "restricted":
            return is_admin(user) or is_owner(user, record.parent)
        return True

    def can_read_deleted(self, user: UserLike, record: Record | None) -> bool:
        return is_admin(user)

    def can_edit(self, user: UserLike, record: Record) -> bool:
        if record.deletion_status != DeletionStatus.PUBLISHED:
            return False
        return is_admin(user) or is_owner(user, record.parent)

    can_new_version = can_edit

    def can_delete(self, user: UserLike, record: Record | None) -> bool:
        return is_admin(user)

    can_restore = can_delete
    can_read_revisions = can_delete

    def read_scope(self, user: UserLike) -> ReadScope:
        """The principals USER acts as when reading (search backends filter with this)."""
        if is_admin(user):
            return ReadScope(everything=True, principals=frozenset())
        if user and user.is_authenticated and user.is_active:
            return ReadScope(everything=False, principals=frozenset({user_principal(user.pk)}))
        return ReadScope(everything=False, principals=frozenset())

    def record_readers(self, record: Record) -> frozenset[str]:
        """Principals who may read RECORD even when it is restricted (stored in search indexes)."""
        owner_id = record.parent.owner_id
        return frozenset({user_principal(owner_id)}) if owner_id is not None else frozenset()

    def filter_visible(self, user: UserLike, queryset: QuerySet) -> QuerySet:
        queryset = queryset.filter(deletion_status=DeletionStatus.PUBLISHED)
        if is_admin(user):
            return queryset
        public = ~Q(json__access__record="restricted")
        if user and user.is_authenticated and user.is_active:
            return queryset.filter(public | Q(parent__owner=user))
        return queryset.filter(public)


class DraftPolicy(Policy):
    """Drafts: only their owner and admins see or touch them."""

    actions = ("create", "read", "update", "delete", "publish")

    def can_create(self, user: UserLike, draft: Draft | None) -> bool:
        return bool(user.is_authenticated and user.is_active)

    def can_read(self, user: UserLike, draft: Draft) -> bool:
        return is_admin(user) or is_owner(user, draft.parent)

    can_update = can_read
    can_delete = can_read
    can_publish = can_read

    def filter_visible(self, user: UserLike, queryset: QuerySet) -> QuerySet:
        if is_admin(user):
            return queryset
        if not (user and user.is_authenticated and user.is_active):
            return queryset.none()
        return queryset.filter(parent__owner=user)


record_policy = RecordPolicy()
draft_policy = DraftPolicy()
