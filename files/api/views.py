"""Files REST API with InvenioRDM's paths and shapes. Views only parse, call, render."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from files import selectors, services
from files.api.body import direct_body
from files.api.serializers import (
    FileEntrySerializer,
    FileInitSerializer,
    FileListSerializer,
    QuotaSerializer,
    dump_entry,
    dump_file_list,
    files_base,
)
from files.downloads import archive_response, file_response
from files.multipart import multipart_upload_part
from records import selectors as record_selectors
from records.access.links import SignedInOrSecretLinkReader
from repository.api.serializers import ErrorSerializer
from repository.exceptions import NotFound

ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Record id, e.g. ha4g3-7x208.")
KEY = OpenApiParameter("key", str, OpenApiParameter.PATH, description="File name (key) in the record.")
DOWNLOAD = OpenApiParameter("download", bool, description="Force Content-Disposition: attachment.")
ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
    410: ErrorSerializer,
}
BINARY = OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes.")


def _content_length(request) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isdigit() else None


def _body(request) -> tuple[object, int | None, bool]:
    """(stream, length, terminated) of an upload's raw body, read in chunks, never request.body.

    The WSGI input is read directly: with a Content-Length the reader stops at it (no
    LimitedStream wrapper per read), and under gunicorn the socket itself is read into the
    upload's buffers (files/api/body.py); without one (chunked transfer coding) only a server
    that delimits the body (``wsgi.input_terminated``, e.g. gunicorn) lets us read it to its end.
    """
    environ = request._request.environ
    request._request._read_started = True  # a later request.body raises instead of reading the socket again
    length = _content_length(request)
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    terminated = bool(environ.get("wsgi.input_terminated")) and length is None and chunked
    return direct_body(environ, length) or environ["wsgi.input"], length, terminated


def _draft_entry(request, draft_id: str, key: str) -> Response:
    draft, obj = selectors.draft_file(request.user, draft_id, key)
    return _draft_entry_response(request, draft.pk, obj)


def _draft_entry_response(request, draft_id: str, obj) -> Response:
    """A draft file's entry, as GET, PUT content and commit answer it."""
    return Response(dump_entry(obj, files_base(request, draft_id, draft=True), draft=True))


class DraftFilesView(APIView):
    """A draft's files: list, start uploads (init), delete all."""

    permission_classes = [SignedInOrSecretLinkReader]  # a preview link reads the draft's files

    @extend_schema(
        operation_id="draft_files_list", parameters=[ID], responses={200: FileListSerializer, **ERRORS}
    )
    def get(self, request, id):  # noqa: A002 (InvenioRDM's path parameter name)
        draft, objects = selectors.draft_files(request.user, id)
        return Response(dump_file_list(request, draft.pk, draft.json, objects, draft=True))

    @extend_schema(
        parameters=[ID],
        request=FileInitSerializer(many=True),
        responses={201: FileListSerializer, 413: ErrorSerializer, **ERRORS},
    )
    def post(self, request, id):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        services.files_init(actor=request.user, draft_id=draft.pk, entries=request.data)
        draft, objects = selectors.draft_files(request.user, draft.pk)
        return Response(dump_file_list(request, draft.pk, draft.json, objects, draft=True), status=201)

    @extend_schema(operation_id="draft_files_delete_all", parameters=[ID], responses={204: None, **ERRORS})
    def delete(self, request, id):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        services.files_delete_all(actor=request.user, draft_id=draft.pk)
        return Response(status=204)


class DraftFileView(APIView):
    """One file of a draft: read, update its metadata, delete."""

    permission_classes = [SignedInOrSecretLinkReader]  # a preview link reads the draft's files

    @extend_schema(parameters=[ID, KEY], responses={200: FileEntrySerializer, **ERRORS})
    def get(self, request, id, key):  # noqa: A002
        return _draft_entry(request, id, key)

    @extend_schema(
        parameters=[ID, KEY], request=FileEntrySerializer, responses={200: FileEntrySerializer, **ERRORS}
    )
    def put(self, request, id, key):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        data = request.data if isinstance(request.data, dict) else {}
        services.file_update_metadata(
            actor=request.user, draft_id=draft.pk, key=key, metadata=data.get("metadata")
        )
        return _draft_entry(request, draft.pk, key)

    @extend_schema(parameters=[ID, KEY], responses={204: None, **ERRORS})
    def delete(self, request, id, key):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        services.file_delete(actor=request.user, draft_id=draft.pk, key=key)
        return Response(status=204)


class DraftFileContentView(APIView):
    """A draft file's bytes: upload (streamed, hashed while streaming) and download."""

    permission_classes = [SignedInOrSecretLinkReader]  # a preview link reads the draft's files

    @extend_schema(
        parameters=[ID, KEY, DOWNLOAD],
        responses={
            (200, "application/octet-stream"): BINARY,
            (206, "application/octet-stream"): BINARY,
            **ERRORS,
        },
    )
    def get(self, request, id, key):  # noqa: A002
        draft, obj = selectors.draft_file(request.user, id, key)
        if obj.file_id is None:
            raise NotFound(f"File {key!r} has no content yet.")
        return file_response(request, obj)

    @extend_schema(
        parameters=[ID, KEY, OpenApiParameter("Content-MD5", str, OpenApiParameter.HEADER, required=False)],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: FileEntrySerializer, 411: ErrorSerializer, 413: ErrorSerializer, **ERRORS},
    )
    def put(self, request, id, key):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        stream, length, terminated = _body(request)
        obj = services.file_upload_content(
            actor=request.user,
            draft_id=draft.pk,
            key=key,
            stream=stream,
            content_length=length,
            content_md5=request.META.get("HTTP_CONTENT_MD5"),
            terminated=terminated,
        )
        return _draft_entry_response(request, draft.pk, obj)


class DraftFilePartView(APIView):
    """One part of a multipart transfer (any order; sending a part again replaces it)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="draft_file_part_upload",
        parameters=[ID, KEY, OpenApiParameter("part", int, OpenApiParameter.PATH)],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: FileEntrySerializer, 411: ErrorSerializer, 413: ErrorSerializer, **ERRORS},
    )
    def put(self, request, id, key, part):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        multipart_upload_part(
            actor=request.user,
            draft_id=draft.pk,
            key=key,
            part=part,
            stream=request._request,
            content_length=_content_length(request),
        )
        return _draft_entry(request, draft.pk, key)


class DraftFileCommitView(APIView):
    """Complete an upload."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID, KEY], request=None, responses={200: FileEntrySerializer, **ERRORS})
    def post(self, request, id, key):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        obj = services.file_commit(actor=request.user, draft_id=draft.pk, key=key)
        return _draft_entry_response(request, draft.pk, obj)


class FilesImportView(APIView):
    """Link the previous version's files into a new version's draft."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID], request=None, responses={201: FileListSerializer, **ERRORS})
    def post(self, request, id):  # noqa: A002
        draft = record_selectors.draft_get(request.user, id)
        services.files_import(actor=request.user, draft_id=draft.pk)
        draft, objects = selectors.draft_files(request.user, draft.pk)
        return Response(dump_file_list(request, draft.pk, draft.json, objects, draft=True), status=201)


class RecordFilesView(APIView):
    """A published record's files."""

    @extend_schema(
        operation_id="record_files_list", parameters=[ID], responses={200: FileListSerializer, **ERRORS}
    )
    def get(self, request, id):  # noqa: A002
        record, objects = selectors.record_files(request.user, id)
        return Response(dump_file_list(request, record.pk, record.json, objects, draft=False))


class RecordFileView(APIView):
    """One file of a published record."""

    @extend_schema(parameters=[ID, KEY], responses={200: FileEntrySerializer, **ERRORS})
    def get(self, request, id, key):  # noqa: A002
        record, obj = selectors.record_file(request.user, id, key)
        return Response(dump_entry(obj, files_base(request, record.pk, draft=False), draft=False))


class RecordFileContentView(APIView):
    """A published file's bytes (Range, If-None-Match, ?download=1)."""

    @extend_schema(
        parameters=[ID, KEY, DOWNLOAD],
        responses={
            (200, "application/octet-stream"): BINARY,
            (206, "application/octet-stream"): BINARY,
            (304, "application/octet-stream"): None,
            (416, "text/plain"): None,
            **ERRORS,
        },
    )
    def get(self, request, id, key):  # noqa: A002
        record, obj = selectors.record_file(request.user, id, key)
        return file_response(request, obj)


class RecordFilesArchiveView(APIView):
    """All files of a published record as one ZIP, streamed."""

    @extend_schema(
        parameters=[ID],
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS},
    )
    def get(self, request, id):  # noqa: A002
        record, objects = selectors.record_files(request.user, id)
        return archive_response(record.pk, objects)


class RecordQuotaView(APIView):
    """Set a record's file quota (admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID], request=QuotaSerializer, responses={200: QuotaSerializer, **ERRORS})
    def post(self, request, id):  # noqa: A002
        data = request.data if isinstance(request.data, dict) else {}
        try:
            record_id = record_selectors.draft_get(request.user, id).pk
        except NotFound:
            record_id = record_selectors.record_get(request.user, id).pk
        quota = services.record_quota_set(
            actor=request.user,
            record_id=record_id,
            quota_size=data.get("quota_size"),
            max_file_size=data.get("max_file_size"),
            notes=data.get("notes", ""),
        )
        return Response(
            {"quota_size": quota.quota_size, "max_file_size": quota.max_file_size, "notes": quota.notes}
        )


class UserQuotaView(APIView):
    """Set the file quota of a user's records (admins)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="User id.")],
        request=QuotaSerializer,
        responses={200: QuotaSerializer, **ERRORS},
    )
    def post(self, request, id):  # noqa: A002
        data = request.data if isinstance(request.data, dict) else {}
        quota = services.user_quota_set(
            actor=request.user,
            user_id=id,
            quota_size=data.get("quota_size"),
            max_file_size=data.get("max_file_size"),
            notes=data.get("notes", ""),
        )
        return Response(
            {"quota_size": quota.quota_size, "max_file_size": quota.max_file_size, "notes": quota.notes}
        )
