"""Shared API plumbing: ETag / If-Match, search parameters and paging links."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.conf import settings
from rest_framework.response import Response

from repository.exceptions import FieldError, PreconditionFailed, ValidationError
from repository.search import SearchParams
from repository.search.base import SORT_OPTIONS


def etag_response(body: dict, revision_id: int, status: int = 200) -> Response:
    """A response carrying ``ETag: "<revision_id>"`` (InvenioRDM's convention)."""
    response = Response(body, status=status)
    response["ETag"] = f'"{revision_id}"'
    return response


def if_match_revision(request) -> int | None:
    """The revision id the client based its change on (If-Match), or None when not sent."""
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError as exc:
        raise PreconditionFailed(
            f"If-Match must be a revision ETag such as '\"3\"', got {header!r}."
        ) from exc


def _int_param(request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationError(errors=[FieldError(name, [f"Not a valid integer: {raw!r}."])]) from exc
    if value < 1:
        raise ValidationError(errors=[FieldError(name, ["Must be greater than or equal to 1."])])
    return value


def search_params(request, *, sort_options=SORT_OPTIONS, facets: Iterable[str] = ()) -> SearchParams:
    """Parse q, suggest, sort, page, size and the FACETS' filters; 400 with the field when out of range."""
    page = _int_param(request, "page", 1)
    size = _int_param(request, "size", settings.SEARCH_DEFAULT_PAGE_SIZE)
    errors = []
    if size > settings.SEARCH_MAX_PAGE_SIZE:
        errors.append(FieldError("size", [f"Must be at most {settings.SEARCH_MAX_PAGE_SIZE}."]))
    if page * size > settings.SEARCH_MAX_RESULT_WINDOW:
        errors.append(
            FieldError(
                "page",
                [f"page * size must not exceed {settings.SEARCH_MAX_RESULT_WINDOW}; refine the query."],
            )
        )
    sort = request.query_params.get("sort", "")
    if sort and sort not in sort_options:
        errors.append(FieldError("sort", [f"Must be one of: {', '.join(sort_options)}."]))
    if errors:
        raise ValidationError(errors=errors)
    filters = tuple(
        (name, value) for name in facets for value in request.query_params.getlist(name) if value.strip()
    )
    return SearchParams(
        q=request.query_params.get("q", ""),
        sort=sort,
        page=page,
        size=size,
        filters=filters,
        suggest=request.query_params.get("suggest", ""),
    )


def page_links(request, params: SearchParams, total: int) -> dict:
    """self, prev and next links of a search page, keeping the other query parameters."""
    base = request.build_absolute_uri(request.path)
    query = [
        (k, v)
        for k, values in request.query_params.lists()
        if k not in {"page", "size", "sort"}
        for v in values
    ]

    def link(page: int) -> str:
        paging = [("sort", params.effective_sort), ("page", page), ("size", params.size)]
        return f"{base}?{urlencode(query + paging)}"

    links = {"self": link(params.page)}
    if params.page > 1:
        links["prev"] = link(params.page - 1)
    if (
        params.page * params.size < total
        and (params.page + 1) * params.size <= settings.SEARCH_MAX_RESULT_WINDOW
    ):
        links["next"] = link(params.page + 1)
    return links


def search_response(
    request, params: SearchParams, hits: list[dict], total: int, aggregations=None
) -> Response:
    """InvenioRDM's search response shape."""
    return Response(
        {
            "hits": {"hits": hits, "total": total},
            "aggregations": aggregations or {},
            "sortBy": params.effective_sort,
            "links": page_links(request, params, total),
        }
    )
