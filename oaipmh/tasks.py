"""Background work of OAI-PMH (Celery). Tasks take ids."""

from __future__ import annotations

from celery import shared_task

from oaipmh.services import set_membership_rebuild


@shared_task(acks_late=True)
def rebuild_set(set_id: int) -> int:
    """Recompute one set's members after its query changed; returns how many records moved."""
    return set_membership_rebuild(set_id=set_id)
