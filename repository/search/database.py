# ruff: noqa: S608, S611 -- table names come from model metadata; user input only ever travels as a query parameter.
"""Database full-text search: SQLite FTS5 (embedded) or PostgreSQL tsvector + GIN.

The search projection (``title``, ``search_text``, ``publication_date`` columns of
records_record) is written in the same transaction as the record, so the index
is never behind the data. SQLite keeps an FTS5 external-content table in sync with
triggers; PostgreSQL has a GIN expression index on ``to_tsvector('simple', search_text)``
(both created by records' migrations).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.db import connections
from django.db.models import BooleanField, F, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from repository.search.base import SearchBackend, SearchParams, SearchResult

# Letters and digits only: the full-text indexes split on "_" and punctuation too, so a
# word made of them could never match and would empty every result.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

SORT_FIELDS = {
    "newest": ["-created", "-pk"],
    "oldest": ["created", "pk"],
    "updated-desc": ["-updated", "-pk"],
    "updated-asc": ["updated", "pk"],
}


def query_words(q: str) -> list[str]:
    """Plain words of a query; punctuation and operators are not syntax at this stage."""
    return [w.lower() for w in _WORD.findall(q)][:32]


class DatabaseSearchBackend(SearchBackend):
    """Full-text search in the primary database."""

    indexes_after_commit = False

    def search_records(self, queryset: QuerySet, params: SearchParams) -> SearchResult:
        words = query_words(params.q)
        vendor = connections[queryset.db].vendor
        rank = None
        if words:
            queryset, rank = self._match(queryset, words, vendor)
        sort = params.effective_sort
        if sort == "bestmatch":
            ordering = [F("_rank").desc(), "-created", "-pk"] if rank is not None else SORT_FIELDS["newest"]
        else:
            ordering = SORT_FIELDS[sort]
        if rank is not None:
            queryset = queryset.annotate(_rank=rank)
        cap = settings.SEARCH_MAX_RESULT_WINDOW
        # Count at most cap + 1 rows: totals are exact up to the cap, a lower bound beyond.
        total = queryset.order_by()[: cap + 1].count()
        hits = list(queryset.order_by(*ordering)[params.offset : params.offset + params.size])
        return SearchResult(hits=hits, total=min(total, cap), total_is_exact=total <= cap)

    def _match(self, queryset: QuerySet, words: list[str], vendor: str):
        """Restrict to rows containing every word (the last one as a prefix); return the rank expression."""
        table = queryset.model._meta.db_table
        if vendor == "sqlite":
            fts = f"{table}_fts"
            match = " AND ".join([f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*'])
            matches = RawSQL(
                f'"{table}".rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)',
                (match,),
                output_field=BooleanField(),
            )
            rank = RawSQL(
                f'(SELECT -bm25({fts}) FROM {fts} WHERE {fts}.rowid = "{table}".rowid AND {fts} MATCH %s)',
                (match,),
                output_field=FloatField(),
            )
            return queryset.alias(_match=matches).filter(_match=True), rank
        if vendor == "postgresql":
            tsquery = " & ".join(words[:-1] + [f"{words[-1]}:*"])
            vector = f"to_tsvector('simple', \"{table}\".search_text)"
            matches = RawSQL(f"{vector} @@ to_tsquery('simple', %s)", (tsquery,), output_field=BooleanField())
            rank = RawSQL(
                f"ts_rank({vector}, to_tsquery('simple', %s))", (tsquery,), output_field=FloatField()
            )
            return queryset.alias(_match=matches).filter(_match=True), rank
        for word in words:
            queryset = queryset.filter(search_text__icontains=word)
        return queryset, None

    def index_records(self, record_ids: Iterable[str]) -> None:
        """Nothing to do: the projection is written with the record in one transaction."""
