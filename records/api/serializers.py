"""JSON representations of records and drafts, in InvenioRDM's shapes.

Reading is done by dump functions (the shape is fixed by InvenioRDM, not by our
models); writing goes through services, so there are no writable serializers.
The serializer classes below only describe the shapes for the OpenAPI document.
"""

from __future__ import annotations

import copy

from django.urls import reverse
from rest_framework import serializers

from records.documents import access_status
from records.models import DeletionStatus, Draft, Record
from records.permissions import record_policy
from records.services import PID_OAI, oai_identifier
from repository.api.serializers import ErrorSerializer, FieldErrorSerializer
from repository.exceptions import FieldError

__all__ = ["ErrorSerializer", "dump_draft", "dump_record"]

VOCABULARY_FIELDS = {"resource_type": "resourcetypes", "languages": "languages", "rights": "licenses"}


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def _enrich(metadata: dict) -> dict:
    """Add vocabulary titles (resource type, languages, licenses) as InvenioRDM does on output."""
    from repository.vocabularies.selectors import get_terms

    result = copy.deepcopy(metadata) if isinstance(metadata, dict) else {}
    resource_type = result.get("resource_type")
    if isinstance(resource_type, dict) and isinstance(resource_type.get("id"), str):
        term = get_terms("resourcetypes", [resource_type["id"]]).get(resource_type["id"])
        if term:
            resource_type["title"] = term["title"]
    for field, vocabulary in (("languages", "languages"), ("rights", "licenses")):
        entries = result.get(field)
        if not isinstance(entries, list):
            continue
        ids = [e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]
        terms = get_terms(vocabulary, ids) if ids else {}
        for entry in entries:
            term = terms.get(entry.get("id")) if isinstance(entry, dict) else None
            if term:
                entry["title"] = term["title"]
                if vocabulary == "licenses" and term.get("props", {}).get("url"):
                    entry.setdefault("link", term["props"]["url"])
    return result


def _parent(obj: Record | Draft) -> dict:
    parent = obj.parent
    return {
        "id": parent.pk,
        "access": {"owned_by": {"user": str(parent.owner_id)} if parent.owner_id else None},
        "communities": {"ids": [], "default": None},
        "pids": (parent.json or {}).get("pids", {}),
    }


def _access(document: dict) -> dict:
    access = copy.deepcopy(document.get("access")) if isinstance(document.get("access"), dict) else {}
    access["status"] = access_status(access)
    return access


def _files(obj: Record | Draft, request, *, draft: bool, file_objects: list | None) -> dict:
    """The ``files`` section with the stored files (files.api.serializers.files_section)."""
    from files.api.serializers import files_section
    from files.selectors import files_by_owner

    if file_objects is None:
        file_objects = files_by_owner("draft" if draft else "record", [obj.pk])[obj.pk]
    section = files_section(request, obj.pk, obj.json, file_objects, draft=draft)
    if not draft and not record_policy.can(request.user, "read_files", obj):
        section["entries"] = {}  # restricted files: their names and links are not shown
    return section


def record_links(request, record_id: str, *, is_draft: bool) -> dict:
    api = f"/api/records/{record_id}"
    links = {
        "self": _absolute(request, f"{api}/draft" if is_draft else api),
        "self_html": _absolute(request, f"/uploads/{record_id}" if is_draft else f"/records/{record_id}"),
        "latest": _absolute(request, f"{api}/versions/latest"),
        "latest_html": _absolute(request, f"/records/{record_id}/latest"),
        "versions": _absolute(request, f"{api}/versions"),
        "draft": _absolute(request, f"{api}/draft"),
        "record": _absolute(request, api),
        "record_html": _absolute(request, f"/records/{record_id}"),
    }
    if is_draft:
        links["publish"] = _absolute(request, f"{api}/draft/actions/publish")
    else:
        links["export_json"] = _absolute(request, reverse("records:export", args=[record_id, "json"]))
    return links


def dump_record(
    record: Record, request, *, highest_index: int | None = None, file_objects: list | None = None
) -> dict:
    """A published (or, for admins, deleted) record."""
    document = record.json
    pids = copy.deepcopy(document.get("pids") or {})
    pids[PID_OAI] = {"identifier": oai_identifier(record.pk), "provider": "oai"}
    body = {
        "id": record.pk,
        "$schema": document.get("$schema"),
        "pids": pids,
        "metadata": _enrich(document.get("metadata") or {}),
        "custom_fields": document.get("custom_fields") or {},
        "access": _access(document),
        "files": _files(record, request, draft=False, file_objects=file_objects),
        "parent": _parent(record),
        "versions": {
            "index": record.index,
            "is_latest": record.is_latest,
            "is_latest_draft": highest_index is None or record.index >= highest_index,
        },
        "status": "deleted" if record.deletion_status == DeletionStatus.DELETED else "published",
        "is_draft": False,
        "is_published": True,
        "revision_id": record.revision_id,
        "created": record.created.isoformat(),
        "updated": record.updated.isoformat(),
        "links": record_links(request, record.pk, is_draft=False),
    }
    if record.deletion_status == DeletionStatus.DELETED:
        body["tombstone"] = record.tombstone
    return body


def dump_draft(
    draft: Draft,
    request,
    *,
    is_published: bool,
    errors: list[FieldError] | None = None,
    highest_index: int | None = None,
    file_objects: list | None = None,
) -> dict:
    """A draft; ``errors`` (if any) are the validation errors of the last write."""
    document = draft.json
    if is_published:
        status = "published"
    elif draft.index > 1:
        status = "new_version_draft"
    else:
        status = "draft"
    body = {
        "id": draft.pk,
        "$schema": document.get("$schema"),
        "pids": document.get("pids") or {},
        "metadata": _enrich(document.get("metadata") or {}),
        "custom_fields": document.get("custom_fields") or {},
        "access": _access(document),
        "files": _files(draft, request, draft=True, file_objects=file_objects),
        "parent": _parent(draft),
        "versions": {
            "index": draft.index,
            "is_latest": False,
            "is_latest_draft": highest_index is None or draft.index >= highest_index,
        },
        "status": status,
        "is_draft": True,
        "is_published": is_published,
        "revision_id": draft.revision_id,
        "created": draft.created.isoformat(),
        "updated": draft.updated.isoformat(),
        "links": record_links(request, draft.pk, is_draft=True),
    }
    for key, value in document.items():
        body.setdefault(key, value)  # keep unknown keys visible so the errors about them make sense
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    return body


# --- Shapes for the OpenAPI document ----------------------------------------------------


class VersionsSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    is_latest = serializers.BooleanField()
    is_latest_draft = serializers.BooleanField()


class RecordSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    pids = serializers.DictField(required=False)
    metadata = serializers.DictField()
    custom_fields = serializers.DictField(required=False)
    access = serializers.DictField(required=False)
    files = serializers.DictField(required=False)
    parent = serializers.DictField(read_only=True)
    versions = VersionsSerializer(read_only=True)
    status = serializers.CharField(read_only=True)
    is_draft = serializers.BooleanField(read_only=True)
    is_published = serializers.BooleanField(read_only=True)
    revision_id = serializers.IntegerField(read_only=True)
    created = serializers.DateTimeField(read_only=True)
    updated = serializers.DateTimeField(read_only=True)
    links = serializers.DictField(read_only=True)
    errors = FieldErrorSerializer(many=True, required=False, help_text="Validation errors of a draft.")


class SearchHitsSerializer(serializers.Serializer):
    hits = RecordSerializer(many=True)
    total = serializers.IntegerField()


class SearchResponseSerializer(serializers.Serializer):
    hits = SearchHitsSerializer()
    aggregations = serializers.DictField()
    sortBy = serializers.CharField()  # noqa: N815 (InvenioRDM's key)
    links = serializers.DictField()


class DeleteRequestSerializer(serializers.Serializer):
    removal_reason = serializers.DictField(help_text='{"id": "spam"} (removalreasons vocabulary)')
    note = serializers.CharField(required=False, allow_blank=True)
    citation_text = serializers.CharField(required=False, allow_blank=True)
    is_visible = serializers.BooleanField(required=False, default=True)


class RevisionSerializer(serializers.Serializer):
    revision_id = serializers.IntegerField()
    action = serializers.CharField()
    user = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    json = serializers.DictField()
