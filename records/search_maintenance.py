"""Keeping the search index equal to the database: drain the indexing queue, rebuild, check for drift."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from records.models import Record
from records.search_indexes import record_terms, with_search_context
from records.search_models import RecordSearchTerm, SearchQueueEntry
from records.search_rebuild import rebuild_search_terms
from repository.search import SearchBackend, get_backend

FTS_TABLE = f"{Record._meta.db_table}_fts"


def backend_named(name: str | None) -> SearchBackend:
    """The backend NAME (``database`` or ``elasticsearch``), or the configured one."""
    if not name or name == settings.SEARCH_BACKEND:
        return get_backend()
    if name == "database":
        from repository.search.database import DatabaseSearchBackend

        return DatabaseSearchBackend()
    if name == "elasticsearch":
        from repository.search.elasticsearch import ElasticsearchSearchBackend

        if not settings.ELASTICSEARCH_URL:
            raise ValueError("ELASTICSEARCH_URL is not set: there is no Elasticsearch cluster to use.")

        return ElasticsearchSearchBackend()
    raise ValueError(f"Unknown search backend {name!r}: use 'database' or 'elasticsearch'.")


def search_queue_drain(*, batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Index the queued records in batches (at most 500 records each); the number of records indexed.

    Entries are deleted only after their batch was indexed, so a crash re-indexes them (indexing
    is idempotent). Entries queued while a batch was being indexed stay for the next batch.
    """
    size = min(batch_size or settings.SEARCH_QUEUE_BATCH_SIZE, 500)
    backend = get_backend()
    indexed = batches = 0
    while max_batches is None or batches < max_batches:
        entries = list(SearchQueueEntry.objects.order_by("pk").values_list("pk", "record_id")[: size * 4])
        if not entries:
            break
        record_ids: list[str] = []
        for _, record_id in entries:
            if record_id not in record_ids:
                record_ids.append(record_id)
            if len(record_ids) == size:
                break
        wanted = set(record_ids)
        done = [pk for pk, record_id in entries if record_id in wanted]
        if backend.indexes_after_commit:  # an external index: written first, the entries go after
            backend.index_records(record_ids)
            SearchQueueEntry.objects.filter(pk__in=done).delete()
        else:  # the term rows and the entries change in one transaction
            with transaction.atomic():
                backend.index_records(record_ids)
                SearchQueueEntry.objects.filter(pk__in=done).delete()
        indexed += len(record_ids)
        batches += 1
    return indexed


def search_queue_all() -> int:
    """Queue every record for indexing (a rebuild in the background, by the workers); the number queued.

    One statement, so the queue holds all of them or none; the drain rewrites them batch by batch.
    """
    queue = SearchQueueEntry._meta.db_table
    records = Record._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {queue} (record_id, queued) SELECT id, %s FROM {records} ORDER BY id",  # noqa: S608
            [timezone.now()],
        )
        return cursor.rowcount


def search_reindex(*, backend_name: str | None = None, progress: Callable[[int], None] | None = None) -> str:
    """Rebuild the search index of every record from the database; what was built."""
    backend = backend_named(backend_name)
    if backend.indexes_after_commit:
        return backend.rebuild(Record, progress)
    rebuilt = rebuild_search_terms(progress)
    if connection.vendor == "sqlite":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608
    processes = "1 process" if rebuilt.processes == 1 else f"{rebuilt.processes} worker processes"
    return f"database term rows and full-text index of {rebuilt.records} records ({processes})"


@dataclass
class CheckReport:
    """What ``search_check`` found: counts, sampled documents that differ, queue backlog."""

    backend: str
    records: int = 0
    indexed: int = 0
    sampled: int = 0
    differing: list[str] = field(default_factory=list)
    queued: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def drift(self) -> bool:
        return bool(self.differing or self.problems or self.records != self.indexed)

    def summary(self) -> str:
        text = (
            f"{self.backend}: {self.records} records, {self.indexed} indexed, {self.sampled} sampled, "
            f"{len(self.differing)} differing, {self.queued} queued for indexing"
        )
        details = [*self.problems]
        if self.differing:
            details.append("differing: " + ", ".join(self.differing[:20]))
        return "; ".join([text, *details])

    def as_dict(self) -> dict:
        return {
            "backend": self.backend,
            "records": self.records,
            "indexed": self.indexed,
            "sampled": self.sampled,
            "differing": self.differing,
            "queued": self.queued,
            "problems": self.problems,
            "drift": self.drift,
        }


def _sample_ids(sample: int) -> list[str]:
    ids = list(Record.objects.values_list("pk", flat=True))
    return random.sample(ids, min(sample, len(ids)))  # noqa: S311 (a sample, not a secret)


def search_check(*, backend_name: str | None = None, sample: int = 100) -> CheckReport:
    """Compare the index with the database: counts and a random sample of documents."""
    backend = backend_named(backend_name)
    report = CheckReport(backend="elasticsearch" if backend.indexes_after_commit else "database")
    report.records = Record.objects.count()
    report.queued = SearchQueueEntry.objects.count()
    ids = _sample_ids(sample)
    report.sampled = len(ids)
    if backend.indexes_after_commit:
        from records.search_documents import record_document

        report.indexed = backend.document_count(Record)
        stored = backend.stored_documents(Record, ids) if ids else {}
        for record in Record.objects.filter(pk__in=ids).select_related("parent"):
            if stored.get(record.pk) != record_document(record):
                report.differing.append(record.pk)
        return report
    report.indexed = Record.objects.filter(search_terms__isnull=False).distinct().count()
    stored_terms: dict[str, set] = {}
    for record_id, term_field, value in RecordSearchTerm.objects.filter(record_id__in=ids).values_list(
        "record_id", "field", "value"
    ):
        stored_terms.setdefault(record_id, set()).add((term_field, value))
    documents = list(Record.objects.filter(pk__in=ids).values_list("pk", "json"))
    for record_id, document in with_search_context(documents):
        if stored_terms.get(record_id, set()) != set(record_terms(document)):
            report.differing.append(record_id)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            try:
                cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")  # noqa: S608
            except DatabaseError as exc:  # SQLite reports a corrupt index as an error of this statement
                report.problems.append(f"full-text index: {exc}")
    return report
