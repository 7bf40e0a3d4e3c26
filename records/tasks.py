"""Background work of the records app (Celery). Tasks take ids, never model instances."""

from __future__ import annotations

import logging

from celery import shared_task

from records import services
from records.access.tasks import purge_expired_grants, send_access_mail  # noqa: F401 (registers them)
from repository.search import get_backend

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=8)
def index_record(record_id: str) -> None:
    """Bring the search index up to date for one record (a no-op for the database backend)."""
    get_backend().index_records([record_id])


@shared_task
def lift_expired_embargoes() -> list[str]:
    """Daily: lift embargoes whose end date has passed."""
    lifted = services.record_lift_embargoes()
    if lifted:
        logger.info("Lifted embargo on %d records: %s", len(lifted), ", ".join(lifted))
    return lifted
