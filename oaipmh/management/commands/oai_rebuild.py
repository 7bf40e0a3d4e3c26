"""Backfill or refresh the OAI-PMH items and set membership of every record."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from oaipmh.services import items_rebuild
from records.models import Record


class Command(BaseCommand):
    help = "Create or refresh the OAI-PMH item (datestamp, deleted flag, sets) of every record."

    def handle(self, *args, **options) -> None:
        total = Record.objects.count()
        with tqdm(total=total, unit="records", disable=options["verbosity"] == 0) as bar:
            written = items_rebuild(progress=bar.update)
        self.stdout.write(f"{written} OAI items written for {total} records.")
