"""The parsed query: a small tree every backend compiles (database Q objects, Elasticsearch JSON).

The parser (``repository.search.query.parse``) turns the user's Lucene-style text into these
nodes once; field names are already resolved to canonical ``SearchField`` names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    """Base of all query nodes."""


@dataclass(frozen=True)
class MatchAll(Node):
    """Every record (an empty query, or ``*``)."""


@dataclass(frozen=True)
class Term(Node):
    """A word, phrase, prefix (``glac*``) or wildcard (``gl?c*er``) in FIELD (None: all text).

    ``tokens`` are the lower-cased words of the value for text fields; ``value`` is the
    value as typed (unescaped), lower-cased for keyword fields.
    """

    field: str | None
    value: str
    kind: str = "word"  # word | phrase | prefix | wildcard
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class Range(Node):
    """A date range on FIELD; bounds are ISO dates (``2018``, ``2018-05``, ``2018-05-01``) or None."""

    field: str
    lower: str | None
    upper: str | None
    include_lower: bool = True
    include_upper: bool = True


@dataclass(frozen=True)
class Exists(Node):
    """``_exists_:field``: FIELD has a value."""

    field: str


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    child: Node


def conjunction(children: list[Node]) -> Node:
    """AND of CHILDREN, dropping match-all parts."""
    kept = [child for child in children if not isinstance(child, MatchAll)]
    if not kept:
        return MatchAll()
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def disjunction(children: list[Node]) -> Node:
    """OR of CHILDREN; anything OR everything is everything."""
    if not children or any(isinstance(child, MatchAll) for child in children):
        return MatchAll()
    return children[0] if len(children) == 1 else Or(tuple(children))
