"""REST API of communities and of records' communities, with InvenioRDM's paths and shapes.

Views only parse, call a service or selector, and render.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Count
from django.http import FileResponse, HttpResponsePermanentRedirect
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from communities import selectors, services
from communities.api.serializers import (
    BulkResultSerializer,
    CommunitiesChangeSerializer,
    CommunitySerializer,
    DeleteSerializer,
    FeaturedSerializer,
    MembersChangeSerializer,
    MessageSerializer,
    RecordsChangeSerializer,
    RenameSerializer,
    ReviewSerializer,
    dump_community,
    dump_member,
    dump_public_member,
)
from communities.models import Community, CommunityRecord, FeaturedCommunity, Membership
from communities.permissions import community_policy, memberships_of
from communities.search_fields import COMMUNITY_SEARCH
from communities.services import members as member_services
from communities.services import records as record_services
from records import selectors as record_selectors
from records.models import Record
from records.permissions import record_policy
from records.search_indexes import RECORD_FACETS
from repository.api.serializers import ErrorSerializer
from repository.api.views import etag_response, if_match_revision, search_params, search_response
from repository.exceptions import FieldError, NotFound, PermissionDenied, ValidationError
from repository.search import get_backend
from workflows.api.serializers import ListResponseSerializer, RequestSerializer, dump_request
from workflows.api.views import comment_content, list_response
from workflows.models import Request
from workflows.permissions import request_policy

ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Community id or slug.")
RECORD_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Record id.")
FEATURED_ID = OpenApiParameter("featured_id", str, OpenApiParameter.PATH)
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)
PAGING = [OpenApiParameter("page", int), OpenApiParameter("size", int)]
#: the filters of request lists (type, status, is_open) and paging
REQUEST_FILTERS = [
    OpenApiParameter("type", str, many=True),
    OpenApiParameter("status", str, many=True),
    OpenApiParameter("is_open", bool),
    *PAGING,
]
COMMUNITY_SORTS = {
    "newest": ("-created",),
    "oldest": ("created",),
    "updated-desc": ("-updated",),
    "updated-asc": ("updated",),
    "title": ("title",),
}
LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Words of the title, slug or description."),
    OpenApiParameter("type", str, many=True, description="Community type(s)."),
    OpenApiParameter("visibility", str, enum=["public", "restricted"]),
    OpenApiParameter("sort", str, enum=list(COMMUNITY_SORTS)),
    *PAGING,
]
# 406: an Accept header that JSON cannot satisfy (DRF's content negotiation)
ERRORS = dict.fromkeys((400, 401, 403, 404, 406, 409, 410, 412, 413, 415), ErrorSerializer)


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationError("The request body must be a JSON object.")
    return request.data


def _community_response(request, community: Community, status: int = 200) -> Response:
    return etag_response(dump_community(community, request), community.revision_id, status=status)


def _lookup(request, id_or_slug: str) -> Community:
    return selectors.community_get(request.user, id_or_slug)


def community_list_response(request, queryset) -> Response:
    """Filter, facet, sort and page communities."""
    params = search_params(request, sort_options=tuple(COMMUNITY_SORTS))
    params = replace(params, sort=params.sort or "newest")
    types = request.query_params.getlist("type")
    if types:
        queryset = queryset.filter(metadata__type__id__in=types)
    visibility = request.query_params.get("visibility")
    if visibility:
        if visibility not in ("public", "restricted"):
            raise ValidationError(errors=[FieldError("visibility", ["Must be public or restricted."])])
        queryset = queryset.filter(visibility=visibility)
    queryset = COMMUNITY_SEARCH.filter(queryset, params.q)
    total = queryset.count()
    page = queryset.order_by(*COMMUNITY_SORTS[params.sort], "slug")[
        params.offset : params.offset + params.size
    ]
    aggregations = {
        "visibility": {
            "buckets": [
                {"key": row["visibility"], "doc_count": row["n"], "label": row["visibility"]}
                for row in queryset.order_by()
                .values("visibility")
                .annotate(n=Count("pk"))
                .order_by("-n", "visibility")
            ]
        },
        "type": {
            "buckets": [
                {"key": row["kind"] or "", "doc_count": row["n"], "label": row["kind"] or ""}
                for row in queryset.order_by()
                .values(kind=_json_text("metadata__type__id"))
                .annotate(n=Count("pk"))
                .order_by("-n", "kind")
                if row["kind"]
            ]
        },
    }
    hits = [dump_community(c, request) for c in page]
    return search_response(request, params, hits, total, aggregations)


def _json_text(path: str):
    from django.db.models.fields.json import KT

    return KT(path)


class CommunityListView(APIView):
    """Search communities; create one."""

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="communities_search",
        parameters=LIST_PARAMETERS,
        responses={200: ListResponseSerializer, **ERRORS},
    )
    def get(self, request):
        return community_list_response(
            request, community_policy.filter_visible(request.user, Community.objects.all())
        )

    @extend_schema(request=CommunitySerializer, responses={201: CommunitySerializer, **ERRORS})
    def post(self, request):
        community = services.community_create(actor=request.user, data=_body(request))
        return _community_response(request, community, status=201)


class UserCommunitiesView(APIView):
    """The communities the caller is a member of."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=LIST_PARAMETERS, responses={200: ListResponseSerializer, **ERRORS})
    def get(self, request):
        mine = Community.objects.filter(
            is_deleted=False, pk__in=memberships_of(request.user).values("community_id")
        )
        return community_list_response(request, mine)


class FeaturedListView(APIView):
    """Communities featured now."""

    @extend_schema(
        operation_id="communities_featured_list",
        parameters=PAGING,
        responses={200: ListResponseSerializer, **ERRORS},
    )
    def get(self, request):
        params = search_params(request, sort_options=("newest",))
        params = replace(params, sort="newest")
        queryset = selectors.featured_communities(request.user)
        total = queryset.count()
        page = queryset.order_by("-created")[params.offset : params.offset + params.size]
        return search_response(request, params, [dump_community(c, request) for c in page], total)


class CommunityDetailView(APIView):
    """A community: read (old slugs redirect), update, delete."""

    def get_permissions(self):
        return [] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(parameters=[ID], responses={200: CommunitySerializer, 301: None, **ERRORS})
    def get(self, request, id):  # noqa: A002
        found = selectors.community_lookup(request.user, id)
        if found.moved:
            return HttpResponsePermanentRedirect(
                request.build_absolute_uri(f"/api/communities/{found.community.slug}")
            )
        return _community_response(request, found.community)

    @extend_schema(
        parameters=[ID, IF_MATCH], request=CommunitySerializer, responses={200: CommunitySerializer, **ERRORS}
    )
    def put(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        community = services.community_update(
            actor=request.user,
            community_id=community.pk,
            data=_body(request),
            revision_id=if_match_revision(request),
        )
        return _community_response(request, community)

    @extend_schema(parameters=[ID], request=DeleteSerializer, responses={204: None, **ERRORS})
    def delete(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        data = request.data if isinstance(request.data, dict) else {}
        services.community_delete(actor=request.user, community_id=community.pk, note=data.get("note", ""))
        return Response(status=204)


class RenameView(APIView):
    """Give a community a new slug (owners)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID], request=RenameSerializer, responses={200: CommunitySerializer, **ERRORS})
    def post(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        community = services.community_rename(
            actor=request.user, community_id=community.pk, slug=_body(request).get("slug")
        )
        return _community_response(request, community)


class RestoreView(APIView):
    """Restore a deleted community (owners, admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID], request=None, responses={200: CommunitySerializer, **ERRORS})
    def post(self, request, id):  # noqa: A002
        found = selectors.community_find(id)
        if found is None:
            raise NotFound("Community not found.")
        community = services.community_restore(actor=request.user, community_id=found.community.pk)
        return _community_response(request, community)


class ImageParser(BaseParser):
    """The raw body of a logo upload (validated as an image by the service)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class LogoView(APIView):
    """A community's logo: served only as a validated raster image, with nosniff."""

    parser_classes = [ImageParser]

    def get_permissions(self):
        return [] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(parameters=[ID], responses={(200, "image/png"): bytes, **ERRORS})
    def get(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        if not community.logo:
            raise NotFound("The community has no logo.")
        try:
            handle = community.logo.open("rb")
        except FileNotFoundError as exc:
            raise NotFound("The community has no logo.") from exc
        response = FileResponse(handle, content_type=community.logo_content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        # a restricted community's logo must not be kept by shared caches for other visitors
        public = community.visibility == "public"
        response["Cache-Control"] = f"{'public' if public else 'private'}, max-age=300"
        return response

    @extend_schema(
        parameters=[ID],
        request={"application/octet-stream": bytes},
        responses={200: CommunitySerializer, **ERRORS},
    )
    def put(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        content = request.data if isinstance(request.data, bytes) else b""
        community = services.community_logo_set(
            actor=request.user, community_id=community.pk, content=content
        )
        return _community_response(request, community)

    @extend_schema(parameters=[ID], responses={204: None, **ERRORS})
    def delete(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        services.community_logo_delete(actor=request.user, community_id=community.pk)
        return Response(status=204)


def _dump_featured(entry: FeaturedCommunity) -> dict:
    return {"id": entry.pk, "start_date": entry.start_date.isoformat()}


class FeaturedBase(APIView):
    """Featured entries are managed by admins."""

    permission_classes = [IsAuthenticated]

    def _community(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        if not community_policy.can(request.user, "feature", community):
            raise PermissionDenied()
        return community


class CommunityFeaturedView(FeaturedBase):
    """A community's featured entries (admins)."""

    @extend_schema(
        operation_id="community_featured_list",
        parameters=[ID],
        responses={200: ListResponseSerializer, **ERRORS},
    )
    def get(self, request, id):  # noqa: A002
        community = self._community(request, id)
        entries = [_dump_featured(e) for e in community.featured.all()]
        return Response({"hits": {"hits": entries, "total": len(entries)}, "aggregations": {}, "links": {}})

    @extend_schema(parameters=[ID], request=FeaturedSerializer, responses={201: FeaturedSerializer, **ERRORS})
    def post(self, request, id):  # noqa: A002
        community = self._community(request, id)
        entry = services.featured_create(
            actor=request.user, community_id=community.pk, start_date=_body(request).get("start_date")
        )
        return Response(_dump_featured(entry), status=201)


class CommunityFeaturedDetailView(FeaturedBase):
    """One featured entry (admins)."""

    @extend_schema(
        parameters=[ID, FEATURED_ID],
        request=FeaturedSerializer,
        responses={200: FeaturedSerializer, **ERRORS},
    )
    def put(self, request, id, featured_id):  # noqa: A002
        community = self._community(request, id)
        entry = services.featured_update(
            actor=request.user,
            community_id=community.pk,
            featured_id=featured_id,
            start_date=_body(request).get("start_date"),
        )
        return Response(_dump_featured(entry))

    @extend_schema(parameters=[ID, FEATURED_ID], responses={204: None, **ERRORS})
    def delete(self, request, id, featured_id):  # noqa: A002
        community = self._community(request, id)
        services.featured_delete(actor=request.user, community_id=community.pk, featured_id=featured_id)
        return Response(status=204)


#: the record facets a community's record search offers (all but the community itself)
COMMUNITY_RECORD_FACETS = tuple(name for name in RECORD_FACETS if name != "community")


class CommunityRecordsView(APIView):
    """Search the records of a community; remove records in bulk (curators+)."""

    def get_permissions(self):
        return [] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        parameters=[
            ID,
            OpenApiParameter("q", str),
            OpenApiParameter("sort", str),
            *[
                OpenApiParameter(name, str, many=True, description="Facet filter.")
                for name in COMMUNITY_RECORD_FACETS
            ],
            *PAGING,
        ],
        responses={200: ListResponseSerializer, **ERRORS},
    )
    def get(self, request, id):  # noqa: A002
        from records.api.views import _dump_records

        community = _lookup(request, id)
        params = search_params(request, facets=COMMUNITY_RECORD_FACETS)
        params = replace(
            params,
            within=(("community", str(community.pk)),),
            facets=COMMUNITY_RECORD_FACETS,
            scope=record_policy.read_scope(request.user),
            latest_only=True,
            viewer=request.user,
        )
        queryset = Record.objects.visible_to(request.user).filter(is_latest=True)
        result = get_backend().search_records(queryset.select_related("parent"), params)
        hits = _dump_records(result.hits, request)
        return search_response(request, params, hits, result.total, result.aggregations)

    @extend_schema(
        parameters=[ID], request=RecordsChangeSerializer, responses={200: BulkResultSerializer, **ERRORS}
    )
    def delete(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        result = services.community_records_remove(
            actor=request.user, community_id=community.pk, data=_body(request)
        )
        return Response(result)


def _members_queryset(community: Community):
    return (
        Membership.objects.filter(community=community)
        .select_related("user", "group")
        .order_by("created", "id")
    )


class MembersView(APIView):
    """Members of a community: list (members see hidden ones), add groups, change, remove or leave."""

    def get_permissions(self):
        return [] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(parameters=[ID, *PAGING], responses={200: ListResponseSerializer, **ERRORS})
    def get(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        if not community_policy.can(request.user, "read_members", community):
            raise PermissionDenied("Not allowed to see the members.")
        queryset = _members_queryset(community)
        if not community_policy.can(request.user, "read_hidden_members", community):
            queryset = queryset.filter(visible=True)
        can_manage = community_policy.can(request.user, "manage_members", community)
        return _paged(request, queryset, lambda m: dump_member(m, request, can_manage=can_manage))

    @extend_schema(parameters=[ID], request=MembersChangeSerializer, responses={204: None, **ERRORS})
    def post(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        data = _body(request)
        services.member_add_groups(
            actor=request.user,
            community_id=community.pk,
            members=data.get("members"),
            role=data.get("role"),
            visible=data.get("visible", True),
        )
        return Response(status=204)

    @extend_schema(parameters=[ID], request=MembersChangeSerializer, responses={204: None, **ERRORS})
    def put(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        data = _body(request)
        services.member_update(
            actor=request.user,
            community_id=community.pk,
            members=data.get("members"),
            role=data.get("role"),
            visible=data.get("visible"),
        )
        return Response(status=204)

    @extend_schema(parameters=[ID], request=MembersChangeSerializer, responses={204: None, **ERRORS})
    def delete(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        members = _body(request).get("members")
        pairs = member_services.clean_members(members)
        if pairs == [("user", str(request.user.pk))]:
            services.member_leave(actor=request.user, community_id=community.pk)
        else:
            services.member_remove(actor=request.user, community_id=community.pk, members=members)
        return Response(status=204)


def _paged(request, queryset, dump) -> Response:
    params = search_params(request, sort_options=("oldest",))
    params = replace(params, sort="oldest")
    total = queryset.count()
    page = queryset[params.offset : params.offset + params.size]
    return search_response(request, params, [dump(obj) for obj in page], total)


class PublicMembersView(APIView):
    """The visible members of a community, for whoever may see its members."""

    @extend_schema(parameters=[ID, *PAGING], responses={200: ListResponseSerializer, **ERRORS})
    def get(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        if not community_policy.can(request.user, "read_members", community):
            raise PermissionDenied("Not allowed to see the members.")
        return _paged(request, _members_queryset(community).filter(visible=True), dump_public_member)


class InvitationsView(APIView):
    """A community's invitations (managers+): list, invite users, change the offered role."""

    permission_classes = [IsAuthenticated]

    def _community(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        community_policy.require(request.user, "manage_members", community)
        return community

    @extend_schema(
        parameters=[
            ID,
            OpenApiParameter("status", str, many=True),
            OpenApiParameter("is_open", bool),
            *PAGING,
        ],
        responses={200: ListResponseSerializer, **ERRORS},
    )
    def get(self, request, id):  # noqa: A002
        community = self._community(request, id)
        queryset = Request.objects.filter(
            type=member_services.INVITATION_TYPE, created_by_type="community", created_by_id=str(community.pk)
        )
        return list_response(request, queryset)

    @extend_schema(parameters=[ID], request=MembersChangeSerializer, responses={204: None, **ERRORS})
    def post(self, request, id):  # noqa: A002
        community = self._community(request, id)
        data = _body(request)
        services.invitation_create(
            actor=request.user,
            community_id=community.pk,
            members=data.get("members"),
            role=data.get("role"),
            message=data.get("message"),
            visible=data.get("visible", True),
        )
        return Response(status=204)

    @extend_schema(parameters=[ID], request=MembersChangeSerializer, responses={204: None, **ERRORS})
    def put(self, request, id):  # noqa: A002
        community = self._community(request, id)
        data = _body(request)
        member_services.invitation_update(
            actor=request.user, community_id=community.pk, members=data.get("members"), role=data.get("role")
        )
        return Response(status=204)


class MembershipRequestsView(APIView):
    """Ask to join a community whose member policy is open."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID], request=MessageSerializer, responses={201: RequestSerializer, **ERRORS})
    def post(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        data = request.data if isinstance(request.data, dict) else {}
        created = services.membership_request_create(
            actor=request.user, community_id=community.pk, message=data.get("message")
        )
        return Response(dump_request(created, request), status=201)


class CommunityRequestsView(APIView):
    """Requests received by a community (its curators+): submissions, inclusions, membership requests."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ID, *REQUEST_FILTERS],
        responses={200: ListResponseSerializer, **ERRORS},
    )
    def get(self, request, id):  # noqa: A002
        community = _lookup(request, id)
        community_policy.require(request.user, "curate", community)
        queryset = Request.objects.filter(receiver_type="community", receiver_id=str(community.pk))
        return list_response(request, queryset)


# --- records' communities and reviews ------------------------------------------------


class ReviewView(APIView):
    """The review request of a new draft: read, choose the community, remove."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[RECORD_ID], responses={200: RequestSerializer, **ERRORS})
    def get(self, request, id):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        review = record_services.review_of(draft.pk)
        if review is None or not request_policy.can(request.user, "read", review):
            raise NotFound("The draft has no review.")
        return etag_response(dump_request(review, request), review.revision_id)

    @extend_schema(
        parameters=[RECORD_ID], request=ReviewSerializer, responses={200: RequestSerializer, **ERRORS}
    )
    def put(self, request, id):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        review = services.review_create_or_update(actor=request.user, draft_id=draft.pk, data=request.data)
        return etag_response(dump_request(review, request), review.revision_id)

    @extend_schema(parameters=[RECORD_ID], responses={204: None, **ERRORS})
    def delete(self, request, id):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        services.review_delete(actor=request.user, draft_id=draft.pk)
        return Response(status=204)


class SubmitReviewView(APIView):
    """Submit a draft for review (accepted at once where the community lets the submitter publish)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[RECORD_ID], request=MessageSerializer, responses={202: RequestSerializer, **ERRORS}
    )
    def post(self, request, id):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        content = comment_content(request.data, required=False)
        review = services.review_submit(actor=request.user, draft_id=draft.pk, comment=content)
        return etag_response(dump_request(review, request), review.revision_id, status=202)


class RecordCommunitiesView(APIView):
    """A record's communities: list, ask to be included, remove."""

    def get_permissions(self):
        return [] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(parameters=[RECORD_ID, *PAGING], responses={200: ListResponseSerializer, **ERRORS})
    def get(self, request, id):  # noqa: A002
        record = record_selectors.record_get(request.user, id)
        links = CommunityRecord.objects.filter(parent_id=record.parent_id)
        queryset = community_policy.filter_visible(
            request.user, Community.objects.filter(record_links__in=links)
        )
        default_ids = set(links.filter(is_default=True).values_list("community_id", flat=True))
        params = search_params(request, sort_options=("oldest",))
        params = replace(params, sort="oldest")
        total = queryset.count()
        page = queryset.order_by("record_links__created", "slug")[params.offset : params.offset + params.size]
        hits = [{**dump_community(c, request), "is_default": c.pk in default_ids} for c in page]
        return search_response(request, params, hits, total)

    @extend_schema(
        parameters=[RECORD_ID],
        request=CommunitiesChangeSerializer,
        responses={200: BulkResultSerializer, **ERRORS},
    )
    def post(self, request, id):  # noqa: A002
        record = record_selectors.record_get(request.user, id)
        data = _body(request)
        comment = comment_content(data, required=False)
        result = services.record_communities_add(
            actor=request.user, record_id=record.pk, data=data, comment=comment
        )
        result["processed"] = [
            {**item, "request": dump_request(item["request"], request)} for item in result["processed"]
        ]
        return Response(result)

    @extend_schema(
        parameters=[RECORD_ID],
        request=CommunitiesChangeSerializer,
        responses={200: BulkResultSerializer, **ERRORS},
    )
    def delete(self, request, id):  # noqa: A002
        record = record_selectors.record_get(request.user, id)
        return Response(
            services.record_communities_remove(actor=request.user, record_id=record.pk, data=_body(request))
        )


class RecordRequestsView(APIView):
    """The requests about a record (any version) that the caller may see."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[RECORD_ID, *REQUEST_FILTERS],
        responses={200: ListResponseSerializer, **ERRORS},
    )
    def get(self, request, id):  # noqa: A002
        record = record_selectors.record_get(request.user, id)
        version_ids = list(Record.objects.filter(parent_id=record.parent_id).values_list("pk", flat=True))
        queryset = request_policy.filter_visible(
            request.user, Request.objects.filter(topic_type="record", topic_id__in=version_ids)
        )
        return list_response(request, queryset)
