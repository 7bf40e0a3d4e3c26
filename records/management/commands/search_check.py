"""Compare the search index with the database (counts and a sample of documents); report drift."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from elastic_transport import TransportError
from elasticsearch import ApiError

from records.search_maintenance import search_check


class Command(BaseCommand):
    help = "Compare the search index with the database; exit status 1 when they differ."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backend", choices=["database", "elasticsearch"])
        parser.add_argument(
            "--sample", type=int, default=100, help="documents compared in full (default 100)"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, backend: str | None = None, sample: int = 100, **options) -> None:
        try:
            report = search_check(backend_name=backend, sample=sample)
        except (ValueError, ConnectionError, TransportError, ApiError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report.as_dict()) if options["json"] else report.summary())
        if report.drift:
            raise CommandError("The search index differs from the database: run manage.py search_reindex.")
