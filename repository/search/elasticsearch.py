"""Elasticsearch/OpenSearch-style search on an Elasticsearch 9 cluster (``SEARCH_BACKEND=elasticsearch``).

Index names are prefixed (``SEARCH_INDEX_PREFIX``) and versioned (``repono-records-20261121120000``)
behind an alias (``repono-records``) that searches use. Writes go to every version of an index,
so a rebuild started by ``search_reindex`` receives the changes made while it runs; the alias
then moves to it in one atomic request. Hits are re-read from the caller's queryset, so a stale
index can never show a record the access policy hides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cached_property

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from repository.search.base import SearchBackend, SearchParams, SearchResult
from repository.search.database import DatabaseSearchBackend, parse_request_query
from repository.search.elasticsearch_body import facet_counts, facet_post_filter, search_body
from repository.search.facets import build_aggregations, selected_values, within_values
from repository.search.spec import SearchIndex, index_for

BULK_CHUNK = 500


class ElasticsearchSearchBackend(SearchBackend):
    """Search in an Elasticsearch cluster, fed by the durable indexing queue."""

    indexes_after_commit = True

    def __init__(self, url: str | None = None, prefix: str | None = None):
        self.url = url or settings.ELASTICSEARCH_URL
        self.prefix = settings.SEARCH_INDEX_PREFIX if prefix is None else prefix

    @cached_property
    def client(self):
        from elasticsearch import Elasticsearch

        return Elasticsearch(self.url, request_timeout=60)

    # --- names ---------------------------------------------------------------------
    def adapter(self, index: SearchIndex):
        return import_string(index.es_adapter)

    def alias(self, index: SearchIndex) -> str:
        return f"{self.prefix}{self.adapter(index).alias}"

    def versions(self, index: SearchIndex) -> list[str]:
        """Every versioned index of INDEX (the live one and any being built), oldest first."""
        found = self.client.indices.get(
            index=f"{self.alias(index)}-*", allow_no_indices=True, expand_wildcards="open"
        )
        return sorted(found)

    # --- searching -----------------------------------------------------------------
    def search_records(self, queryset: QuerySet, params: SearchParams) -> SearchResult:
        if params.scope is None:  # the restriction exists only as a queryset: search it in the database
            return DatabaseSearchBackend().search_records(queryset, params)
        index = index_for(queryset.model)
        tree = parse_request_query(index, params)
        adapter = self.adapter(index)
        within_filter = facet_post_filter(index, within_values(params.within))
        within = [within_filter] if within_filter else []
        body = search_body(
            index,
            tree,
            params,
            selected=selected_values(index, params.filters, params.viewer),
            base_filters=[adapter.published_filter(), *within],
            max_window=settings.SEARCH_MAX_RESULT_WINDOW,
        )
        response = self.client.search(index=self.alias(index), **body)
        ids = [hit["_id"] for hit in response["hits"]["hits"]]
        found = {obj.pk: obj for obj in queryset.filter(pk__in=ids)}
        total = response["hits"]["total"]
        aggregations = {}
        if "aggregations" in response:
            aggregations = build_aggregations(
                index, facet_counts(response["aggregations"]), params.filters, viewer=params.viewer
            )
        return SearchResult(
            hits=[found[pk] for pk in ids if pk in found],
            total=total["value"],
            total_is_exact=total["relation"] == "eq",
            aggregations=aggregations,
        )

    # --- writing -------------------------------------------------------------------
    def index_records(self, record_ids: Iterable[str], *, model=None) -> None:
        """Write the documents of RECORD_IDS (delete the ones gone) to every version of the index."""
        from records.models import Record

        index = index_for(model or Record)
        targets = self.versions(index)
        if not targets:
            raise RuntimeError(f"No index {self.alias(index)}-*: run manage.py search_reindex first.")
        self._bulk(index, list(record_ids), targets)

    def _bulk(self, index: SearchIndex, ids: list[str], targets: list[str]) -> None:
        from elasticsearch.helpers import bulk

        actions = []
        for record_id, document, version in self.adapter(index).documents(ids):
            for target in targets:
                if document is None:
                    actions.append({"_op_type": "delete", "_index": target, "_id": record_id})
                else:
                    actions.append(
                        {
                            "_op_type": "index",
                            "_index": target,
                            "_id": record_id,
                            "_source": document,
                            "version": version,
                            "version_type": "external_gte",
                        }
                    )
        _, errors = bulk(
            self.client, actions, raise_on_error=False, chunk_size=BULK_CHUNK * max(1, len(targets))
        )
        # 409: a newer version is already there; 404: deleting what was never indexed. Both are fine.
        real = [error for error in errors if next(iter(error.values())).get("status") not in (404, 409)]
        if real:
            raise RuntimeError(f"Elasticsearch refused {len(real)} documents, e.g. {real[0]}")

    def rebuild(self, model, progress: Callable[[int], None] | None = None) -> str:
        """Build a new versioned index from the database, then point the alias at it atomically."""
        index = index_for(model)
        adapter = self.adapter(index)
        alias = self.alias(index)
        name = f"{alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        self.client.indices.create(
            index=name,
            mappings=adapter.mapping(),
            settings={**adapter.settings(), "refresh_interval": "-1"},
        )
        batch: list[str] = []
        for record_id in adapter.all_ids():
            batch.append(record_id)
            if len(batch) == BULK_CHUNK:
                self._bulk(index, batch, [name])
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            self._bulk(index, batch, [name])
            if progress:
                progress(len(batch))
        self.client.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
        self.client.indices.refresh(index=name)
        old = [version for version in self.versions(index) if version != name and version < name]
        actions = [
            {"remove": {"index": version, "alias": alias}}
            for version in old
            if self._has_alias(version, alias)
        ]
        actions.append({"add": {"index": name, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        for version in old:
            self.client.indices.delete(index=version, ignore_unavailable=True)
        return name

    def _has_alias(self, name: str, alias: str) -> bool:
        return bool(self.client.indices.exists_alias(name=alias, index=name))

    def document_count(self, model) -> int:
        index = index_for(model)
        self.client.indices.refresh(index=self.alias(index))
        return self.client.count(index=self.alias(index))["count"]

    def stored_documents(self, model, ids: list[str]) -> dict[str, dict]:
        index = index_for(model)
        response = self.client.mget(index=self.alias(index), ids=ids)
        return {doc["_id"]: doc["_source"] for doc in response["docs"] if doc.get("found")}
