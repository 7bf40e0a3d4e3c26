"""Search rows of records: exact values and words per field (facets, field queries), and the indexing queue.

Both are projections of the record document, rebuilt from it at any time
(``records.search_indexes.write_search_terms``, ``manage.py search_reindex``).
"""

from __future__ import annotations

from django.db import models

from records.models import Record

#: the term fields the record facets count (records.search_indexes.RECORD_INDEX.facets): a partial
#: index over their rows serves facet counts with a third of the index the other fields need
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

    # No index of its own: (record, field, value) starts with record_id and serves facet counts
    # over a set of records with index-only scans.
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="search_terms", db_index=False)
    field = models.CharField(max_length=32)
    value = models.CharField(max_length=200)

    class Meta:
        indexes = [
            models.Index(fields=["field", "value", "record"], name="record_search_term_idx"),
            models.Index(fields=["record", "field", "value"], name="record_search_term_record_idx"),
            models.Index(
                fields=["record", "field", "value"],
                condition=models.Q(field__in=FACET_TERM_FIELDS),
                name="record_search_term_facet_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.field}={self.value}"


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
