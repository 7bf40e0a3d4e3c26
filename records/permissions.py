"""Who may do what with records and drafts: one policy per model, for objects and for lists.

Access levels on a parent record (all its versions), lowest first: view < preview < edit <
manage (records.access.levels). A user's level is the highest of: manage for admins and the
owner (``parent.owner``); grants to them or to one of their groups (guardian object
permissions, records.access.models); the secret link they present with ``?token=``
(records.access.links; anonymous holders get at most preview).

Published records: readable by everyone unless ``access.record`` is "restricted", then by
view and above. Files: like the record, and when ``access.files`` is "restricted" by view and
above. Edit and new version: edit and above. Sharing (grants, links): manage. Deleted records
are read, restored and listed for admins only (everyone else gets a 410 with the tombstone);
deletion and revisions are for admins. Drafts: preview and above read them, edit and above
change, publish and delete them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from records.access import levels
from records.access.principals import (
    access_level,
    is_member,
    parent_readers,
    parents_granted,
    parents_readers,
    principals_of,
    user_principal,
)
from records.models import DeletionStatus, Draft, Parent, Record
from repository.permissions import Policy, UserLike, is_admin

__all__ = ["ReadScope", "draft_policy", "record_policy", "user_principal"]


def _access(record: Record | Draft) -> dict:
    access = record.json.get("access") if isinstance(record.json, dict) else None
    return access if isinstance(access, dict) else {}


def is_restricted(record: Record) -> bool:
    """access.record == "restricted": only users with a view level or more see the record."""
    return _access(record).get("record") == "restricted"


def files_restricted(record: Record) -> bool:
    return _access(record).get("files") == "restricted"


def is_owner(user: UserLike, parent: Parent) -> bool:
    return bool(is_member(user) and parent.owner_id == user.pk)


def has_level(user: UserLike, parent: Parent, level: str) -> bool:
    """USER has LEVEL or more on PARENT (admins and owners have every level)."""
    return access_level(user, parent) >= levels.rank(level)


@dataclass(frozen=True)
class ReadScope:
    """Which published records a user may read, in a form every search backend can apply.

    A record is readable when ``everything`` is true, or it is not restricted, or the set of
    principals allowed to read it (``RecordPolicy.record_readers``) meets ``principals``.
    Principals are strings: ``"user:<id>"`` (the owner and users with a grant without expiry),
    ``"group:<id>"`` (groups with a grant without expiry), ``"grant:user|group:<grant id>"``
    (a grant with an expiry: in the scope only while it is active) and ``"link:<uuid>"``
    (secret links; a link is in the scope only while it is valid). So a deleted or expired
    grant or link stops working at once in search too, even in an index not yet refreshed.
    Restricted files use the same readers: every grant level and every link includes viewing files.
    Search backends that store ``record_readers`` must refresh it when ``records_changed`` is
    sent with action "access" (every grant/link change sends it).
    """

    everything: bool
    principals: frozenset[str]


class RecordPolicy(Policy):
    """Published records."""

    actions = (
        "read",
        "read_files",
        "edit",
        "new_version",
        "manage",
        "delete",
        "restore",
        "read_revisions",
        "read_deleted",
    )

    def can_read(self, user: UserLike, record: Record) -> bool:
        if record.deletion_status != DeletionStatus.PUBLISHED:
            return False
        if is_restricted(record):
            return has_level(user, record.parent, levels.VIEW)
        return True

    def can_read_files(self, user: UserLike, record: Record) -> bool:
        """File listing and content: readable record, and files public (or view level and above)."""
        if not self.can_read(user, record):
            return False
        if files_restricted(record):
            return has_level(user, record.parent, levels.VIEW)
        return True

    def can_read_deleted(self, user: UserLike, record: Record | None) -> bool:
        return is_admin(user)

    def can_edit(self, user: UserLike, record: Record) -> bool:
        if record.deletion_status != DeletionStatus.PUBLISHED:
            return False
        return is_member(user) and has_level(user, record.parent, levels.EDIT)

    can_new_version = can_edit

    def can_manage(self, user: UserLike, obj: Record | Draft | Parent) -> bool:
        """Share the record: grants, secret links, access requests (owner, admins, manage grants)."""
        parent = obj if isinstance(obj, Parent) else obj.parent
        return is_member(user) and has_level(user, parent, levels.MANAGE)

    def can_delete(self, user: UserLike, record: Record | None) -> bool:
        return is_admin(user)

    can_restore = can_delete
    can_read_revisions = can_delete

    def read_scope(self, user: UserLike) -> ReadScope:
        """The principals USER acts as when reading (search backends filter with this)."""
        if is_admin(user):
            return ReadScope(everything=True, principals=frozenset())
        return ReadScope(everything=False, principals=principals_of(user))

    def record_readers(self, record: Record) -> frozenset[str]:
        """Principals who may read RECORD even when it is restricted (stored in search indexes)."""
        return parent_readers(record.parent_id, record.parent.owner_id)

    def records_readers(self, records: list[Record]) -> dict[str, frozenset[str]]:
        """record_readers of many records at once ({record id: principals}), for bulk indexing."""
        by_parent = parents_readers({r.parent_id: r.parent.owner_id for r in records})
        return {r.pk: by_parent[r.parent_id] for r in records}

    def filter_visible(self, user: UserLike, queryset: QuerySet) -> QuerySet:
        queryset = queryset.filter(deletion_status=DeletionStatus.PUBLISHED)
        if is_admin(user):
            return queryset
        # search_restricted is access.record == "restricted", generated from json by the database
        return queryset.filter(Q(search_restricted=False) | parents_granted(user, levels.VIEW))


class DraftPolicy(Policy):
    """Drafts: preview level and above see them, edit and above change them."""

    actions = ("create", "read", "update", "delete", "publish", "manage")

    def can_create(self, user: UserLike, draft: Draft | None) -> bool:
        return is_member(user)

    def can_read(self, user: UserLike, draft: Draft) -> bool:
        return has_level(user, draft.parent, levels.PREVIEW)

    def can_update(self, user: UserLike, draft: Draft) -> bool:
        return is_member(user) and has_level(user, draft.parent, levels.EDIT)

    can_delete = can_update
    can_publish = can_update

    def can_manage(self, user: UserLike, draft: Draft) -> bool:
        return is_member(user) and has_level(user, draft.parent, levels.MANAGE)

    def filter_visible(self, user: UserLike, queryset: QuerySet) -> QuerySet:
        if is_admin(user):
            return queryset
        return queryset.filter(parents_granted(user, levels.PREVIEW))


record_policy = RecordPolicy()
draft_policy = DraftPolicy()
