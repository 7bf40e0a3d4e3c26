"""Records: parent (concept) records, published versions, drafts, revisions and PIDs.

The record document (``json``) holds what InvenioRDM keeps in its JSON:
``$schema``, ``metadata``, ``access``, ``files``, ``pids``, ``custom_fields``.
System fields (ids, versions, timestamps, revision ids) are columns, so they are
indexed and can never be forged by a client.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from records.access.levels import PARENT_PERMISSIONS
from records.querysets import DraftQuerySet, RecordQuerySet


class Parent(models.Model):
    """The concept record: what all versions share (owner, access, communities)."""

    id = models.CharField(primary_key=True, max_length=11)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="parents"
    )
    json = models.JSONField(default=dict, blank=True, help_text="Parent-level data (e.g. concept pids).")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]
        permissions = PARENT_PERMISSIONS  # access grant levels (records.access)

    def __str__(self) -> str:
        return self.id


class DeletionStatus(models.TextChoices):
    PUBLISHED = "P", "published"
    DELETED = "D", "deleted"


class Record(models.Model):
    """A published version of a record."""

    id = models.CharField(primary_key=True, max_length=11)
    # No index of its own: the (parent, index) unique constraint and the (parent, is_latest)
    # index both start with parent_id and serve every lookup by parent.
    parent = models.ForeignKey(Parent, on_delete=models.PROTECT, related_name="records", db_index=False)
    index = models.PositiveIntegerField(help_text="Version number within the parent (1, 2, ...).")
    is_latest = models.BooleanField(default=True)
    json = models.JSONField(default=dict)
    revision_id = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now, db_index=True)
    deletion_status = models.CharField(
        max_length=1, choices=DeletionStatus.choices, default=DeletionStatus.PUBLISHED
    )
    tombstone = models.JSONField(null=True, blank=True)
    # Search projection (rebuilt from json by records.search_fields): full-text
    # column with title, description, creators and subjects; sort keys.
    title = models.TextField(blank=True, default="")
    publication_date = models.CharField(max_length=32, blank=True, default="")
    search_text = models.TextField(blank=True, default="")
    # access.record == "restricted", computed by the database from json on every write (so no
    # path that changes the document can leave it stale): the read filter of lists and searches
    # tests this column instead of reading each row's JSON document.
    search_restricted = models.GeneratedField(
        expression=models.Case(
            models.When(json__access__record="restricted", then=models.Value(True)),
            default=models.Value(False),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "index"], name="record_unique_version_index")
        ]
        indexes = [
            models.Index(fields=["created"], name="record_created_idx"),
            models.Index(fields=["parent", "is_latest"], name="record_parent_latest_idx"),
            # What anonymous users may read, with the revision: OAI-PMH pages ask the policy per
            # item and read this index alone (PostgreSQL), not the wide rows (docs/adr/0020).
            models.Index(
                fields=["id"],
                include=["revision_id"],
                condition=models.Q(deletion_status=DeletionStatus.PUBLISHED, search_restricted=False),
                name="record_public_revision_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id}: {self.title[:60]}"

    @property
    def is_deleted(self) -> bool:
        return self.deletion_status == DeletionStatus.DELETED


class Draft(models.Model):
    """A draft: of a new record, an edit of a published record (same id), or a next version."""

    id = models.CharField(primary_key=True, max_length=11)
    parent = models.ForeignKey(Parent, on_delete=models.CASCADE, related_name="drafts")
    index = models.PositiveIntegerField(default=1)
    json = models.JSONField(default=dict)
    revision_id = models.PositiveIntegerField(default=1)
    fork_version_id = models.PositiveIntegerField(
        null=True, blank=True, help_text="Revision of the published record this edit started from."
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    title = models.TextField(blank=True, default="")

    objects = DraftQuerySet.as_manager()

    class Meta:
        ordering = ["-updated"]

    def __str__(self) -> str:
        return f"draft {self.id}: {self.title[:60]}"


class RecordRevision(models.Model):
    """One committed state of a published record: full JSON, who and when."""

    class Action(models.TextChoices):
        PUBLISH = "publish", "published"
        IMPORT = "import", "imported"
        DELETE = "delete", "deleted"
        RESTORE = "restore", "restored"
        ADMIN_EDIT = "admin-edit", "edited in the admin"
        EMBARGO_LIFT = "embargo-lift", "embargo lifted"

    # No index of its own: the (record, revision_id) unique constraint starts with record_id.
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="revisions", db_index=False)
    revision_id = models.PositiveIntegerField()
    json = models.JSONField()
    action = models.CharField(max_length=16, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["record", "-revision_id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "revision_id"], name="revision_unique_per_record")
        ]

    def __str__(self) -> str:
        return f"{self.record_id} r{self.revision_id}"


class PIDStatus(models.TextChoices):
    NEW = "N", "new"
    RESERVED = "K", "reserved"
    REGISTERED = "R", "registered"
    REDIRECTED = "M", "redirected"
    DELETED = "D", "deleted"


class PersistentIdentifier(models.Model):
    """A persistent identifier (scheme + value, unique) pointing at a record or parent."""

    class ObjectType(models.TextChoices):
        RECORD = "rec", "record"
        PARENT = "par", "parent"

    scheme = models.CharField(max_length=32, help_text="recid, doi, oai, ...")
    value = models.CharField(max_length=255)
    status = models.CharField(max_length=1, choices=PIDStatus.choices, default=PIDStatus.NEW)
    object_type = models.CharField(max_length=3, choices=ObjectType.choices, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    provider = models.CharField(
        max_length=32, blank=True, default="", help_text="local, external, datacite, oai"
    )
    redirect_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redirected_from"
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "persistent identifier"
        constraints = [models.UniqueConstraint(fields=["scheme", "value"], name="pid_unique_scheme_value")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="pid_object_idx")]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


# Access rows (grants, secret links) live in records.access; imported here so Django registers them.
from records.access.models import (  # noqa: E402, F401
    AccessRequest,
    OwnershipTransfer,
    ParentGroupGrant,
    ParentUserGrant,
    SecretLink,
)
from records.search_models import RecordSearchTerm, SearchQueueEntry  # noqa: E402, F401 (search rows)
