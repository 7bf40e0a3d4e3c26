"""Background work of the files app (Celery beat): fixity checks and orphan cleanup."""

from __future__ import annotations

import logging

from celery import shared_task

from files import fixity, maintenance, storage

logger = logging.getLogger(__name__)


@shared_task
def check_fixity() -> dict:
    """Hourly: verify this run's slice of stored files (every file at least once per period)."""
    report = fixity.run_checks(fixity.due_files())
    logger.info("Fixity: checked %d files, %d failed", report.checked, len(report.failures))
    return {"checked": report.checked, "failed": len(report.failures)}


@shared_task
def cleanup_orphans() -> int:
    """Every few hours: remove orphaned stored files older than the grace period.

    First the instances whose rows say they are unreferenced, then, in every location, the
    stored bytes that have no row at all.
    """
    removed = maintenance.cleanup_orphans()
    if removed:
        logger.info("Removed %d orphaned files", removed)
    for location in storage.location_names():
        report = maintenance.scan_storage(location)
        if report.removed:
            logger.info("Removed %d row-less stored files from %s", len(report.removed), location)
        removed += len(report.removed)
    return removed
