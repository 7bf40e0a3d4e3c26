"""OAI-PMH's projection of the records: one item per record, sets and materialized set membership.

Everything here can be rebuilt from the records (``manage.py oai_rebuild``); the records app
never reads it. Items are written by the ``records_changed`` receiver inside the transaction
that changed the records (oaipmh.receivers).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

# OAI-PMH setSpec characters (unreserved URI characters), without ":" as we have no hierarchy.
SET_SPEC_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9\-_.!~*'()]+$", "Letters, digits and - _ . ! ~ * ' ( ) only (no ':': sets are flat)."
)


class OAIItem(models.Model):
    """A record as harvesters see it: datestamp of the last change they must see, deleted flag, sets."""

    record_id = models.CharField(primary_key=True, max_length=11)
    datestamp = models.DateTimeField()
    deleted = models.BooleanField(
        default=False, help_text="Deleted, or not readable by anonymous users (presented as deleted)."
    )
    set_specs = models.JSONField(default=list, blank=True, help_text="Specs of the sets the record is in.")

    class Meta:
        verbose_name = "OAI item"
        indexes = [models.Index(fields=["datestamp", "record_id"], name="oaiitem_keyset_idx")]

    def __str__(self) -> str:
        return self.record_id


class OAISet(models.Model):
    """A set harvesters can select: records matching a search query (membership is materialized)."""

    spec = models.CharField(max_length=128, unique=True, validators=[SET_SPEC_VALIDATOR])
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    search_pattern = models.TextField(
        help_text='Search query selecting the records, e.g. "resource_type.id:dataset" or plain words.'
    )
    system = models.BooleanField(default=False, help_text="Managed by the platform (e.g. community sets).")
    community_id = models.UUIDField(
        null=True, blank=True, unique=True, help_text="The community of a community-<slug> system set."
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "OAI set"
        ordering = ["spec"]

    def __str__(self) -> str:
        return self.spec


class OAISetMembership(models.Model):
    """That a record is (or was) in a set, with a datestamp so set listings are keyset-paged.

    A record that leaves a set keeps its row with ``removed=True`` and the datestamp of its
    leaving: harvests of that set show it as a deleted header from then on (docs/adr/0011).
    """

    oai_set = models.ForeignKey(OAISet, on_delete=models.CASCADE, related_name="memberships")
    record_id = models.CharField(max_length=11)
    datestamp = models.DateTimeField()
    removed = models.BooleanField(
        default=False, help_text="The record left the set (a deleted header there)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["oai_set", "record_id"], name="oaiset_membership_unique")
        ]
        indexes = [
            models.Index(fields=["oai_set", "datestamp", "record_id"], name="oaiset_keyset_idx"),
            models.Index(fields=["record_id"], name="oaiset_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.oai_set_id}:{self.record_id}"


class OAIMetadata(models.Model):
    """A record's metadata already rendered in one format, valid for one revision of the record.

    Filled by harvests (a miss renders and stores); a row whose ``revision_id`` is not the
    record's current one is ignored and overwritten, so a change can never be served stale.
    ``manage.py oai_rebuild`` empties it (after a vocabulary or settings change).
    """

    record_id = models.CharField(max_length=11)
    prefix = models.CharField(max_length=32)
    revision_id = models.PositiveIntegerField()
    xml = models.TextField()

    class Meta:
        verbose_name = "OAI metadata cache entry"
        verbose_name_plural = "OAI metadata cache"
        constraints = [models.UniqueConstraint(fields=["record_id", "prefix"], name="oaimetadata_unique")]

    def __str__(self) -> str:
        return f"{self.record_id} {self.prefix} r{self.revision_id}"
