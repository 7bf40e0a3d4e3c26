"""REST API of requests, with InvenioRDM's paths and JSON shapes. Views only parse, call, render."""

from __future__ import annotations

from dataclasses import replace

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from repository.api.serializers import ErrorSerializer
from repository.api.views import etag_response, if_match_revision, search_params, search_response
from repository.exceptions import FieldError, ValidationError
from workflows import selectors, services
from workflows.api.serializers import (
    ActionRequestSerializer,
    CommentRequestSerializer,
    EventSerializer,
    ListResponseSerializer,
    RequestSerializer,
    dump_event,
    dump_request,
)
from workflows.models import Request
from workflows.permissions import request_policy
from workflows.registry import cached_parties

ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Request id (a UUID).")
COMMENT_ID = OpenApiParameter("comment_id", str, OpenApiParameter.PATH, description="Comment id.")
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)
PAGING = [OpenApiParameter("page", int), OpenApiParameter("size", int)]
LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Words of the title or description."),
    OpenApiParameter("type", str, many=True, description="Request type(s)."),
    OpenApiParameter("status", str, many=True, description="Status(es)."),
    OpenApiParameter("is_open", bool, description="Only open (submitted) or only closed requests."),
    OpenApiParameter("sort", str, enum=list(selectors.REQUEST_SORTS)),
    *PAGING,
]
# 406: an Accept header that JSON cannot satisfy (DRF's content negotiation)
ERRORS = dict.fromkeys((400, 401, 403, 404, 406, 409, 412, 413, 415), ErrorSerializer)


def comment_content(data: object, *, required: bool) -> object:
    """The ``payload.content`` of a comment body (None when optional and absent)."""
    if data in (None, b"", "") and not required:
        return None
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.")
    payload = data.get("payload")
    if payload is None and not required:
        return None
    if not isinstance(payload, dict) or "content" not in payload:
        raise ValidationError(errors=[FieldError("payload.content", ["Missing data for required field."])])
    if payload.get("format", "html") != "html":
        raise ValidationError(errors=[FieldError("payload.format", ["Must be html."])])
    return payload["content"]


def list_response(request, queryset) -> Response:
    """Filter, facet, sort and page a queryset of requests."""
    params = search_params(request, sort_options=tuple(selectors.REQUEST_SORTS))
    params = replace(params, sort=params.sort or "newest")
    queryset = selectors.filter_requests(queryset, request.query_params)
    total = queryset.count()
    page = queryset.order_by(*selectors.REQUEST_SORTS[params.sort], "number")[
        params.offset : params.offset + params.size
    ]
    with cached_parties():
        hits = [dump_request(obj, request) for obj in page]
    return search_response(request, params, hits, total, selectors.request_aggregations(queryset))


class RequestListView(APIView):
    """Every request the caller may see (admins: all)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="requests_search",
        parameters=LIST_PARAMETERS,
        responses={200: ListResponseSerializer, **ERRORS},
    )
    def get(self, request):
        return list_response(request, request_policy.filter_visible(request.user, Request.objects.all()))


class UserRequestListView(APIView):
    """The requests the caller takes part in (as creator or receiver, also for admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=LIST_PARAMETERS, responses={200: ListResponseSerializer, **ERRORS})
    def get(self, request):
        return list_response(request, selectors.requests_of_parties(request.user, Request.objects.all()))


class RequestDetailView(APIView):
    """One request: read, change title/description, delete while never submitted."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID], responses={200: RequestSerializer, **ERRORS})
    def get(self, request, id):  # noqa: A002
        obj = selectors.request_get(request.user, id)
        return etag_response(dump_request(obj, request), obj.revision_id)

    @extend_schema(
        parameters=[ID, IF_MATCH], request=RequestSerializer, responses={200: RequestSerializer, **ERRORS}
    )
    def put(self, request, id):  # noqa: A002
        obj = services.request_update(
            actor=request.user, request_id=id, data=request.data, revision_id=if_match_revision(request)
        )
        return etag_response(dump_request(obj, request), obj.revision_id)

    @extend_schema(parameters=[ID], responses={204: None, **ERRORS})
    def delete(self, request, id):  # noqa: A002
        services.request_delete(actor=request.user, request_id=id)
        return Response(status=204)


class RequestActionView(APIView):
    """Submit, accept, decline or cancel a request, with an optional comment."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            ID,
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(services.USER_ACTIONS)),
        ],
        request=ActionRequestSerializer,
        responses={200: RequestSerializer, **ERRORS},
    )
    def post(self, request, id, action):  # noqa: A002
        content = comment_content(request.data, required=False)
        obj = services.request_act(actor=request.user, request_id=id, action=action, comment=content)
        return etag_response(dump_request(obj, request), obj.revision_id)


class CommentListView(APIView):
    """Add a comment to a request."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ID], request=CommentRequestSerializer, responses={201: EventSerializer, **ERRORS}
    )
    def post(self, request, id):  # noqa: A002
        content = comment_content(request.data, required=True)
        event = services.comment_create(actor=request.user, request_id=id, content=content)
        return etag_response(dump_event(event, request), event.revision_id, status=201)


class CommentDetailView(APIView):
    """One comment: read, edit, delete (its author)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID, COMMENT_ID], responses={200: EventSerializer, **ERRORS})
    def get(self, request, id, comment_id):  # noqa: A002
        event = selectors.comment_get(request.user, id, comment_id)
        return etag_response(dump_event(event, request), event.revision_id)

    @extend_schema(
        parameters=[ID, COMMENT_ID, IF_MATCH],
        request=CommentRequestSerializer,
        responses={200: EventSerializer, **ERRORS},
    )
    def put(self, request, id, comment_id):  # noqa: A002
        content = comment_content(request.data, required=True)
        event = services.comment_update(
            actor=request.user,
            request_id=id,
            comment_id=comment_id,
            content=content,
            revision_id=if_match_revision(request),
        )
        return etag_response(dump_event(event, request), event.revision_id)

    @extend_schema(parameters=[ID, COMMENT_ID], responses={204: None, **ERRORS})
    def delete(self, request, id, comment_id):  # noqa: A002
        services.comment_delete(actor=request.user, request_id=id, comment_id=comment_id)
        return Response(status=204)


class TimelineView(APIView):
    """A request's comments and log events, oldest first, paginated."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID, *PAGING], responses={200: ListResponseSerializer, **ERRORS})
    def get(self, request, id):  # noqa: A002
        params = search_params(request, sort_options=("oldest",))
        params = replace(params, sort="oldest")
        events = selectors.timeline(request.user, id)
        total = events.count()
        page = events[params.offset : params.offset + params.size]
        return search_response(request, params, [dump_event(e, request) for e in page], total)
