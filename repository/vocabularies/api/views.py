"""Read-only, public vocabulary endpoints: search a type, fetch one term."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from repository.vocabularies import selectors
from repository.vocabularies.api.serializers import (
    VocabularyErrorSerializer,
    VocabularySearchParamsSerializer,
    VocabularySearchResultSerializer,
    VocabularyTermSerializer,
)

TYPE_PARAMETER = OpenApiParameter(
    "vocabulary_type", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. resourcetypes, languages"
)
NOT_FOUND = OpenApiResponse(VocabularyErrorSerializer, description="Unknown vocabulary type or term.")


def _search_links(request: Request, params: dict, sort: str, total: int) -> dict:
    base = request.build_absolute_uri(request.path)
    query = {name: params[name] for name in ("q", "suggest") if params.get(name)}

    def link(page: int) -> str:
        return f"{base}?{urlencode({**query, 'sort': sort, 'page': page, 'size': params['size']})}"

    page, size = params["page"], params["size"]
    links = {"self": link(page)}
    if page > 1:
        links["prev"] = link(page - 1)
    if page * size < total and (page + 1) * size <= settings.SEARCH_MAX_RESULT_WINDOW:
        links["next"] = link(page + 1)
    return links


class VocabularyTermListView(APIView):
    """Search the terms of one vocabulary."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="vocabulary_search",
        parameters=[TYPE_PARAMETER, VocabularySearchParamsSerializer],
        responses={
            200: VocabularySearchResultSerializer,
            400: OpenApiResponse(VocabularyErrorSerializer, description="Invalid query parameters."),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, vocabulary_type: str) -> Response:
        params_serializer = VocabularySearchParamsSerializer(data=request.query_params)
        params_serializer.is_valid(raise_exception=True)
        params = params_serializer.validated_data
        terms, total = selectors.search_terms(
            vocabulary_type,
            q=params.get("q"),
            suggest=params.get("suggest"),
            page=params["page"],
            size=params["size"],
            sort=params.get("sort"),
        )
        sort = selectors.effective_sort(params.get("sort"), q=params.get("q"), suggest=params.get("suggest"))
        result = {
            "hits": {"hits": terms, "total": total},
            "aggregations": {},
            "sortBy": sort,
            "links": _search_links(request, params, sort, total),
        }
        return Response(VocabularySearchResultSerializer(result, context={"request": request}).data)


class VocabularyTermDetailView(APIView):
    """One term of a vocabulary."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="vocabulary_term_read",
        parameters=[TYPE_PARAMETER, OpenApiParameter("term_id", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: VocabularyTermSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, vocabulary_type: str, term_id: str) -> Response:
        term = selectors.term_retrieve(vocabulary_type, term_id)
        return Response(VocabularyTermSerializer(term, context={"request": request}).data)
