"""Load (create or update) the shipped controlled vocabularies."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from repository.exceptions import ValidationError
from repository.vocabularies.loader import shipped_types
from repository.vocabularies.services import vocabulary_load


class Command(BaseCommand):
    help = "Create or update the shipped vocabularies (all, or the TYPEs given). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("types", nargs="*", metavar="TYPE", help=f"One of: {', '.join(shipped_types())}.")

    def handle(self, *args, types: list[str], verbosity: int, **options) -> None:
        with tqdm(unit="term", disable=verbosity == 0, file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                stats = vocabulary_load(types=types or None, progress=progress)
            except ValidationError as exc:
                raise CommandError(exc.message) from exc
        if verbosity == 0:
            return
        for vocabulary_type, item in stats.items():
            counts = f"{item.created} created, {item.updated} updated, {item.unchanged} unchanged"
            self.stdout.write(f"{vocabulary_type}: {counts}")
