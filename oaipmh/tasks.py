"""Background work of OAI-PMH (Celery). Tasks take ids."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from oaipmh.services import render_metadata, set_membership_rebuild


@shared_task(acks_late=True)
def rebuild_set(set_id: int) -> int:
    """Recompute one set's members after its query changed; returns how many records moved."""
    return set_membership_rebuild(set_id=set_id)


@shared_task(acks_late=True)
def render_records_metadata(record_ids: list[str]) -> int:
    """Render and cache the metadata of changed records in OAI_PRERENDER_FORMATS, so the next
    harvest serves them from the cache (docs/adr/0015); returns the rows written."""
    return sum(len(render_metadata(record_ids, prefix)) for prefix in settings.OAI_PRERENDER_FORMATS)
