"""Files: buckets, object versions, file instances and multipart parts.

A *bucket* holds the files of one draft or one published record (``owner_kind`` +
``record_id``: drafts come and go on publish and edit, so the bucket names its owner by
id instead of a foreign key). An *object version* is one version of a key in a bucket and
points at a *file instance*, the physical bytes in one storage location. Published
versions share file instances with the drafts they came from and with earlier versions:
bytes are never copied.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Bucket(models.Model):
    """The files of one draft or one published record, with its limits."""

    class OwnerKind(models.TextChoices):
        DRAFT = "draft", "draft"
        RECORD = "record", "published record"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner_kind = models.CharField(max_length=8, choices=OwnerKind.choices)
    record_id = models.CharField(max_length=11, help_text="Id of the draft or record owning the bucket.")
    quota_size = models.BigIntegerField(help_text="Most bytes the bucket may hold.")
    max_file_size = models.BigIntegerField(help_text="Largest single file, in bytes.")
    max_files = models.PositiveIntegerField(help_text="Most files (keys) the bucket may hold.")
    locked = models.BooleanField(default=False, help_text="A locked bucket accepts no changes.")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner_kind", "record_id"], name="bucket_unique_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_kind} {self.record_id}"


class FileInstance(models.Model):
    """The physical bytes of a file in one storage location, with its fixity state."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.CharField(max_length=32, help_text="Name of the storage location (FILES_LOCATIONS).")
    uri = models.CharField(max_length=255, help_text="Path of the bytes inside the location.")
    size = models.BigIntegerField(default=0)
    checksum = models.CharField(max_length=64, blank=True, default="", help_text="md5:<hex>")
    readable = models.BooleanField(default=False, help_text="Complete and verified: may be served.")
    writable = models.BooleanField(default=True, help_text="Still being written.")
    created = models.DateTimeField(default=timezone.now, db_index=True)
    last_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_check = models.BooleanField(null=True, blank=True, help_text="Last fixity check: passed?")
    last_check_detail = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["readable", "last_check_at"], name="fileinstance_fixity_idx")]

    def __str__(self) -> str:
        return f"{self.location}:{self.uri}"

    @property
    def md5(self) -> str:
        return self.checksum.removeprefix("md5:")


class ObjectVersion(models.Model):
    """One version of a key in a bucket; without a file instance it is a delete marker."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        COMPLETED = "completed", "completed"
        FAILED = "failed", "failed"

    class Transfer(models.TextChoices):
        LOCAL = "L", "local upload"
        MULTIPART = "M", "multipart upload"

    version_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bucket = models.ForeignKey(Bucket, on_delete=models.CASCADE, related_name="versions")
    key = models.CharField(max_length=255)
    file = models.ForeignKey(
        FileInstance, null=True, blank=True, on_delete=models.PROTECT, related_name="object_versions"
    )
    is_head = models.BooleanField(default=True)
    delete_marker = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    mimetype = models.CharField(max_length=255, blank=True, default="")
    metadata = models.JSONField(null=True, blank=True)
    expected_size = models.BigIntegerField(null=True, blank=True, help_text="Size announced at init.")
    expected_checksum = models.CharField(max_length=64, blank=True, default="")
    transfer = models.CharField(max_length=1, choices=Transfer.choices, default=Transfer.LOCAL)
    parts = models.PositiveIntegerField(null=True, blank=True)
    part_size = models.BigIntegerField(null=True, blank=True)
    multipart_upload_id = models.CharField(max_length=1024, blank=True, default="")
    upload_file = models.ForeignKey(
        FileInstance,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pending_uploads",
        help_text="The instance a multipart transfer is being assembled into.",
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bucket", "key", "-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "key"], condition=Q(is_head=True), name="objectversion_one_head_per_key"
            ),
        ]
        indexes = [models.Index(fields=["bucket", "is_head", "key"], name="objectversion_head_idx")]

    def __str__(self) -> str:
        return f"{self.bucket_id}/{self.key}"


class MultipartPart(models.Model):
    """One uploaded part of a multipart transfer (bytes in the object's pending file instance)."""

    object_version = models.ForeignKey(ObjectVersion, on_delete=models.CASCADE, related_name="uploaded_parts")
    part_number = models.PositiveIntegerField()
    size = models.BigIntegerField()
    checksum = models.CharField(max_length=64)
    etag = models.CharField(max_length=128, blank=True, default="", help_text="S3 part ETag.")
    uri = models.CharField(max_length=255, blank=True, default="")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object_version", "part_number"], name="multipart_unique_part"),
        ]

    def __str__(self) -> str:
        return f"{self.object_version_id} part {self.part_number}"


class RecordQuota(models.Model):
    """An admin's quota override for every bucket of a record's versions (by parent id)."""

    parent_id = models.CharField(max_length=11, unique=True)
    quota_size = models.BigIntegerField()
    max_file_size = models.BigIntegerField()
    notes = models.TextField(blank=True, default="")
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"quota of {self.parent_id}"


class UserQuota(models.Model):
    """An admin's quota override for the records a user owns (a record's own quota wins)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="file_quota")
    quota_size = models.BigIntegerField()
    max_file_size = models.BigIntegerField()
    notes = models.TextField(blank=True, default="")
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"quota of user {self.user_id}"
