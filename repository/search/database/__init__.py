# ruff: noqa: S608, S611 -- table and column names come from model metadata and index definitions;
# user input only ever travels as query parameters.
"""Database full-text search: SQLite FTS5 (embedded) or PostgreSQL tsvector + GIN.

The search projection (``title``, ``search_text``, ``publication_date`` columns of the record
row, the full-text index over them, and the term rows of the other fields) is written in the
same transaction as the record, so the index is never behind the data.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.module_loading import import_string

from repository.exceptions import FieldError, ValidationError
from repository.search.base import SearchBackend, SearchParams, SearchResult
from repository.search.database.compile import QueryCompiler
from repository.search.facets import build_aggregations, selected_values, wanted_facets, within_values
from repository.search.query import QueryError, nodes, parse_query, text_tokens
from repository.search.spec import FACET_SEPARATOR, Facet, SearchIndex, index_for

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


def facet_buckets(facets: tuple[Facet, ...], entries: Counter) -> dict[str, list[tuple[str, int]]]:
    """Per facet, (value, number of records) from the counts of ``field=value`` ENTRIES."""
    by_field = {facet.term_field: facet for facet in facets}
    found: dict[str, list[tuple[str, int]]] = {facet.name: [] for facet in facets}
    for entry, doc_count in entries.items():
        field_name, _, value = entry.partition("=")
        if field_name in by_field:
            found[by_field[field_name].name].append((value, doc_count))
    for facet in facets:
        values = found[facet.name]
        if facet.order_by_key:
            values.sort(key=lambda item: item[0], reverse=True)
        else:
            values.sort(key=lambda item: (-item[1], item[0]))
        found[facet.name] = values[: MAX_FACET_ROWS if facet.nested or facet.restrict else facet.size]
    return found


class DatabaseSearchBackend(SearchBackend):
    """Full-text search in the primary database."""

    indexes_after_commit = False

    def search_records(self, queryset: QuerySet, params: SearchParams) -> SearchResult:
        index = index_for(queryset.model)
        tree = parse_request_query(index, params)
        compiler = QueryCompiler(index, connections[queryset.db].vendor)
        within = within_values(params.within)
        matching = self._with_selections(index, queryset.filter(compiler.compile(tree)), within)
        selected = selected_values(index, params.filters, params.viewer)
        hits_queryset = self._with_selections(index, matching, selected)
        sort = params.effective_sort
        newest = list(index.sorts["newest"])
        window = settings.SEARCH_CANDIDATE_WINDOW
        cap = settings.SEARCH_MAX_RESULT_WINDOW
        facets = wanted_facets(index, params.facets) if params.aggregate else ()
        # Facets count the matches before the facet selection (a post filter), over the same
        # capped set as the total: exact when the total is, a lower bound beyond (ADR 12).
        text = compiler.has_fulltext(tree)
        # One bounded scan gives the total (exact up to the cap, a lower bound beyond) and the
        # candidate window: the newest WINDOW of the (at most cap + 1) matches it read; without
        # a facet selection the same statement counts the facets of the first cap of them.
        candidates, total, entries = self._bounded_matches(
            index, hits_queryset, cap + 1, window=window, count=bool(facets) and not selected, text=text
        )
        if facets and selected:
            _, _, entries = self._bounded_matches(index, matching, cap + 1, window=0, count=True, text=text)
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
        if facets:
            counts = facet_buckets(facets, entries or Counter())
            aggregations = build_aggregations(index, counts, params.filters, viewer=params.viewer)
        return SearchResult(
            hits=hits, total=min(total, cap), total_is_exact=total <= cap, aggregations=aggregations
        )

    def _with_selections(self, index: SearchIndex, queryset: QuerySet, selected: dict) -> QuerySet:
        """QUERYSET restricted to records with one of the selected values of every selected facet.

        On PostgreSQL an overlap with the GIN-indexed facet array of the row, which the planner
        combines with the full-text index (a bitmap AND) instead of probing every selected record.
        """
        array_column = index.facet_array_column if connections[queryset.db].vendor == "postgresql" else ""
        for facet_name, values in selected.items():
            facet = index.facet(facet_name)
            if array_column:
                table = index.model._meta.db_table
                entries = [f"{facet.term_field}={value}" for value in values]
                sql = f'"{table}".{array_column} && %s::text[]'
                # names from the index definition; the values travel as a parameter
                queryset = queryset.filter(RawSQL(sql, (entries,), output_field=BooleanField()))  # noqa: S611
                continue
            rows = index.term_model.objects.filter(field=facet.term_field, value__in=values)
            queryset = queryset.filter(pk__in=rows.values("record_id"))
        return queryset

    def _bounded_matches(
        self, index: SearchIndex, queryset: QuerySet, limit: int, *, window: int, count: bool, text: bool
    ) -> tuple[list, int, Counter | None]:
        """Of at most LIMIT matches (the first the database finds): the ids of the newest WINDOW,
        newest first, and their number; with COUNT, the number of records per facet entry
        (``field=value``) among the newest LIMIT - 1 of them.

        Ordering and counting happen in the database: only ids travel (parsing 10,000 timestamps
        cost more than the scan). On PostgreSQL one statement does all of it (the facet arrays of
        the rows it reads anyway), and with a full-text condition (TEXT) the scan goes through
        the full-text index: the planner otherwise reads the table in order hoping for LIMIT
        early matches, which for words with fewer matches than LIMIT means every row of it.
        """
        connection = connections[queryset.db]
        postgres = connection.vendor == "postgresql" and bool(index.facet_array_column)
        rows = queryset.order_by().values_list("pk", index.recency_field)[:limit]
        if postgres:
            table = connection.ops.quote_name(index.model._meta.db_table)
            rows = rows.annotate(facet_entries=RawSQL(f"{table}.{index.facet_array_column}", ()))
            rows = rows.values_list("pk", index.recency_field, "facet_entries")
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:  # a condition that matches nothing (``NOT *``, an empty id list)
            return [], 0, (Counter() if count else None)
        recency = connection.ops.quote_name(index.recency_field)
        newest = f"ORDER BY {recency} DESC, pk DESC"
        if not postgres:
            statement = f"WITH found AS MATERIALIZED ({sql}) SELECT pk FROM found {newest}"
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                found = [pk for (pk,) in cursor.fetchall()]
            entries = self._entry_counts(index, found[: limit - 1], connection) if count else None
            return found[:window], len(found), entries
        statement = (
            f"WITH found AS MATERIALIZED ({sql}) "
            f"SELECT 0, pk, number FROM (SELECT pk, row_number() OVER ({newest}) AS number FROM found) "
            f"AS ranked WHERE number <= {window:d} UNION ALL SELECT 1, NULL, COUNT(*) FROM found"
        )
        if count:
            # every row but the LIMIT-th newest (there only when the scan hit the limit): no sort
            # of the facet arrays, the rows are counted where they are
            statement += (
                " UNION ALL SELECT 2, entry, COUNT(*) FROM found, unnest(found.facet_entries) AS entry "
                f"WHERE pk IS DISTINCT FROM (SELECT pk FROM found {newest} OFFSET {limit - 1:d} LIMIT 1) "
                "GROUP BY entry"
            )
        with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
            if text:
                cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(statement, params)
            result = cursor.fetchall()
            if text:
                cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
        newest_first = sorted((row for row in result if row[0] == 0), key=lambda row: row[2])
        candidates = [pk for _, pk, _ in newest_first]
        total = next(number for part, _, number in result if part == 1)
        entries = Counter({entry: number for part, entry, number in result if part == 2}) if count else None
        return candidates, total, entries

    def _entry_counts(self, index: SearchIndex, record_ids: list, connection) -> Counter:
        """The number of records per facet entry (``field=value``) among RECORD_IDS: one query.

        Reads one facet row per record (``SearchIndex.facet_model``: all its facet values in one
        text) rather than the ~7.5 term rows per record. The ids go in as one JSON parameter: up
        to 10,000 of them, more than a statement should carry as separate placeholders.
        """
        counter: Counter[str] = Counter()
        if not record_ids:
            return counter
        table = connection.ops.quote_name(index.facet_model._meta.db_table)
        if connection.vendor == "postgresql":
            ids_clause, ids_param = "record_id = ANY(%s::varchar[])", list(record_ids)
        else:
            ids_clause, ids_param = "record_id IN (SELECT value FROM json_each(%s))", json.dumps(record_ids)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT facets FROM {table} WHERE {ids_clause}", [ids_param])  # noqa: S608
            for (text,) in cursor.fetchall():
                counter.update(text.split(FACET_SEPARATOR))
        return counter

    def index_records(self, record_ids: Iterable[str], *, model=None) -> None:
        """Rewrite the term rows of RECORD_IDS from their documents (the queue drain, a repair).

        Publishing needs no call: the projection is written with the record in one transaction.
        The full-text columns live on the record row itself (SQLite's FTS5 follows by triggers).
        """
        from records.models import Record

        index = index_for(model or Record)
        import_string(index.term_writer)(list(record_ids))
