"""Follow the records and communities: every change a harvester must see updates the OAI items in
the same transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from communities.signals import community_changed
from oaipmh.services import community_set_sync, items_update
from oaipmh.tasks import render_records_metadata
from records.signals import records_changed


@receiver(records_changed, dispatch_uid="oaipmh.items_update")
def update_items(sender, record_ids, action, **kwargs) -> None:
    """Stamp and refresh the OAI items of the changed records (inside the writing transaction)."""
    items_update(record_ids=record_ids)
    if settings.OAI_PRERENDER_FORMATS:  # after the commit, in the background (docs/adr/0015)
        ids = list(record_ids)
        transaction.on_commit(lambda: render_records_metadata.delay(ids))


@receiver(community_changed, dispatch_uid="oaipmh.community_set_sync")
def sync_community_set(sender, community_id, action, **kwargs) -> None:
    """Create, rename, retitle or remove the community's system set (records joining or leaving a
    community send records_changed, handled above)."""
    community_set_sync(community_id=community_id)
