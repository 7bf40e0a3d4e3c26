"""The query language over a model's own columns: search of small collections (communities, users, requests).

The same parser as record search (``repository.search.query``: terms, phrases, AND/OR/NOT,
grouping, field aliases, wildcards, date ranges, ``_exists_``), compiled to a Django ``Q`` over
the model's columns instead of a full-text index: these collections are small, and their rows
change with every membership or comment, so a projection would cost more than it saves. A text
term matches when a column contains it (case-insensitive), a keyword term when a column equals it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from repository.exceptions import FieldError, ValidationError
from repository.search.database.compile import wildcard_regex
from repository.search.query import DATE, KEYWORD, FieldSet, QueryError, SearchField, nodes, parse_query
from repository.search.query.dates import range_bounds

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class ColumnField:
    """A searchable field: its name, kind and aliases, the ORM paths it reads, and when it may match.

    ``condition`` limits where the field may match at all (an e-mail address only where it is
    public), so a query can never reveal what the listing does not show.
    """

    name: str
    kind: str
    lookups: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    condition: Q | None = None

    @property
    def search_field(self) -> SearchField:
        return SearchField(self.name, self.kind, self.aliases)


class ColumnIndex:
    """The searchable fields of one model; DEFAULT names those a term without a field searches."""

    def __init__(self, fields: Iterable[ColumnField], default: Iterable[str]):
        self.columns = {field.name: field for field in fields}
        self.fields = FieldSet(field.search_field for field in self.columns.values())
        self.default = tuple(default)

    def filter(self, queryset: QuerySet, q: str) -> QuerySet:
        """QUERYSET narrowed to the rows matching Q; a ValidationError (400) says where Q is wrong."""
        try:
            tree = parse_query(q, self.fields)
        except QueryError as exc:
            raise ValidationError(f"Invalid query: {exc}", errors=[FieldError("q", [str(exc)])]) from exc
        if isinstance(tree, nodes.MatchAll):
            return queryset
        return queryset.filter(self.compile(tree))

    # --- the tree -------------------------------------------------------------------
    def compile(self, node: nodes.Node) -> Q:
        if isinstance(node, nodes.MatchAll):
            return Q()
        if isinstance(node, nodes.And):
            condition = Q()
            for child in node.children:
                condition &= self.compile(child)
            return condition
        if isinstance(node, nodes.Or):
            condition = NOTHING
            for child in node.children:
                condition |= self.compile(child)
            return condition
        if isinstance(node, nodes.Not):
            return NOTHING if isinstance(node.child, nodes.MatchAll) else ~self.compile(node.child)
        if isinstance(node, nodes.Term):
            names = (node.field,) if node.field else self.default
            condition = NOTHING
            for name in names:
                condition |= self._term(self.columns[name], node)
            return condition
        if isinstance(node, nodes.Range):
            return self._range(self.columns[node.field], node)
        if isinstance(node, nodes.Exists):
            column = self.columns[node.field]
            present = NOTHING
            for lookup in column.lookups:
                present |= Q(**{f"{lookup}__isnull": False}) & ~Q(**{lookup: ""})
            return self._limited(column, present)
        raise TypeError(f"Unknown query node {node!r}")

    def _limited(self, column: ColumnField, condition: Q) -> Q:
        return condition & column.condition if column.condition is not None else condition

    def _term(self, column: ColumnField, term: nodes.Term) -> Q:
        if column.kind == DATE:  # a bare date (``created:2024``) is the period it names
            return self._range(column, nodes.Range(column.name, term.value, term.value))
        condition = NOTHING
        for lookup in column.lookups:
            condition |= self._match(lookup, column.kind, term)
        return self._limited(column, condition)

    def _match(self, lookup: str, kind: str, term: nodes.Term) -> Q:
        if term.kind == "wildcard":
            return Q(**{f"{lookup}__iregex": wildcard_regex(term.value, word=kind != KEYWORD)})
        if kind == KEYWORD:
            if term.kind == "prefix":
                return Q(**{f"{lookup}__istartswith": term.value})
            return Q(**{f"{lookup}__iexact": term.value})
        if term.kind == "phrase" and len(term.tokens) > 1:  # the words in order, anything but words between
            pattern = r"\W+".join(re.escape(token) for token in term.tokens)
            return Q(**{f"{lookup}__iregex": pattern})
        condition = Q()
        for token in term.tokens or (term.value,):  # every word of the value, anywhere in the text
            condition &= Q(**{f"{lookup}__icontains": token})
        return condition

    def _range(self, column: ColumnField, node: nodes.Range) -> Q:
        start, end = range_bounds(node.lower, node.upper, node.include_lower, node.include_upper)
        if start is not None and end is not None and start >= end:
            return NOTHING
        condition = NOTHING
        for lookup in column.lookups:
            part = Q()
            if start is not None:
                part &= Q(**{f"{lookup}__gte": datetime(start.year, start.month, start.day, tzinfo=UTC)})
            if end is not None:
                part &= Q(**{f"{lookup}__lt": datetime(end.year, end.month, end.day, tzinfo=UTC)})
            condition |= part
        return self._limited(column, condition)
