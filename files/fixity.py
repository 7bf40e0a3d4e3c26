"""Fixity: re-read stored files, compare with their recorded md5, keep the result, tell admins.

The periodic task checks a slice of the files every run, oldest check first, sized so that every
file is checked at least once per FILES_FIXITY_PERIOD_DAYS with the work spread evenly.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from files import storage
from files.models import Bucket, FileInstance

logger = logging.getLogger(__name__)

FIXITY_INTERVAL_SECONDS = 3600  # how often beat runs check_fixity (settings.CELERY_BEAT_SCHEDULE)


@dataclass
class FixityReport:
    """What a fixity run found."""

    checked: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file instance id, detail)


def check_instance(instance: FileInstance) -> tuple[bool, str]:
    """Re-read one file: (passed, detail); the result is stored on the instance."""
    try:
        digest = storage.stored_md5(instance.location, instance.uri, instance.size)
    except Exception as exc:  # a missing or unreadable file is a finding, not a crash
        passed, detail = False, f"unreadable: {type(exc).__name__}: {exc}"[:255]
    else:
        passed = f"md5:{digest}" == instance.checksum
        detail = "" if passed else f"checksum mismatch: stored bytes have md5:{digest}"
    FileInstance.objects.filter(pk=instance.pk).update(
        last_check_at=timezone.now(), last_check=passed, last_check_detail=detail
    )
    return passed, detail


def due_files(now=None) -> QuerySet:
    """This run's slice: oldest-checked first, enough to cover every file once per period."""
    now = now or timezone.now()
    readable = FileInstance.objects.filter(readable=True)
    total = readable.count()
    runs_per_period = max(1, settings.FILES_FIXITY_PERIOD_DAYS * 24 * 3600 // FIXITY_INTERVAL_SECONDS)
    overdue = readable.filter(
        Q(last_check_at__isnull=True)
        | Q(last_check_at__lt=now - timedelta(days=settings.FILES_FIXITY_PERIOD_DAYS))
    ).count()
    batch = max(math.ceil(total / runs_per_period), overdue)
    ordered = readable.order_by(F("last_check_at").asc(nulls_first=True), "created")
    return ordered[:batch]


def files_of_record(record_id: str) -> QuerySet:
    """The instances of a record's and its draft's buckets (all versions of each key)."""
    return FileInstance.objects.filter(object_versions__bucket__record_id=record_id, readable=True).distinct()


def run_checks(instances: Iterable[FileInstance], *, progress: Callable | None = None) -> FixityReport:
    """Check INSTANCES, notify admins of failures, and report."""
    report = FixityReport()
    for instance in instances:
        passed, detail = check_instance(instance)
        report.checked += 1
        if not passed:
            report.failures.append((str(instance.pk), detail))
            logger.error("Fixity check failed for file %s (%s): %s", instance.pk, instance, detail)
        if progress:
            progress()
    if report.failures:
        notify_admins(report)
    return report


def _where(file_id: str) -> str:
    buckets = Bucket.objects.filter(versions__file_id=file_id).distinct()
    return ", ".join(f"{b.owner_kind} {b.record_id}" for b in buckets) or "no record"


def notify_admins(report: FixityReport) -> None:
    """E-mail the administrators (superusers and settings.ADMINS) about failed checks."""
    users = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    recipients = sorted({u.email for u in users} | {email for _, email in settings.ADMINS})
    if not recipients:
        logger.error("No administrator e-mail address to report %d fixity failures to", len(report.failures))
        return
    lines = [f"- file {file_id} ({_where(file_id)}): {detail}" for file_id, detail in report.failures]
    send_mail(
        subject=f"[{settings.SITE_NAME}] {len(report.failures)} file(s) failed their fixity check",
        message="These stored files no longer match their checksums or cannot be read:\n\n"
        + "\n".join(lines),
        from_email=None,
        recipient_list=recipients,
    )
