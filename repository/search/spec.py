"""How an app's model is searched: fields, facets, sorts, and where the database backend finds them.

Each app describes its index next to its models (``records/search_indexes.py``) and registers it;
the backends stay generic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from repository.search.query import FieldSet

#: separates the ``field=value`` entries of a facet row (``SearchIndex.facet_model``)
FACET_SEPARATOR = "\x1e"


@dataclass(frozen=True)
class Facet:
    """An aggregation shown next to results and usable as a filter (``?language=eng``).

    ``term_field`` names the rows of the term table counted; ``nested`` facets (resource types)
    split ``type-subtype`` values into a parent bucket with ``inner`` buckets, and are filtered
    with ``type::subtype``. ``labels`` maps keys to display labels (vocabulary titles).
    """

    name: str
    label: str
    term_field: str
    nested: bool = False
    size: int = 10
    labels: Callable[[list[str]], dict[str, str]] | None = None
    order_by_key: bool = False  # histograms (years) are ordered by key, newest first
    es_field: str = ""  # the keyword field of the Elasticsearch document (default: term_field)
    #: (keys, viewer) -> the keys the viewer may see; other buckets are dropped (communities)
    restrict: Callable[[list[str], Any], set[str]] | None = None
    #: (filter values, viewer) -> the term values they select (a community slug -> its id);
    #: values that select nothing the viewer may see resolve to nothing
    resolve: Callable[[list[str], Any], list[str]] | None = None

    @property
    def document_field(self) -> str:
        return self.es_field or self.term_field


@dataclass(frozen=True)
class SearchIndex:
    """The search description of one model."""

    model: type[Model]
    fields: FieldSet
    #: text fields searched when a term has no field (Elasticsearch ``name^boost``)
    default_es_fields: tuple[str, ...]
    #: text/keyword fields stored as rows of the term table: canonical field -> term field
    term_fields: Mapping[str, str]
    #: text fields held by the full-text index: canonical field -> column of the FTS index
    fulltext_columns: Mapping[str, str]
    #: date fields: canonical field -> model column; those in ``text_dates`` hold ISO strings
    date_columns: Mapping[str, str]
    text_dates: frozenset[str] = frozenset()
    #: text fields whose missing value is an empty string in this column (for _exists_)
    exists_columns: Mapping[str, str] = field(default_factory=dict)
    facets: tuple[Facet, ...] = ()
    #: canonical text fields search-as-you-type (``suggest=``) looks in
    suggest_fields: tuple[str, ...] = ()
    #: sort name -> model ordering ("newest" is required)
    sorts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: the column "newest" orders by (candidate windows take the newest matches)
    recency_field: str = "created"
    term_model: type[Model] | None = None
    #: one row per record (primary key ``record_id``) whose text column ``facets`` holds the
    #: record's facet term rows as ``field=value`` entries joined by ``FACET_SEPARATOR``:
    #: what the database backend counts facets from
    facet_model: type[Model] | None = None
    #: PostgreSQL only: a ``text[]`` column of the model's table with the same ``field=value``
    #: entries under a GIN index, so that facet selections combine with the full-text index in
    #: one bitmap scan (the migration creates it, ``term_writer`` keeps it current)
    facet_array_column: str = ""
    #: the reverse relation from the model to its term rows
    term_relation: str = "search_terms"
    #: dotted path of the function that rewrites the term rows of a list of ids (the database
    #: backend's ``index_records``, used when the indexing queue is drained)
    term_writer: str = ""
    #: dotted path of the object that builds Elasticsearch documents (mapping, documents, ids)
    es_adapter: str = ""
    #: Elasticsearch sort clauses per sort name
    es_sorts: Mapping[str, tuple] = field(default_factory=dict)

    def facet(self, name: str) -> Facet | None:
        return next((facet for facet in self.facets if facet.name == name), None)


_registry: dict[type[Model], SearchIndex] = {}


def register(index: SearchIndex) -> SearchIndex:
    """Make INDEX the search description of its model."""
    _registry[index.model] = index
    return index


def index_for(model: type[Model]) -> SearchIndex:
    """The registered search description of MODEL."""
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"No search index is registered for {model.__name__}.") from None
