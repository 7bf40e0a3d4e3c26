"""Background work of the files app (Celery beat): fixity checks and orphan cleanup."""

from __future__ import annotations

import logging

from celery import shared_task

from files import fixity, maintenance

logger = logging.getLogger(__name__)


@shared_task
def check_fixity() -> dict:
    """Hourly: verify this run's slice of stored files (every file at least once per period)."""
    report = fixity.run_checks(fixity.due_files())
    logger.info("Fixity: checked %d files, %d failed", report.checked, len(report.failures))
    return {"checked": report.checked, "failed": len(report.failures)}


@shared_task
def cleanup_orphans() -> int:
    """Every few hours: remove orphaned stored files older than the grace period."""
    removed = maintenance.cleanup_orphans()
    if removed:
        logger.info("Removed %d orphaned files", removed)
    return removed
