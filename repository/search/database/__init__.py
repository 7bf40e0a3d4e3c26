"""Database full-text search: SQLite FTS5 (embedded) or PostgreSQL tsvector + GIN.

The search projection (``title``, ``search_text``, ``publication_date`` columns of the record
row, the full-text index over them, and the term rows of the other fields) is written in the
same transaction as the record, so the index is never behind the data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import connections
from django.db.models import Count, QuerySet

from repository.exceptions import FieldError, ValidationError
from repository.search.base import SearchBackend, SearchParams, SearchResult
from repository.search.database.compile import QueryCompiler
from repository.search.facets import build_aggregations, selected_values
from repository.search.query import QueryError, nodes, parse_query, text_tokens
from repository.search.spec import SearchIndex, index_for

#: rows a facet may return before it is cut (nested facets need all their subtypes)
MAX_FACET_ROWS = 500


def query_words(q: str) -> list[str]:
    """Plain words of a text (what the full-text index holds of it)."""
    return list(text_tokens(q))[:32]


def parse_request_query(index: SearchIndex, params: SearchParams) -> nodes.Node:
    """The query tree of ``q`` AND ``suggest``; a ValidationError (400) says where ``q`` is wrong."""
    try:
        tree = parse_query(params.q, index.fields)
    except QueryError as exc:
        raise ValidationError(f"Invalid query: {exc}", errors=[FieldError("q", [str(exc)])]) from exc
    return nodes.conjunction([tree, suggest_tree(index, params.suggest)])


def suggest_tree(index: SearchIndex, text: str) -> nodes.Node:
    """Search as you type: every word in one of the suggest fields, the last one as a prefix."""
    tokens = text_tokens(text)[:16]
    parts: list[nodes.Node] = []
    for position, token in enumerate(tokens):
        kind = "prefix" if position == len(tokens) - 1 else "word"
        parts.append(
            nodes.disjunction([nodes.Term(field, token, kind, (token,)) for field in index.suggest_fields])
        )
    return nodes.conjunction(parts)


class DatabaseSearchBackend(SearchBackend):
    """Full-text search in the primary database."""

    indexes_after_commit = False

    def search_records(self, queryset: QuerySet, params: SearchParams) -> SearchResult:
        index = index_for(queryset.model)
        tree = parse_request_query(index, params)
        compiler = QueryCompiler(index, connections[queryset.db].vendor)
        matching = queryset.filter(compiler.compile(tree))
        selected = selected_values(index, params.filters)
        hits_queryset = matching
        for facet_name, values in selected.items():
            facet = index.facet(facet_name)
            rows = index.term_model.objects.filter(field=facet.term_field, value__in=values)
            hits_queryset = hits_queryset.filter(pk__in=rows.values("record_id"))
        sort = params.effective_sort
        newest = list(index.sorts["newest"])
        window = settings.SEARCH_CANDIDATE_WINDOW
        cap = settings.SEARCH_MAX_RESULT_WINDOW
        # One bounded scan gives the total (exact up to the cap, a lower bound beyond) and the
        # candidate window: the newest WINDOW of the (at most cap + 1) matches it read.
        found = self._bounded_matches(index, hits_queryset, cap + 1)
        total = len(found)
        candidates = found[:window]
        ranks = None
        if sort == "bestmatch":
            ranks = compiler.rank(tree, connections[queryset.db], candidates)
        if ranks is None:
            ordering = newest if sort == "bestmatch" else list(index.sorts[sort])
            hits = list(hits_queryset.order_by(*ordering)[params.offset : params.offset + params.size])
        else:
            # Bounded ranking: relevance (which reads each row's full text) is computed for the
            # candidate window only; later pages continue newest first, every match once.
            position = {pk: number for number, pk in enumerate(candidates)}  # newest first
            ranked = sorted(candidates, key=lambda pk: (-ranks.get(pk, 0.0), position[pk]))
            page_ids = ranked[params.offset : params.offset + params.size]
            objects = {obj.pk: obj for obj in queryset.filter(pk__in=page_ids)}
            hits = [objects[pk] for pk in page_ids if pk in objects]
            if len(hits) < params.size and len(candidates) == window:
                start = max(0, params.offset - window)
                rest = hits_queryset.exclude(pk__in=candidates).order_by(*newest)
                hits += list(rest[start : start + params.size - len(hits)])
        aggregations = {}
        if params.aggregate and index.facets:
            if selected:  # facets count the matches before the facet selection (a post filter)
                candidates = self._bounded_matches(index, matching, cap + 1)[:window]
            aggregations = build_aggregations(index, self._facet_counts(index, candidates), params.filters)
        return SearchResult(
            hits=hits, total=min(total, cap), total_is_exact=total <= cap, aggregations=aggregations
        )

    def _bounded_matches(self, index: SearchIndex, queryset: QuerySet, limit: int) -> list:
        """Ids of at most LIMIT matches (the first the database finds), newest first."""
        rows = list(queryset.order_by().values_list("pk", index.recency_field)[:limit])
        rows.sort(key=lambda row: (row[1], row[0]), reverse=True)
        return [pk for pk, _ in rows]

    def _facet_counts(self, index: SearchIndex, record_ids: list) -> dict[str, list[tuple[str, int]]]:
        """Per facet, (value, number of records) among RECORD_IDS (visible, matching): one query."""
        by_field = {facet.term_field: facet for facet in index.facets}
        found: dict[str, list[tuple[str, int]]] = {facet.name: [] for facet in index.facets}
        if not record_ids:
            return found
        rows = (
            index.term_model.objects.filter(field__in=list(by_field), record_id__in=record_ids)
            .values("field", "value")
            .annotate(doc_count=Count("record_id"))
            .order_by()
        )
        for row in rows:
            found[by_field[row["field"]].name].append((row["value"], row["doc_count"]))
        for facet in index.facets:
            values = found[facet.name]
            if facet.order_by_key:
                values.sort(key=lambda item: item[0], reverse=True)
            else:
                values.sort(key=lambda item: (-item[1], item[0]))
            found[facet.name] = values[: MAX_FACET_ROWS if facet.nested else facet.size]
        return found

    def index_records(self, record_ids: Iterable[str]) -> None:
        """Nothing to do: the projection is written with the record in one transaction."""
