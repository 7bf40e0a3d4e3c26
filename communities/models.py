"""Communities: curated collections of records with members in roles, and their records.

A community's ``metadata`` and ``access`` are kept as JSON in InvenioRDM's shape; the access
settings that decide permissions are also columns (indexed, never forged). Records belong to
communities by their parent (all versions at once), one of them being the default (branding).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Visibility(models.TextChoices):
    PUBLIC = "public", "public"
    RESTRICTED = "restricted", "restricted"


class MembersVisibility(models.TextChoices):
    PUBLIC = "public", "public"
    RESTRICTED = "restricted", "restricted"


class MemberPolicy(models.TextChoices):
    OPEN = "open", "open"
    CLOSED = "closed", "closed"


class SubmissionPolicy(models.TextChoices):
    OPEN = "open", "open"
    CLOSED = "closed", "closed"


class ReviewPolicy(models.TextChoices):
    CLOSED = "closed", "closed"
    OPEN = "open", "open"
    MEMBERS = "members", "members"


class Role(models.TextChoices):
    """Roles, strongest first: each role can do everything the roles below it can."""

    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    CURATOR = "curator", "Curator"
    READER = "reader", "Reader"


ROLE_RANK = {Role.OWNER: 4, Role.MANAGER: 3, Role.CURATOR: 2, Role.READER: 1}


class Community(models.Model):
    """A community: slug, metadata, access settings, logo; deleted communities keep a tombstone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.CharField(max_length=100, unique=True)
    metadata = models.JSONField(default=dict)
    title = models.CharField(max_length=250, db_index=True)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    members_visibility = models.CharField(
        max_length=16, choices=MembersVisibility.choices, default=MembersVisibility.PUBLIC
    )
    member_policy = models.CharField(max_length=16, choices=MemberPolicy.choices, default=MemberPolicy.OPEN)
    record_submission_policy = models.CharField(
        max_length=16, choices=SubmissionPolicy.choices, default=SubmissionPolicy.OPEN
    )
    review_policy = models.CharField(max_length=16, choices=ReviewPolicy.choices, default=ReviewPolicy.CLOSED)
    logo = models.FileField(upload_to="community-logos/", blank=True, default="")
    logo_content_type = models.CharField(max_length=32, blank=True, default="")
    is_deleted = models.BooleanField(default=False)
    tombstone = models.JSONField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    revision_id = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.slug}: {self.title[:60]}"

    @property
    def access(self) -> dict:
        return {
            "visibility": self.visibility,
            "members_visibility": self.members_visibility,
            "member_policy": self.member_policy,
            "record_submission_policy": self.record_submission_policy,
            "review_policy": self.review_policy,
        }


class SlugRedirect(models.Model):
    """An old slug of a renamed community: its URLs redirect to the current slug."""

    slug = models.CharField(max_length=100, unique=True)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="old_slugs")
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.slug} → {self.community_id}"


class Membership(models.Model):
    """A user or a group in a community with a role; hidden members are listed to members only."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    group = models.ForeignKey(
        "auth.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="community_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    visible = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["community", "created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="membership_unique_user"),
            models.UniqueConstraint(fields=["community", "group"], name="membership_unique_group"),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, group__isnull=True)
                | models.Q(user__isnull=True, group__isnull=False),
                name="membership_user_xor_group",
            ),
        ]

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else f"group {self.group_id}"
        return f"{who} {self.role} of {self.community_id}"


class CommunityRecord(models.Model):
    """A record (by its parent: every version) included in a community."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="record_links")
    parent = models.ForeignKey("records.Parent", on_delete=models.CASCADE, related_name="community_links")
    is_default = models.BooleanField(default=False, help_text="The community that brands the record.")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "parent"], name="community_record_unique"),
            models.UniqueConstraint(
                fields=["parent"], condition=models.Q(is_default=True), name="community_record_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} in {self.community_id}"


class RemovedCommunityRecord(models.Model):
    """A record link a community deletion removed, kept so that restoring the community brings it back."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="removed_record_links")
    parent = models.ForeignKey("records.Parent", on_delete=models.CASCADE, related_name="+")
    linked = models.DateTimeField(help_text="When the record had joined the community.")

    class Meta:
        ordering = ["linked", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "parent"], name="removed_community_record_unique")
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} (removed from {self.community_id})"


class FeaturedCommunity(models.Model):
    """A community featured on the front page from ``start_date`` on."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="featured")
    start_date = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "featured communities"
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.community_id} from {self.start_date:%Y-%m-%d}"
