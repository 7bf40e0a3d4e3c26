"""Querysets of the records app; visibility always comes from records.permissions."""

from __future__ import annotations

from django.db import models


class RecordQuerySet(models.QuerySet):
    def published(self) -> RecordQuerySet:
        """Records that are not deleted."""
        return self.filter(deletion_status="P")

    def latest(self) -> RecordQuerySet:
        return self.filter(is_latest=True)

    def visible_to(self, user) -> RecordQuerySet:
        from records.permissions import record_policy

        return record_policy.filter_visible(user, self)


class DraftQuerySet(models.QuerySet):
    def visible_to(self, user) -> DraftQuerySet:
        from records.permissions import draft_policy

        return draft_policy.filter_visible(user, self)
