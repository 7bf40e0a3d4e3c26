"""Generic requests: one state machine (created → submitted → accepted | declined | cancelled |
expired) shared by every workflow, and the timeline of comments and log events of each request.

Who created a request, who receives it and what it is about are entity references
(``{"user": "1"}``, ``{"community": "<uuid>"}``, ``{"record": "<id>"}``, ``{"group": "<id>"}``),
stored as a (type, id) pair of columns so they can be filtered and indexed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class RequestStatus(models.TextChoices):
    CREATED = "created", "created"
    SUBMITTED = "submitted", "submitted"
    ACCEPTED = "accepted", "accepted"
    DECLINED = "declined", "declined"
    CANCELLED = "cancelled", "cancelled"
    EXPIRED = "expired", "expired"


OPEN_STATUSES = (RequestStatus.SUBMITTED,)
CLOSED_STATUSES = (
    RequestStatus.ACCEPTED,
    RequestStatus.DECLINED,
    RequestStatus.CANCELLED,
    RequestStatus.EXPIRED,
)


class Request(models.Model):
    """A request of some type from an entity to another entity about a topic."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.PositiveIntegerField(unique=True, help_text="Human-friendly sequential number.")
    type = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.CREATED)
    title = models.CharField(max_length=250, blank=True, default="")
    description = models.TextField(blank=True, default="")
    created_by_type = models.CharField(max_length=16)
    created_by_id = models.CharField(max_length=64)
    receiver_type = models.CharField(max_length=16)
    receiver_id = models.CharField(max_length=64)
    topic_type = models.CharField(max_length=16, blank=True, default="")
    topic_id = models.CharField(max_length=64, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True, help_text="Type-specific data (e.g. invited role).")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    revision_id = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["created_by_type", "created_by_id"], name="request_creator_idx"),
            models.Index(fields=["receiver_type", "receiver_id"], name="request_receiver_idx"),
            models.Index(fields=["topic_type", "topic_id"], name="request_topic_idx"),
            models.Index(fields=["status", "expires_at"], name="request_status_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.type} ({self.status})"

    @property
    def created_by(self) -> dict:
        return {self.created_by_type: self.created_by_id}

    @property
    def receiver(self) -> dict:
        return {self.receiver_type: self.receiver_id}

    @property
    def topic(self) -> dict | None:
        return {self.topic_type: self.topic_id} if self.topic_type else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class RequestEvent(models.Model):
    """One entry of a request's timeline: a comment (type C) or a log event (type L)."""

    class Type(models.TextChoices):
        COMMENT = "C", "comment"
        LOG = "L", "log"

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField(max_length=1, choices=Type.choices)
    payload = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    revision_id = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["request", "created"], name="request_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} on {self.request_id}"


class NotificationPreference(models.Model):
    """A user's choice about request e-mails (absent row: e-mails are on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {'on' if self.email_enabled else 'off'}"
