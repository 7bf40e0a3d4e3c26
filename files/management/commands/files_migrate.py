"""manage.py files_migrate --to LOCATION: move stored files to another location while the service runs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from files import maintenance, storage
from files.models import FileInstance


class Command(BaseCommand):
    help = "Copy files to LOCATION, verify each checksum, switch it atomically and remove the old copy."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, dest="target", help="Target location name (e.g. s3).")
        parser.add_argument("--record", metavar="ID", help="Only the files of one record.")

    def handle(self, *args, target, record=None, **options):
        if target not in storage.location_names():
            raise CommandError(f"Unknown location {target!r}; known: {', '.join(storage.location_names())}.")
        instances = FileInstance.objects.filter(readable=True).exclude(location=target).order_by("created")
        if record:
            instances = instances.filter(object_versions__bucket__record_id=record).distinct()
        instances = list(instances)
        failed = moved = 0
        total_bytes = sum(i.size for i in instances)
        with tqdm(total=total_bytes, unit="B", unit_scale=True, disable=options["verbosity"] == 0) as bar:
            for instance in instances:
                try:
                    moved += maintenance.migrate_instance(instance, target)
                except Exception as exc:  # report and go on with the others; the file stays where it was
                    failed += 1
                    self.stderr.write(f"FAILED {instance.pk}: {exc}")
                bar.update(instance.size)
        summary = f"Moved {moved} files to {target}; {failed} failed."
        if failed:
            raise CommandError(summary)
        self.stdout.write(summary)
