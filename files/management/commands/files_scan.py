"""manage.py files_scan [--location L] [--dry-run]: remove stored bytes that have no database row."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from files import maintenance, storage


class Command(BaseCommand):
    help = (
        "Scan storage locations for files no file instance row names (older than "
        "FILES_ORPHAN_GRACE_SECONDS) and remove them; referenced files are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--location", action="append", help="Location to scan (repeatable; default: every location)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be removed; remove nothing."
        )

    def handle(self, *args, **options):
        known = storage.location_names()
        locations = options["location"] or known
        unknown = sorted(set(locations) - set(known))
        if unknown:
            raise CommandError(f"Unknown location {', '.join(unknown)}; known: {', '.join(known)}.")
        verb = "would remove" if options["dry_run"] else "removed"
        for location in locations:
            with tqdm(unit="file", desc=location, disable=options["verbosity"] == 0) as bar:
                report = maintenance.scan_storage(location, dry_run=options["dry_run"], progress=bar.update)
            for name in report.removed:
                self.stdout.write(f"{location}: {verb} {name}")
            self.stdout.write(
                f"{location}: scanned {report.scanned}, {verb} {len(report.removed)} without a row, "
                f"left {report.foreign} foreign names alone."
            )
