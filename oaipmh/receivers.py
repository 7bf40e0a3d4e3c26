"""Follow the records: every change a harvester must see updates the OAI items in the same transaction."""

from __future__ import annotations

from django.dispatch import receiver

from oaipmh.services import items_update
from records.signals import records_changed


@receiver(records_changed, dispatch_uid="oaipmh.items_update")
def update_items(sender, record_ids, action, **kwargs) -> None:
    """Stamp and refresh the OAI items of the changed records (inside the writing transaction)."""
    items_update(record_ids=record_ids)
