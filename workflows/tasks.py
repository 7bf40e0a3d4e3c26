"""Background work of requests (Celery). Tasks take ids, never model instances."""

from __future__ import annotations

import logging

from celery import shared_task

from workflows import notifications, services

logger = logging.getLogger(__name__)


@shared_task
def expire_requests() -> list[str]:
    """Daily: expire submitted requests whose expires_at has passed."""
    expired = services.requests_expire_overdue()
    if expired:
        logger.info("Expired %d requests", len(expired))
    return expired


@shared_task(acks_late=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_request_notification(request_id: str, event: str, actor_id: int | None) -> int:
    """E-mail the parties of a request about EVENT (not the actor, not users who opted out)."""
    return notifications.send_request_notification(request_id=request_id, event=event, actor_id=actor_id)
