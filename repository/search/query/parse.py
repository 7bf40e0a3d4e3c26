"""Parse a Lucene/query_string query once (luqum) into the backend-neutral tree of ``nodes``.

Bad input never escapes as anything but :class:`QueryError` (a 400 with the position).
"""

from __future__ import annotations

import re

from luqum import tree as lq
from luqum.exceptions import ParseError
from luqum.thread import parse as luqum_parse

from repository.search.query import nodes
from repository.search.query.dates import parse_partial_date
from repository.search.query.fields import DATE, KEYWORD, TEXT, FieldSet, SearchField

MAX_QUERY_LENGTH = 2000
MAX_DEPTH = 40
EXISTS = "_exists_"
# Letters and digits: what the full-text indexes keep of a text value.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ESCAPED = re.compile(r"\\(.)")
_POSITION = re.compile(r"position (\d+)")


class QueryError(ValueError):
    """The query cannot be understood; ``position`` is the 0-based offset of the problem, if known."""

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        super().__init__(message)

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} (at position {self.position})"


def text_tokens(value: str) -> tuple[str, ...]:
    """The lower-cased words of VALUE, as the full-text indexes split them."""
    return tuple(map(str.lower, _WORD.findall(value)))


def _has_wildcard(raw: str) -> bool:
    unescaped = _ESCAPED.sub("", raw)
    return "*" in unescaped or "?" in unescaped


def _unescape(raw: str) -> str:
    return _ESCAPED.sub(r"\1", raw)


def parse_query(q: str, fields: FieldSet) -> nodes.Node:
    """The query tree of Q; an empty query matches everything."""
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryError(f"The query is too long (at most {MAX_QUERY_LENGTH} characters).")
    if not q.strip():
        return nodes.MatchAll()
    try:
        parsed = luqum_parse(q)
    except ParseError as exc:
        position = _POSITION.search(str(exc))
        at_end = "end of expression" in str(exc)
        message = "Unexpected end of query (an operator without a term, or an unclosed parenthesis or quote)."
        if not at_end:
            message = "The query syntax is invalid."
            if "Illegal character '\"" in str(exc):
                message = "Unclosed quote."
            elif "Illegal character" in str(exc):
                message = "The query contains a character that is not allowed here."
        raise QueryError(message, int(position.group(1)) if position else len(q)) from exc
    except RecursionError as exc:
        raise QueryError("The query is nested too deeply.") from exc
    return _Converter(fields).convert(parsed, None, 0)


class _Converter:
    def __init__(self, fields: FieldSet):
        self.fields = fields

    def convert(self, node: lq.Item, field: SearchField | None, depth: int) -> nodes.Node:
        if depth > MAX_DEPTH:
            raise QueryError("The query is nested too deeply.", node.pos)
        depth += 1
        if isinstance(node, lq.SearchField):
            return self._search_field(node, field, depth)
        if isinstance(node, (lq.Group, lq.FieldGroup)):
            return self.convert(node.expr, field, depth)
        if isinstance(node, (lq.AndOperation, lq.UnknownOperation)):
            return nodes.conjunction([self.convert(child, field, depth) for child in node.children])
        if isinstance(node, lq.OrOperation):
            return nodes.disjunction([self.convert(child, field, depth) for child in node.children])
        if isinstance(node, (lq.Not, lq.Prohibit)):
            child = self.convert(node.a, field, depth)
            return nodes.Not(child)
        if isinstance(node, lq.Plus):
            return self.convert(node.a, field, depth)
        if isinstance(node, lq.Boost):
            return self.convert(node.expr, field, depth)
        if isinstance(node, lq.Fuzzy):
            # No edit-distance matching on the database backends: the word itself.
            return self.convert(node.term, field, depth)
        if isinstance(node, lq.Proximity):
            return self._phrase(node.term, field)
        if isinstance(node, lq.Word):
            return self._word(node, field)
        if isinstance(node, lq.Phrase):
            return self._phrase(node, field)
        if isinstance(node, lq.Range):
            return self._range(node, field, node.low, node.high, node.include_low, node.include_high)
        if isinstance(node, lq.From):
            return self._range(node, field, node.a, None, node.include, True)
        if isinstance(node, lq.To):
            return self._range(node, field, None, node.a, True, node.include)
        if isinstance(node, lq.Regex):
            raise QueryError(
                "Regular expressions (/.../) are not supported; use * and ? wildcards.", node.pos
            )
        raise QueryError("This part of the query is not supported.", node.pos)

    def _search_field(self, node: lq.SearchField, outer: SearchField | None, depth: int) -> nodes.Node:
        if outer is not None:
            raise QueryError(f"Field '{node.name}' inside field '{outer.name}' is not allowed.", node.pos)
        if node.name == EXISTS:
            if not isinstance(node.expr, lq.Word):
                raise QueryError("_exists_ takes one field name, e.g. _exists_:doi.", node.pos)
            return nodes.Exists(self._resolve(_unescape(node.expr.value), node.expr.pos).name)
        return self.convert(node.expr, self._resolve(_unescape(node.name), node.pos), depth)

    def _resolve(self, name: str, position: int | None) -> SearchField:
        field = self.fields.resolve(name)
        if field is None:
            known = ", ".join(self.fields.short_names)
            raise QueryError(f"Unknown field '{name}'. Known fields: {known}.", position)
        return field

    def _word(self, node: lq.Word, field: SearchField | None) -> nodes.Node:
        raw = node.value
        if raw == "*":
            return nodes.MatchAll() if field is None else nodes.Exists(field.name)
        value = _unescape(raw)
        if field is not None and field.kind == DATE:
            if _has_wildcard(raw):
                raise QueryError(f"Wildcards are not supported on the date field '{field.name}'.", node.pos)
            return self._date_range(node, field, value, value, True, True)
        if _has_wildcard(raw):
            kind = "wildcard"
            body = raw[:-1]
            if raw.endswith("*") and not _has_wildcard(body) and not raw.endswith("\\*"):
                kind, value = "prefix", _unescape(body)
            return self._term(field, value, kind)
        return self._term(field, value, "word")

    def _phrase(self, node: lq.Phrase, field: SearchField | None) -> nodes.Node:
        value = _unescape(node.value[1:-1])
        if field is not None and field.kind == DATE:
            return self._date_range(node, field, value.strip(), value.strip(), True, True)
        return self._term(field, value, "phrase")

    def _term(self, field: SearchField | None, value: str, kind: str) -> nodes.Node:
        name = field.name if field is not None else None
        if field is not None and field.kind == KEYWORD:
            value = value.strip().lower()
            if not value:
                return nodes.MatchAll()
            return nodes.Term(name, value, kind)
        if kind == "wildcard":
            pattern = value.lower()
            if not _WORD.search(pattern):
                return nodes.MatchAll() if field is None else nodes.Exists(field.name)
            return nodes.Term(name, pattern, kind, text_tokens(pattern))
        tokens = text_tokens(value)
        if not tokens:
            return nodes.MatchAll()  # punctuation only: no index holds it
        if kind == "word" and len(tokens) > 1:
            kind = "phrase"  # "north-atlantic" is the phrase "north atlantic", as an analyser splits it
        if kind == "prefix" and len(tokens) > 1:
            return nodes.conjunction(
                [
                    nodes.Term(name, " ".join(tokens[:-1]), "phrase", tokens[:-1]),
                    nodes.Term(name, tokens[-1], "prefix", tokens[-1:]),
                ]
            )
        return nodes.Term(name, " ".join(tokens), kind, tokens)

    def _range(self, node, field, low, high, include_low, include_high) -> nodes.Node:
        if field is None:
            raise QueryError("A range needs a field, e.g. publication_date:[2018 TO 2020].", node.pos)
        if field.kind != DATE:
            raise QueryError(f"Ranges are only supported on date fields, not on '{field.name}'.", node.pos)
        values = []
        for bound in (low, high):
            if bound is None:
                values.append(None)
                continue
            if not isinstance(bound, (lq.Word, lq.Phrase)):
                raise QueryError("A range bound must be a date.", node.pos)
            text = _unescape(bound.value.strip('"')).strip()
            values.append(None if text == "*" else text)
        return self._date_range(node, field, values[0], values[1], include_low, include_high)

    def _date_range(self, node, field, lower, upper, include_lower, include_upper) -> nodes.Node:
        for value in (lower, upper):
            if value is not None and parse_partial_date(value) is None:
                raise QueryError(
                    f"'{value}' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD in '{field.name}'.", node.pos
                )
        if lower is None and upper is None:
            return nodes.Exists(field.name)
        return nodes.Range(field.name, lower, upper, include_lower, include_upper)


__all__ = ["QueryError", "TEXT", "parse_query", "text_tokens"]
