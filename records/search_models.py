"""Search rows of records: exact values and words per field (facets, field queries), and the indexing queue.

Both are projections of the record document, rebuilt from it at any time
(``records.search_indexes.write_search_terms``, ``manage.py search_reindex``).
"""

from __future__ import annotations

from django.db import models

from records.models import Record
from repository.search.spec import FACET_SEPARATOR

__all__ = [
    "FACET_SEPARATOR",
    "FACET_TERM_FIELDS",
    "RecordSearchFacets",
    "RecordSearchTerm",
    "SearchQueueEntry",
]

#: the term fields the record facets count (records.search_indexes.RECORD_INDEX.facets): their
#: values are also kept in one ``RecordSearchFacets`` row per record, which facet counts read
FACET_TERM_FIELDS = (
    "access_status",
    "community",
    "file_type",
    "language",
    "resource_type",
    "subject.exact",
    "year",
)


class RecordSearchTerm(models.Model):
    """One value of one searchable field of a record (``language=eng``, ``creator=lovelace``)."""

    # No index of its own: (record, field, value) starts with record_id and serves the deletes
    # of a record's rows.
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="search_terms", db_index=False)
    field = models.CharField(max_length=32)
    value = models.CharField(max_length=200)

    class Meta:
        indexes = [
            models.Index(fields=["field", "value", "record"], name="record_search_term_idx"),
            models.Index(fields=["record", "field", "value"], name="record_search_term_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.field}={self.value}"


class RecordSearchFacets(models.Model):
    """The facet values of one record in one row: what facet counts read (one row per counted record).

    ``facets`` holds ``field=value`` entries (the term rows of ``FACET_TERM_FIELDS``) joined by
    ``FACET_SEPARATOR``. Written with the term rows (``records.search_indexes.replace_search_terms``).
    """

    record = models.OneToOneField(
        Record, on_delete=models.CASCADE, primary_key=True, related_name="search_facets"
    )
    facets = models.TextField()

    class Meta:
        verbose_name = "search facets"
        verbose_name_plural = "search facets"

    def __str__(self) -> str:
        return f"{self.record_id} facets"


class SearchQueueEntry(models.Model):
    """A record whose external search index (Elasticsearch) must be brought up to date.

    Written in the transaction that changed the record, so a crash or broker outage loses
    nothing; the beat task ``records.tasks.drain_search_queue`` removes what it indexed.
    """

    record_id = models.CharField(max_length=11, db_index=True)
    queued = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "search queue entry"
        verbose_name_plural = "search queue"

    def __str__(self) -> str:
        return f"{self.record_id} queued {self.queued:%Y-%m-%d %H:%M:%S}"
