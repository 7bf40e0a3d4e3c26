"""REST API of records, with InvenioRDM's paths and JSON shapes. Views only parse, call, render."""

from __future__ import annotations

from dataclasses import replace

from django.http import HttpResponseRedirect
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from files.selectors import files_by_owner
from records import selectors, services
from records.access.links import SignedInOrSecretLinkReader
from records.api.renderers import ExportNegotiationMixin, export_responses
from records.api.serializers import (
    DeleteRequestSerializer,
    ErrorSerializer,
    RecordSerializer,
    RevisionSerializer,
    SearchResponseSerializer,
    dump_draft,
    dump_record,
)
from records.models import Draft, Record
from records.permissions import record_policy
from records.search_indexes import RECORD_FACETS, vocabulary_references
from repository.api.views import etag_response, if_match_revision, search_params, search_response
from repository.exceptions import FieldError, NotFound, ValidationError
from repository.search import get_backend
from repository.search.database import query_words
from repository.vocabularies.selectors import prefetched_terms

SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q", str, description='Query (Lucene syntax: words, "phrases", AND/OR/NOT, field:value).'
    ),
    OpenApiParameter(
        "sort", str, enum=["bestmatch", "newest", "oldest", "updated-desc", "updated-asc", "version", "title"]
    ),
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("size", int, description="Hits per page (default 25, at most 100)."),
]
ID_PARAMETER = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Record id, e.g. ha4g3-7x208.")
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)
ERRORS = {400: ErrorSerializer, 404: ErrorSerializer, 410: ErrorSerializer, 412: ErrorSerializer}


def _dump_records(records: list[Record], request) -> list[dict]:
    highest = selectors.highest_indexes(request.user, list({r.parent_id for r in records}))
    files = files_by_owner("record", [r.pk for r in records])
    with prefetched_terms(vocabulary_references(records)):
        return [
            dump_record(r, request, highest_index=highest.get(r.parent_id), file_objects=files[r.pk])
            for r in records
        ]


def _dump_drafts(drafts: list[Draft], request) -> list[dict]:
    published = set(Record.objects.filter(pk__in=[d.pk for d in drafts]).values_list("pk", flat=True))
    highest = selectors.highest_indexes(request.user, list({d.parent_id for d in drafts}))
    files = files_by_owner("draft", [d.pk for d in drafts])
    return [
        dump_draft(
            d,
            request,
            is_published=d.pk in published,
            highest_index=highest.get(d.parent_id),
            file_objects=files[d.pk],
        )
        for d in drafts
    ]


def _draft_response(request, draft: Draft, errors=None, status: int = 200) -> Response:
    published = Record.objects.filter(pk=draft.pk).exists()
    highest = selectors.highest_indexes(request.user, [draft.parent_id]).get(draft.parent_id)
    body = dump_draft(draft, request, is_published=published, errors=errors, highest_index=highest)
    return etag_response(body, draft.revision_id, status=status)


def _record_response(request, record: Record, status: int = 200) -> Response:
    highest = selectors.highest_indexes(request.user, [record.parent_id]).get(record.parent_id)
    return etag_response(
        dump_record(record, request, highest_index=highest), record.revision_id, status=status
    )


class RecordListView(ExportNegotiationMixin, APIView):
    """Search published records; create a draft."""

    @extend_schema(
        operation_id="records_search",
        parameters=[
            *SEARCH_PARAMETERS,
            OpenApiParameter("allversions", bool),
            OpenApiParameter("suggest", str, description="Search as you type in titles and creator names."),
            *[OpenApiParameter(name, str, many=True, description="Facet filter.") for name in RECORD_FACETS],
        ],
        responses={**export_responses(SearchResponseSerializer), 400: ErrorSerializer},
    )
    def get(self, request):
        params = search_params(request, facets=RECORD_FACETS)
        queryset = Record.objects.visible_to(request.user).select_related("parent")
        latest_only = request.query_params.get("allversions", "").lower() not in {"1", "true", "yes"}
        if latest_only:
            queryset = queryset.filter(is_latest=True)
        params = replace(
            params, scope=record_policy.read_scope(request.user), latest_only=latest_only, viewer=request.user
        )
        result = get_backend().search_records(queryset, params)
        hits = _dump_records(result.hits, request)
        return search_response(request, params, hits, result.total, result.aggregations)

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(request=RecordSerializer, responses={201: RecordSerializer, 400: ErrorSerializer})
    def post(self, request):
        draft, errors = services.draft_create(actor=request.user, data=request.data)
        return _draft_response(request, draft, errors, status=201)


USER_RECORDS_SORTS = {
    "updated-desc": (lambda obj: obj.updated, True),
    "updated-asc": (lambda obj: obj.updated, False),
    "newest": (lambda obj: obj.created, True),
    "oldest": (lambda obj: obj.created, False),
}


class UserRecordsView(APIView):
    """The caller's drafts and latest published records (default: most recently updated first).

    An edit draft stands in for its published record, as in InvenioRDM's dashboard. A
    depositor's own list is small, so drafts and records are merged and paged here.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            SEARCH_PARAMETERS[0],
            OpenApiParameter("sort", str, enum=list(USER_RECORDS_SORTS)),
            *SEARCH_PARAMETERS[2:],
        ],
        responses={200: SearchResponseSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        params = search_params(request, sort_options=tuple(USER_RECORDS_SORTS))
        params = replace(params, sort=params.sort or "updated-desc")
        drafts, records = selectors.user_records(request.user)
        records = records.filter(is_latest=True)
        words = query_words(params.q)
        if words:
            # Drafts have no search columns: the same words must all occur in the title.
            drafts = [d for d in drafts if all(w in d.title.lower() for w in words)]
            everything = replace(params, page=1, size=10_000, aggregate=False)
            records = get_backend().search_records(records, everything).hits
        draft_ids = {d.pk for d in drafts}
        key, descending = USER_RECORDS_SORTS[params.sort]
        items = sorted([*drafts, *(r for r in records if r.pk not in draft_ids)], key=key, reverse=descending)
        page = items[params.offset : params.offset + params.size]
        hits = [
            *_dump_drafts([o for o in page if isinstance(o, Draft)], request),
            *_dump_records([o for o in page if isinstance(o, Record)], request),
        ]
        order = {obj.pk: position for position, obj in enumerate(page)}
        hits.sort(key=lambda hit: order[hit["id"]])
        return search_response(request, params, hits, len(items))


class RecordDetailView(ExportNegotiationMixin, APIView):
    """A published record."""

    @extend_schema(parameters=[ID_PARAMETER], responses={**export_responses(RecordSerializer), **ERRORS})
    def get(self, request, id):  # noqa: A002 (InvenioRDM's path parameter name)
        return _record_response(request, selectors.record_get(request.user, id))


class DraftView(APIView):
    """A record's draft: read, create from the published record (edit), update, delete."""

    # A secret link (?token=) lets anonymous visitors preview; every other use needs an account.
    permission_classes = [SignedInOrSecretLinkReader]

    @extend_schema(parameters=[ID_PARAMETER], responses={200: RecordSerializer, **ERRORS})
    def get(self, request, id):  # noqa: A002
        return _draft_response(request, selectors.draft_get(request.user, id))

    @extend_schema(parameters=[ID_PARAMETER], request=None, responses={201: RecordSerializer, **ERRORS})
    def post(self, request, id):  # noqa: A002
        record = selectors.record_get(request.user, id)
        draft = services.record_edit(actor=request.user, record_id=record.pk)
        return _draft_response(request, draft, status=201)

    @extend_schema(
        parameters=[ID_PARAMETER, IF_MATCH],
        request=RecordSerializer,
        responses={200: RecordSerializer, **ERRORS},
    )
    def put(self, request, id):  # noqa: A002
        draft = selectors.draft_get(request.user, id)
        draft, errors = services.draft_update(
            actor=request.user, draft_id=draft.pk, data=request.data, revision_id=if_match_revision(request)
        )
        return _draft_response(request, draft, errors)

    @extend_schema(parameters=[ID_PARAMETER, IF_MATCH], responses={204: None, **ERRORS})
    def delete(self, request, id):  # noqa: A002
        draft = selectors.draft_get(request.user, id)
        services.draft_delete(actor=request.user, draft_id=draft.pk, revision_id=if_match_revision(request))
        return Response(status=204)


class PublishView(APIView):
    """Publish a draft."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ID_PARAMETER, IF_MATCH], request=None, responses={202: RecordSerializer, **ERRORS}
    )
    def post(self, request, id):  # noqa: A002
        draft = selectors.draft_get(request.user, id)
        record = services.draft_publish(
            actor=request.user, draft_id=draft.pk, revision_id=if_match_revision(request)
        )
        return _record_response(request, record, status=202)


class VersionsView(APIView):
    """All versions of a record; create the next version's draft."""

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(
        parameters=[ID_PARAMETER, *SEARCH_PARAMETERS[2:]], responses={200: SearchResponseSerializer, **ERRORS}
    )
    def get(self, request, id):  # noqa: A002
        params = search_params(request)
        record = selectors.record_get(request.user, id)
        versions = selectors.versions_of(request.user, record)
        total = versions.count()
        page = list(versions.select_related("parent")[params.offset : params.offset + params.size])
        return search_response(request, params, _dump_records(page, request), total)

    @extend_schema(parameters=[ID_PARAMETER], request=None, responses={201: RecordSerializer, **ERRORS})
    def post(self, request, id):  # noqa: A002
        record = selectors.record_get(request.user, id)
        draft = services.record_new_version(actor=request.user, record_id=record.pk)
        return _draft_response(request, draft, status=201)


class LatestVersionView(APIView):
    """Redirect to the latest published version."""

    @extend_schema(
        parameters=[ID_PARAMETER], responses={302: None, 404: ErrorSerializer, 410: ErrorSerializer}
    )
    def get(self, request, id):  # noqa: A002
        latest = selectors.latest_version(request.user, id)
        return HttpResponseRedirect(request.build_absolute_uri(f"/api/records/{latest.pk}"))


class RevisionListView(APIView):
    """All revisions of a published record (admins)."""

    permission_classes = [IsAuthenticated]

    def _record(self, request, id):  # noqa: A002
        if not record_policy.can(request.user, "read_revisions"):
            raise NotFound()
        return selectors.record_get(request.user, id)

    @extend_schema(parameters=[ID_PARAMETER], responses={200: RevisionSerializer(many=True), **ERRORS})
    def get(self, request, id):  # noqa: A002
        record = self._record(request, id)
        return Response([_dump_revision(r) for r in record.revisions.order_by("revision_id")])


class RevisionDetailView(RevisionListView):
    """One revision of a published record (admins)."""

    @extend_schema(
        parameters=[ID_PARAMETER, OpenApiParameter("revision_id", int, OpenApiParameter.PATH)],
        responses={200: RevisionSerializer, **ERRORS},
    )
    def get(self, request, id, revision_id):  # noqa: A002
        record = self._record(request, id)
        revision = record.revisions.filter(revision_id=revision_id).first()
        if revision is None:
            raise NotFound("Revision not found.")
        return Response(_dump_revision(revision))


def _dump_revision(revision) -> dict:
    return {
        "revision_id": revision.revision_id,
        "action": revision.action,
        "user": str(revision.user_id) if revision.user_id else None,
        "created": revision.created.isoformat(),
        "json": revision.json,
    }


DELETE_SCHEMA = extend_schema(
    parameters=[ID_PARAMETER], request=DeleteRequestSerializer, responses={200: RecordSerializer, **ERRORS}
)


class DeleteView(APIView):
    """Delete a record (admins): it becomes a tombstone."""

    permission_classes = [IsAuthenticated]

    def _delete(self, request, id):  # noqa: A002
        if not record_policy.can(request.user, "delete"):
            raise NotFound()
        data = request.data if isinstance(request.data, dict) else {}
        reason = data.get("removal_reason")
        reason_id = reason.get("id") if isinstance(reason, dict) else reason
        if not isinstance(reason_id, str) or not reason_id:
            raise ValidationError(
                errors=[FieldError("removal_reason.id", ["Missing data for required field."])]
            )
        record = selectors.record_get(request.user, id)
        record = services.record_delete(
            actor=request.user,
            record_id=record.pk,
            removal_reason=reason_id,
            note=str(data.get("note") or ""),
            citation_text=str(data.get("citation_text") or ""),
            is_visible=bool(data.get("is_visible", True)),
        )
        return _record_response(request, record)

    @DELETE_SCHEMA
    def delete(self, request, id):  # noqa: A002
        return self._delete(request, id)

    @DELETE_SCHEMA
    def post(self, request, id):  # noqa: A002 (InvenioRDM's clients POST; DELETE is accepted too)
        return self._delete(request, id)


class RestoreView(APIView):
    """Restore a deleted record (admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID_PARAMETER], request=None, responses={200: RecordSerializer, **ERRORS})
    def post(self, request, id):  # noqa: A002
        if not record_policy.can(request.user, "restore"):
            raise NotFound()
        record = selectors.record_get(request.user, id)
        return _record_response(request, services.record_restore(actor=request.user, record_id=record.pk))
