"""Rows of record access: grants (guardian object permissions on parents) and secret links."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from records.access.levels import LINK_LEVELS


def active_q(prefix: str = "", *, now=None) -> Q:
    """Rows whose expiry (``expires_at``) has not passed: expired rows stop working at once."""
    now = now or timezone.now()
    return Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": now})


class ParentUserGrant(UserObjectPermissionBase):
    """A grant of one access level on a parent record to a user (a guardian object permission)."""

    content_object = models.ForeignKey("records.Parent", on_delete=models.CASCADE, related_name="user_grants")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="The grant stops working then.")
    created = models.DateTimeField(default=timezone.now)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "user grant"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "user"], name="grant_one_level_per_user")
        ]


class ParentGroupGrant(GroupObjectPermissionBase):
    """A grant of one access level on a parent record to a group (a guardian object permission)."""

    content_object = models.ForeignKey(
        "records.Parent", on_delete=models.CASCADE, related_name="group_grants"
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="The grant stops working then.")
    created = models.DateTimeField(default=timezone.now)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "group grant"
        constraints = [
            models.UniqueConstraint(fields=["content_object", "group"], name="grant_one_level_per_group")
        ]


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


class SecretLink(models.Model):
    """A secret link: whoever presents its token gets its permission on the parent record."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parent = models.ForeignKey("records.Parent", on_delete=models.CASCADE, related_name="secret_links")
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    permission = models.CharField(max_length=16, choices=[(level, level) for level in LINK_LEVELS])
    description = models.TextField(blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.permission} link on {self.parent_id}"

    def is_active(self, now=None) -> bool:
        """Not expired: ``expires_at`` is the first instant the link no longer works."""
        return self.expires_at is None or (now or timezone.now()) < self.expires_at


class RequestStatus(models.TextChoices):
    UNVERIFIED = "unverified", "waiting for the guest to verify their e-mail"
    SUBMITTED = "submitted", "submitted"
    ACCEPTED = "accepted", "accepted"
    DECLINED = "declined", "declined"
    CANCELLED = "cancelled", "cancelled"


class AccessRequest(models.Model):
    """Someone (a user, or a guest who verifies their e-mail) asks the owner for access to a record."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parent = models.ForeignKey("records.Parent", on_delete=models.CASCADE, related_name="access_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(blank=True, help_text="A guest's address (empty for users).")
    full_name = models.CharField(max_length=255, blank=True)
    message = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=RequestStatus.choices)
    verify_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="End of the access given.")
    link = models.ForeignKey(SecretLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"access request by {self.requester or self.email} on {self.parent_id}"


class OwnershipTransfer(models.Model):
    """The owner offers a record to another user, who accepts (or declines) it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parent = models.ForeignKey("records.Parent", on_delete=models.CASCADE, related_name="transfers")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED)
    created = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"transfer of {self.parent_id} to {self.to_user_id}"
