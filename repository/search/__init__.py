"""Search behind one interface; the backend is chosen by settings.SEARCH_BACKEND."""

from __future__ import annotations

from functools import cache

from repository.search.base import SearchBackend, SearchParams, SearchResult

__all__ = ["SearchBackend", "SearchParams", "SearchResult", "get_backend"]


@cache
def get_backend() -> SearchBackend:
    from django.conf import settings

    if settings.SEARCH_BACKEND == "database":
        from repository.search.database import DatabaseSearchBackend

        return DatabaseSearchBackend()
    if settings.SEARCH_BACKEND == "elasticsearch":
        from repository.search.elasticsearch import ElasticsearchSearchBackend

        return ElasticsearchSearchBackend()
    raise ValueError(f"Unknown search backend {settings.SEARCH_BACKEND!r}")
