"""Rebuild the search index of every record from the database, with a progress bar."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from elastic_transport import TransportError
from elasticsearch import ApiError
from tqdm import tqdm

from records.models import Record
from records.search_maintenance import search_queue_all, search_reindex
from records.tasks import kick_search_queue


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the database. On Elasticsearch a new versioned index is "
        "built (kept in sync with changes made meanwhile) and the alias switched atomically."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--backend",
            choices=["database", "elasticsearch"],
            help="the backend to rebuild (default: SEARCH_BACKEND)",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="queue every record for the workers to reindex in the background (durable), and return",
        )

    def handle(self, *args, backend: str | None = None, queue: bool = False, **options) -> None:
        if queue:
            if backend:
                raise CommandError("--queue indexes into the configured backend; leave out --backend.")
            queued = search_queue_all()
            kick_search_queue()
            self.stdout.write(self.style.SUCCESS(f"Queued {queued} records for the indexing workers."))
            return
        try:
            with tqdm(total=Record.objects.count(), unit="records", file=self.stderr._out) as bar:
                built = search_reindex(backend_name=backend, progress=bar.update)
        except (ValueError, ConnectionError, TransportError, ApiError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {built}."))
