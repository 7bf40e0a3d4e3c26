"""Read-only, public vocabulary endpoints: search a type, fetch one term."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from repository.api.serializers import ErrorSerializer
from repository.api.views import page_links
from repository.search import SearchParams
from repository.vocabularies import selectors
from repository.vocabularies.api.serializers import (
    VocabularySearchParamsSerializer,
    VocabularySearchResultSerializer,
    VocabularyTermSerializer,
)

TYPE_PARAMETER = OpenApiParameter(
    "vocabulary_type", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. resourcetypes, languages"
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Unknown vocabulary type or term.")


class VocabularyTermListView(APIView):
    """Search the terms of one vocabulary."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="vocabulary_search",
        parameters=[TYPE_PARAMETER, VocabularySearchParamsSerializer],
        responses={
            200: VocabularySearchResultSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid query parameters."),
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
        paging = SearchParams(q=params.get("q") or "", sort=sort, page=params["page"], size=params["size"])
        result = {
            "hits": {"hits": terms, "total": total},
            "aggregations": {},
            "sortBy": sort,
            "links": page_links(request, paging, total),
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
