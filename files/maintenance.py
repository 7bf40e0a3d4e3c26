"""Storage housekeeping: removing orphaned bytes and moving files between locations."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from files import storage
from files.models import FileInstance

logger = logging.getLogger(__name__)


class MigrationFailed(Exception):
    """A copy did not verify; the file stays where it was."""


def orphans(now=None):
    """Instances no object version references, older than the grace period (never a referenced file)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.FILES_ORPHAN_GRACE_SECONDS)
    return FileInstance.objects.filter(
        object_versions__isnull=True, pending_uploads__isnull=True, created__lt=cutoff
    )


def cleanup_orphans(now=None) -> int:
    """Remove the bytes and rows of orphaned instances (abandoned or cut uploads, discarded drafts)."""
    removed = 0
    for instance in orphans(now).iterator():
        with transaction.atomic():
            locked = FileInstance.objects.select_for_update().filter(pk=instance.pk).first()
            if locked is None or locked.object_versions.exists() or locked.pending_uploads.exists():
                continue  # linked meanwhile
            storage.delete_instance(locked.location, locked.uri)
            locked.delete()
            removed += 1
    return removed


@dataclass
class ScanReport:
    """What a storage scan found in one location."""

    location: str
    scanned: int = 0
    removed: list[str] = field(default_factory=list)  # names without a row, past the grace period
    foreign: int = 0  # names our uploads do not create: left alone


SCAN_BATCH = 500  # names looked up in the database at once


def scan_storage(
    location: str, *, now=None, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> ScanReport:
    """Remove stored bytes that no file instance row names (a crash or restore left them behind).

    Only names our uploads create are considered, only when older than the grace period, and
    only when no row of that file id exists in any location (a migration copies under the same
    name before it switches the row, so a copy in flight is never taken). The rows are looked
    up right before each batch is removed. DRY_RUN reports without removing.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.FILES_ORPHAN_GRACE_SECONDS)
    report = ScanReport(location)
    batch: list[tuple[storage.StoredName, str]] = []

    def flush() -> None:
        ids = {item.file_id for item, _ in batch}
        known = set(FileInstance.objects.filter(pk__in=ids).values_list("pk", flat=True))
        for item, upload_id in batch:
            if item.file_id in known:
                continue
            if not dry_run:
                storage.remove_stored(location, item.name, upload_id)
            report.removed.append(item.name)
            logger.warning(
                "%s row-less stored file %s:%s", "Would remove" if dry_run else "Removed", location, item.name
            )
        batch.clear()

    found = itertools.chain(
        ((item, "") for item in storage.iter_stored(location)), storage.iter_unfinished_uploads(location)
    )
    for item, upload_id in found:
        report.scanned += 1
        if progress:
            progress(1)
        if item.file_id is None:
            report.foreign += 1
            continue
        if item.modified >= cutoff:
            continue
        batch.append((item, upload_id))
        if len(batch) >= SCAN_BATCH:
            flush()
    if batch:
        flush()
    return report


def migrate_instance(instance: FileInstance, target: str) -> bool:
    """Copy one file to location TARGET, verify its md5, switch the row, then drop the old bytes.

    Returns False when the file is already there. Raises MigrationFailed when the copy does not
    verify (the copy is removed and the file keeps its location).
    """
    if instance.location == target:
        return False
    source = instance.location
    digest = storage.copy_between(source, target, instance.uri, instance.size)
    if f"md5:{digest}" != instance.checksum:
        storage.delete(target, instance.uri)
        raise MigrationFailed(f"File {instance.pk}: copy has md5:{digest}, expected {instance.checksum}.")
    with transaction.atomic():
        switched = FileInstance.objects.filter(pk=instance.pk, location=source).update(location=target)
    if not switched:
        storage.delete(target, instance.uri)
        raise MigrationFailed(f"File {instance.pk} changed while it was copied; try again.")
    storage.delete_instance(source, instance.uri)
    return True
