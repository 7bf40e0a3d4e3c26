"""Background work of the records app (Celery). Tasks take ids, never model instances."""

from __future__ import annotations

import logging

from celery import shared_task
from kombu.exceptions import OperationalError as BrokerError

from records import services
from records.access.tasks import purge_expired_grants, send_access_mail  # noqa: F401 (registers them)

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def drain_search_queue() -> int:
    """Every few seconds (beat): index what the durable queue holds, in bulk batches; the number indexed."""
    from records.search_maintenance import search_queue_drain

    return search_queue_drain()


def kick_search_queue() -> None:
    """After commit: ask a worker to drain the queue now rather than at the next beat.

    The changes are already in the durable queue, so a broker that is down loses nothing:
    beat drains them once it is back. That is why a broker error is only logged here.
    """
    try:
        drain_search_queue.delay()
    except BrokerError:
        logger.warning(
            "Broker unavailable; the search queue will be drained by the next beat.", exc_info=True
        )


@shared_task
def check_search_index() -> dict:
    """Nightly: compare the search index with the database and log any drift."""
    from records.search_maintenance import search_check

    report = search_check()
    if report.drift:
        logger.error("Search index drift: %s", report.summary())
    else:
        logger.info("Search index check clean: %s", report.summary())
    return report.as_dict()


@shared_task
def lift_expired_embargoes() -> list[str]:
    """Daily: lift embargoes whose end date has passed."""
    lifted = services.record_lift_embargoes()
    if lifted:
        logger.info("Lifted embargo on %d records: %s", len(lifted), ", ".join(lifted))
    return lifted
