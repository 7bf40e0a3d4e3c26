"""manage.py files_check [--all | --record ID]: verify stored checksums now, with a progress bar."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from files import fixity
from files.models import FileInstance


class Command(BaseCommand):
    help = "Verify stored files against their checksums (default: the files due for their periodic check)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--all", action="store_true", help="Check every stored file.")
        group.add_argument("--record", metavar="ID", help="Check the files of one record (and its draft).")

    def handle(self, *args, **options):
        if options["all"]:
            instances = FileInstance.objects.filter(readable=True).order_by("created")
        elif options["record"]:
            instances = fixity.files_of_record(options["record"])
        else:
            instances = fixity.due_files()
        instances = list(instances)
        with tqdm(total=len(instances), unit="file", disable=options["verbosity"] == 0) as bar:
            report = fixity.run_checks(instances, progress=bar.update)
        for file_id, detail in report.failures:
            self.stderr.write(f"FAILED {file_id}: {detail}")
        summary = f"Checked {report.checked} files, {len(report.failures)} failed."
        if report.failures:
            raise CommandError(summary)
        self.stdout.write(summary)
