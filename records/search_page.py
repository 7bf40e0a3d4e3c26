"""The facet sidebar of the search page: buckets with counts and links that add or remove a filter."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

from repository.search.facets import NESTED_SEPARATOR


def _toggle_url(request: HttpRequest, name: str, value: str) -> str:
    """The current search with NAME=VALUE added (or removed when selected), back on page 1."""
    query: QueryDict = request.GET.copy()
    values = query.getlist(name)
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    query.setlist(name, values)
    query.pop("page", None)
    return f"?{query.urlencode()}"


def facet_sidebar(request: HttpRequest, aggregations: dict) -> list[dict]:
    """Facets with at least one bucket, each bucket with its ``url`` (inner buckets too)."""
    facets = []
    for name, aggregation in aggregations.items():
        buckets = []
        for bucket in aggregation["buckets"]:
            inner = [
                {
                    **child,
                    "url": _toggle_url(request, name, f"{bucket['key']}{NESTED_SEPARATOR}{child['key']}"),
                }
                for child in bucket.get("inner", {}).get("buckets", [])
            ]
            buckets.append({**bucket, "url": _toggle_url(request, name, bucket["key"]), "children": inner})
        if buckets:
            facets.append({"name": name, "label": aggregation["label"], "buckets": buckets})
    return facets
