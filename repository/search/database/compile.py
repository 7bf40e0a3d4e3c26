# ruff: noqa: S608, S611 -- table and column names come from model metadata and index definitions;
# user input only ever travels as query parameters.
"""Compile a query tree to a Django ``Q`` for the primary database (SQLite FTS5 or PostgreSQL).

Full-text terms (no field, or a field the full-text index holds) become one FTS5 ``MATCH`` or
one PostgreSQL ``@@`` per maximal text-only subtree; fields kept as term rows become
``pk IN (SELECT record_id ...)`` subqueries; dates compare columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from repository.search.query import nodes
from repository.search.query.dates import range_bounds
from repository.search.query.fields import KEYWORD
from repository.search.spec import SearchIndex

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Fragment:
    """A full-text expression: FTS5 MATCH text (SQLite) or a tsquery SQL expression (PostgreSQL)."""

    sql: str
    params: tuple = ()


def _trimmed(day: date) -> str:
    """An ISO date without trailing ``-01`` parts, so that partial stored dates compare as their start."""
    text = day.isoformat()
    if text.endswith("-01"):
        text = text[:-3]
        if text.endswith("-01"):
            text = text[:-3]
    return text


def wildcard_regex(pattern: str, *, word: bool) -> str:
    """A regular expression for a ``*``/``?`` pattern (word: within one word, else the whole value)."""
    any_run, any_one = (r"\w*", r"\w") if word else (".*", ".")
    body = "".join(any_run if c == "*" else any_one if c == "?" else re.escape(c) for c in pattern)
    return rf"(^|\W){body}(\W|$)" if word else f"^{body}$"


class QueryCompiler:
    """Compile query trees for one model table on one database vendor."""

    def __init__(self, index: SearchIndex, vendor: str):
        self.index = index
        self.vendor = vendor
        self.table = index.model._meta.db_table
        self.fts = f"{self.table}_fts"
        self.terms = index.term_model.objects if index.term_model is not None else None

    # --- full text ---------------------------------------------------------------
    def _fulltext_column(self, term: nodes.Term) -> str | None:
        """'' for all text, the FTS column of a field the index holds, None when not full text."""
        if term.field is None:
            return ""
        return self.index.fulltext_columns.get(term.field)

    def _leaf(self, term: nodes.Term) -> Fragment | None:
        column = self._fulltext_column(term)
        if column is None or term.kind == "wildcard" or not term.tokens:
            return None
        tokens = term.tokens
        if self.vendor == "sqlite":
            expr = f'"{tokens[0]}"*' if term.kind == "prefix" else '"' + " ".join(tokens) + '"'
            return Fragment(f"{{{column}}} : {expr}" if column else expr)
        weight = "A" if column else ""
        suffix = (":*" + weight) if term.kind == "prefix" else (f":{weight}" if weight else "")
        text = " <-> ".join(f"{token}{suffix}" for token in tokens)
        return Fragment("(to_tsquery('english', %s) || to_tsquery('simple', %s))", (text, text))

    def fragment(self, node: nodes.Node) -> Fragment | None:
        """NODE as one full-text expression, or None when it is not purely full text."""
        if self.vendor not in {"sqlite", "postgresql"}:
            return None
        if isinstance(node, nodes.Term):
            return self._leaf(node)
        if isinstance(node, nodes.Or):
            parts = [self.fragment(child) for child in node.children]
            if any(part is None for part in parts):
                return None
            return self._join(parts, " OR " if self.vendor == "sqlite" else " || ")
        if isinstance(node, nodes.And):
            positive = [self.fragment(c) for c in node.children if not isinstance(c, nodes.Not)]
            negative = [self.fragment(c.child) for c in node.children if isinstance(c, nodes.Not)]
            if any(part is None for part in positive + negative):
                return None
            return self._and(positive, negative)
        if isinstance(node, nodes.Not) and self.vendor == "postgresql":
            inner = self.fragment(node.child)
            return None if inner is None else Fragment(f"!!({inner.sql})", inner.params)
        return None

    def _join(self, parts: list[Fragment], operator: str) -> Fragment:
        return Fragment(
            "(" + operator.join(f"({part.sql})" for part in parts) + ")",
            tuple(param for part in parts for param in part.params),
        )

    def _and(self, positive: list[Fragment], negative: list[Fragment]) -> Fragment | None:
        if self.vendor == "sqlite":
            if not positive:
                return None  # FTS5 has no unary NOT
            joined = self._join(positive, " AND ")
            for part in negative:
                joined = Fragment(f"({joined.sql} NOT ({part.sql}))")
            return joined
        parts = positive + [Fragment(f"!!({part.sql})", part.params) for part in negative]
        return self._join(parts, " && ")

    def _match(self, fragment: Fragment) -> Q:
        if self.vendor == "sqlite":
            match_text = fragment.sql
            sql = f'"{self.table}".rowid IN (SELECT rowid FROM {self.fts} WHERE {self.fts} MATCH %s)'
            return Q(RawSQL(sql, (match_text,), output_field=BooleanField()))
        sql = f'"{self.table}".search_vector @@ {fragment.sql}'
        return Q(RawSQL(sql, fragment.params, output_field=BooleanField()))

    def rank(self, node: nodes.Node, connection, record_ids: list) -> dict | None:
        """Relevance of RECORD_IDS for the positive full-text terms of NODE (None: nothing to rank).

        One statement for all of them: on SQLite the MATCH runs once and is joined to the ids
        (bm25 in a correlated subquery would run the MATCH once per row).
        """
        leaves = [fragment for fragment in map(self._leaf, positive_terms(node)) if fragment is not None]
        if not leaves:
            return None
        if not record_ids:
            return {}
        combined = self._join(leaves, " OR " if self.vendor == "sqlite" else " || ")
        marks = ", ".join(["%s"] * len(record_ids))
        if self.vendor == "sqlite":
            sql = (
                f'SELECT r.id, -bm25({self.fts}, 4.0, 1.0) FROM {self.fts} JOIN "{self.table}" r '
                f"ON r.rowid = {self.fts}.rowid WHERE {self.fts} MATCH %s AND r.id IN ({marks})"
            )
            params = [combined.sql, *record_ids]
        else:
            sql = (
                f'SELECT id, ts_rank(search_vector, {combined.sql}) FROM "{self.table}" WHERE id IN ({marks})'
            )
            params = [*combined.params, *record_ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return dict(cursor.fetchall())

    def has_fulltext(self, node: nodes.Node) -> bool:
        """NODE has a positive full-text term (what the full-text index can find the matches by)."""
        return any(self._leaf(term) is not None for term in positive_terms(node))

    # --- the tree -------------------------------------------------------------------
    def compile(self, node: nodes.Node) -> Q:
        """The condition NODE puts on the model's rows."""
        fragment = None if isinstance(node, nodes.Term) and node.kind == "wildcard" else self.fragment(node)
        if fragment is not None:
            return self._match(fragment)
        if isinstance(node, nodes.MatchAll):
            return Q()
        if isinstance(node, nodes.And):
            return self._compile_and(node)
        if isinstance(node, nodes.Or):
            condition = NOTHING
            for child in node.children:
                condition |= self.compile(child)
            return condition
        if isinstance(node, nodes.Not):
            if isinstance(node.child, nodes.MatchAll):
                return NOTHING
            return ~self.compile(node.child)
        if isinstance(node, nodes.Term):
            return self._term(node)
        if isinstance(node, nodes.Range):
            return self._range(node)
        if isinstance(node, nodes.Exists):
            return self._exists(node.field)
        raise TypeError(f"Unknown query node {node!r}")

    def _compile_and(self, node: nodes.And) -> Q:
        # The full-text children go into one MATCH (one index lookup instead of one per word).
        text_children, other_children = [], []
        for child in node.children:
            inner = child.child if isinstance(child, nodes.Not) else child
            plain = not (isinstance(inner, nodes.Term) and inner.kind == "wildcard")
            (text_children if plain and self.fragment(inner) is not None else other_children).append(child)
        condition = Q()
        if text_children:
            positive = [self.fragment(c) for c in text_children if not isinstance(c, nodes.Not)]
            negative = [self.fragment(c.child) for c in text_children if isinstance(c, nodes.Not)]
            combined = self._and(positive, negative)
            if combined is not None:
                condition &= self._match(combined)
            else:
                other_children = text_children + other_children
        for child in other_children:
            condition &= self.compile(child)
        return condition

    def _term_rows(self, field: str):
        return self.terms.filter(field=self.index.term_fields[field])

    def _term(self, term: nodes.Term) -> Q:
        field = self.index.fields[term.field] if term.field else None
        column = self._fulltext_column(term)
        if column is not None:  # a wildcard in full text: a regular expression on the text column
            target = column or "search_text"
            return Q(**{f"{target}__iregex": wildcard_regex(term.value, word=True)})
        rows = self._term_rows(term.field)
        if field.kind == KEYWORD:
            if term.kind == "prefix":
                return Q(pk__in=rows.filter(value__startswith=term.value).values("record_id"))
            if term.kind == "wildcard":
                pattern = wildcard_regex(term.value, word=False)
                return Q(pk__in=rows.filter(value__regex=pattern).values("record_id"))
            return Q(pk__in=rows.filter(value=term.value).values("record_id"))
        # text kept as word rows: every word must be there (a phrase is approximated by its words)
        if term.kind == "wildcard":
            pattern = wildcard_regex(term.value, word=False)
            return Q(pk__in=rows.filter(value__regex=pattern).values("record_id"))
        condition = Q()
        for position, token in enumerate(term.tokens):
            if term.kind == "prefix" and position == len(term.tokens) - 1:
                condition &= Q(pk__in=rows.filter(value__startswith=token).values("record_id"))
            else:
                condition &= Q(pk__in=rows.filter(value=token).values("record_id"))
        return condition

    def _range(self, node: nodes.Range) -> Q:
        start, end = range_bounds(node.lower, node.upper, node.include_lower, node.include_upper)
        if start is not None and end is not None and start >= end:
            return NOTHING
        column = self.index.date_columns[node.field]
        condition = Q()
        if node.field in self.index.text_dates:
            condition &= ~Q(**{column: ""})
            if start is not None:
                condition &= Q(**{f"{column}__gte": _trimmed(start)})
            if end is not None:
                condition &= Q(**{f"{column}__lt": _trimmed(end)})
            return condition
        if start is not None:
            condition &= Q(**{f"{column}__gte": datetime(start.year, start.month, start.day, tzinfo=UTC)})
        if end is not None:
            condition &= Q(**{f"{column}__lt": datetime(end.year, end.month, end.day, tzinfo=UTC)})
        return condition

    def _exists(self, field: str) -> Q:
        if field in self.index.term_fields:
            return Q(pk__in=self._term_rows(field).values("record_id"))
        if field in self.index.exists_columns:
            return ~Q(**{self.index.exists_columns[field]: ""})
        if field in self.index.text_dates:
            return ~Q(**{self.index.date_columns[field]: ""})
        return Q()  # system dates always exist


def positive_terms(node: nodes.Node) -> list[nodes.Term]:
    """The terms of NODE that are not negated (what relevance is computed from)."""
    if isinstance(node, nodes.Term):
        return [node]
    if isinstance(node, (nodes.And, nodes.Or)):
        return [term for child in node.children for term in positive_terms(child)]
    return []
