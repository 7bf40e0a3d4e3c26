"""The Elasticsearch search request for a query tree and search parameters: pure functions, no client."""

from __future__ import annotations

from repository.search.base import SearchParams
from repository.search.facets import wanted_facets
from repository.search.query import nodes
from repository.search.query.elasticsearch import to_elasticsearch
from repository.search.spec import SearchIndex

#: buckets fetched for nested facets (every type and subtype)
NESTED_FACET_SIZE = 500


def scope_filter(scope) -> dict | None:
    """Records readable by a caller with SCOPE: public ones, or those listing one of its principals."""
    if scope.everything:
        return None
    should: list[dict] = [{"term": {"public": True}}]
    if scope.principals:
        should.append({"terms": {"readers": sorted(scope.principals)}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def facet_post_filter(index: SearchIndex, selected: dict[str, list[str]]) -> dict | None:
    """Facet selections: values of one facet OR'ed, facets AND'ed; applied after the aggregations."""
    clauses = [
        {"terms": {index.facet(name).document_field: sorted(set(values))}}
        for name, values in selected.items()
    ]
    return {"bool": {"filter": clauses}} if clauses else None


def aggregations_request(index: SearchIndex, names: tuple[str, ...] | None = None) -> dict:
    aggs = {}
    for facet in wanted_facets(index, names):
        terms: dict = {
            "field": facet.document_field,
            "size": NESTED_FACET_SIZE if facet.nested or facet.restrict else facet.size,
        }
        if facet.order_by_key:
            terms["order"] = {"_key": "desc"}
        aggs[facet.name] = {"terms": terms}
    return aggs


def search_body(
    index: SearchIndex,
    tree: nodes.Node,
    params: SearchParams,
    *,
    selected: dict[str, list[str]],
    base_filters: list[dict],
    max_window: int,
) -> dict:
    """Keyword arguments of ``Elasticsearch.search`` for one page of results."""
    filters = list(base_filters)
    if params.latest_only:
        filters.append({"term": {"is_latest": True}})
    access = scope_filter(params.scope)
    if access is not None:
        filters.append(access)
    query = {
        "bool": {"must": [to_elasticsearch(tree, index.fields, index.default_es_fields)], "filter": filters}
    }
    body: dict = {
        "query": query,
        "sort": list(index.es_sorts[params.effective_sort]),
        "from_": params.offset,
        "size": params.size,
        "track_total_hits": max_window,
        "source": False,
    }
    post_filter = facet_post_filter(index, selected)
    if post_filter is not None:
        body["post_filter"] = post_filter
    if params.aggregate and wanted_facets(index, params.facets):
        body["aggs"] = aggregations_request(index, params.facets)
    return body


def facet_counts(response_aggregations: dict) -> dict[str, list[tuple[str, int]]]:
    """(key, doc_count) per facet from an Elasticsearch response."""
    return {
        name: [(str(bucket["key"]), bucket["doc_count"]) for bucket in aggregation.get("buckets", [])]
        for name, aggregation in response_aggregations.items()
    }
