"""The search interface every backend implements.

Callers pass the queryset the access policy allows (so search can never show
more than the policy does) plus the parsed parameters; the backend applies the
query, sorting and paging and returns ids in order with the total.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

SORT_OPTIONS = ("bestmatch", "newest", "oldest", "updated-desc", "updated-asc", "version", "title")


@dataclass(frozen=True)
class SearchParams:
    """A parsed search request."""

    q: str = ""
    sort: str = ""
    page: int = 1
    size: int = 25
    #: facet selections, e.g. (("resource_type", "image::image-photo"), ("language", "eng"))
    filters: tuple[tuple[str, str], ...] = ()
    #: restrictions set by the caller (not the user) that are part of the query, so that facets count
    #: only these records: (facet name, term value) pairs, e.g. a community's record search
    #: (("community", "<community id>"),)
    within: tuple[tuple[str, str], ...] = ()
    #: the facets to compute (None: every facet of the index)
    facets: tuple[str, ...] | None = None
    #: search-as-you-type text (titles and creator names, the last word as a prefix)
    suggest: str = ""
    #: compute facet counts (aggregations)
    aggregate: bool = True
    #: the caller's read scope (``records.permissions.ReadScope``: ``everything``, ``principals``), for
    #: backends that filter outside the database; without it they search the queryset in the database
    scope: Any = None
    #: only the latest version of each record (what the queryset says, for external backends)
    latest_only: bool = False
    #: who searches (a user or AnonymousUser): facets whose buckets name other objects (communities)
    #: show only those this user may see; None counts as anonymous
    viewer: Any = None

    @property
    def effective_sort(self) -> str:
        """bestmatch is the default with a query, newest without (as InvenioRDM)."""
        if self.sort:
            return self.sort
        return "bestmatch" if self.q.strip() or self.suggest.strip() else "newest"

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass
class SearchResult:
    """Hits of one page, in order, with the total (exact up to ``total_cap``)."""

    hits: list
    total: int
    total_is_exact: bool = True
    aggregations: dict = field(default_factory=dict)


class SearchBackend(ABC):
    """What the API and pages need from a search engine."""

    #: False when the index is written in the record's own transaction (database backend):
    #: then no indexing task is queued after commit.
    indexes_after_commit: bool = True

    @abstractmethod
    def search_records(self, queryset: QuerySet, params: SearchParams) -> SearchResult:
        """Search within QUERYSET (already restricted by the access policy)."""

    @abstractmethod
    def index_records(self, record_ids: Iterable[str]) -> None:
        """Bring the index up to date for these records (after commit)."""
