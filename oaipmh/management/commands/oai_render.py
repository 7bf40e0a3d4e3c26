"""Render the OAI-PMH metadata cache ahead of harvests (after a bulk import or an oai_rebuild)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from oaipmh.formats import METADATA_FORMATS
from oaipmh.services import any_stale_metadata, render_stale_metadata


class Command(BaseCommand):
    help = (
        "Render and cache the OAI-PMH metadata of every record anonymous users may read whose cached"
        " rendering is missing or stale (default formats: OAI_PRERENDER_FORMATS)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--prefix",
            action="append",
            dest="prefixes",
            metavar="PREFIX",
            help="a metadata format to render (repeatable; default: OAI_PRERENDER_FORMATS)",
        )

    def handle(self, *args, prefixes=None, **options) -> None:
        prefixes = prefixes or list(settings.OAI_PRERENDER_FORMATS)
        unknown = [prefix for prefix in prefixes if prefix not in METADATA_FORMATS]
        if unknown:
            raise CommandError(f"Unknown metadata format(s): {', '.join(unknown)}.")
        for prefix in prefixes:
            with tqdm(desc=prefix, unit="records", disable=options["verbosity"] == 0) as bar:
                written = render_stale_metadata([prefix], progress=bar.update)
            self.stdout.write(f"{prefix}: {written} records rendered.")
        left = [prefix for prefix in prefixes if any_stale_metadata(prefix)]
        if left:  # records changed meanwhile: their next harvest renders them
            self.stdout.write(f"Changed while rendering (rendered at their next harvest): {', '.join(left)}")
