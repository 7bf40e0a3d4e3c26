"""Storage housekeeping: removing orphaned bytes and moving files between locations."""

from __future__ import annotations

import logging
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
