"""JSON of files in InvenioRDM's shapes: upload entries, file lists and the record's ``files`` section."""

from __future__ import annotations

from urllib.parse import quote

from rest_framework import serializers

from files.models import ObjectVersion


def files_settings(document: dict) -> dict:
    """enabled, order and default_preview from a record document."""
    files = document.get("files") if isinstance(document.get("files"), dict) else {}
    return {
        "enabled": files.get("enabled", True) is not False,
        "order": files.get("order") if isinstance(files.get("order"), list) else [],
        "default_preview": files.get("default_preview"),
    }


def files_base(request, record_id: str, *, draft: bool) -> str:
    return request.build_absolute_uri(f"/api/records/{record_id}{'/draft' if draft else ''}/files")


def dump_entry(obj: ObjectVersion, base: str, *, draft: bool) -> dict:
    """One file entry (upload steps, file lists)."""
    link = f"{base}/{quote(obj.key, safe='')}"
    links = {"self": link, "content": f"{link}/content"}
    if draft:
        links["commit"] = f"{link}/commit"
    entry = {
        "key": obj.key,
        "created": obj.created.isoformat(),
        "updated": obj.updated.isoformat(),
        "status": obj.status,
        "metadata": obj.metadata,
        "storage_class": "L",
        "transfer": {"type": obj.transfer},
        "links": links,
    }
    if obj.transfer == ObjectVersion.Transfer.MULTIPART:
        entry["transfer"].update({"parts": obj.parts, "part_size": obj.part_size})
        if obj.status == ObjectVersion.Status.PENDING:
            entry["links"]["parts"] = [
                {"part": n, "url": f"{link}/content/{n}", "expiration": None} for n in range(1, obj.parts + 1)
            ]
    if obj.expected_size is not None and obj.file_id is None:
        entry["size"] = obj.expected_size
    if obj.file_id is not None:
        entry.update(
            {
                "checksum": obj.file.checksum,
                "size": obj.file.size,
                "file_id": str(obj.file_id),
                "version_id": str(obj.version_id),
                "bucket_id": str(obj.bucket_id),
            }
        )
        if obj.mimetype:
            entry["mimetype"] = obj.mimetype
        if obj.file.last_check is False:
            entry["integrity"] = "failed"  # withheld from download (docs/adr/0013)
    return entry


def dump_file_list(
    request, record_id: str, document: dict, objects: list[ObjectVersion], *, draft: bool
) -> dict:
    """GET .../files: InvenioRDM's list shape."""
    base = files_base(request, record_id, draft=draft)
    return {
        **files_settings(document),
        "entries": [dump_entry(obj, base, draft=draft) for obj in objects],
        "links": {"self": base},
    }


def files_section(
    request, record_id: str, document: dict, objects: list[ObjectVersion], *, draft: bool
) -> dict:
    """The record JSON's ``files``: enabled, count, total_bytes, entries by key, order, default_preview."""
    from files.selectors import order_key

    base = files_base(request, record_id, draft=draft)
    entries = {}
    for obj in sorted(objects, key=order_key(document)):
        link = f"{base}/{quote(obj.key, safe='')}"
        entries[obj.key] = {
            "id": str(obj.version_id),
            "key": obj.key,
            "checksum": obj.file.checksum,
            "ext": obj.key.rsplit(".", 1)[-1].lower() if "." in obj.key else None,
            "size": obj.file.size,
            "mimetype": obj.mimetype,
            "storage_class": "L",
            "metadata": obj.metadata or {},
            "access": {"hidden": False},
            "links": {"self": link, "content": f"{link}/content"},
        }
        if obj.file.last_check is False:
            entries[obj.key]["integrity"] = "failed"  # withheld from download (docs/adr/0013)
    return {
        **files_settings(document),
        "count": len(objects),
        "total_bytes": sum(obj.file.size for obj in objects),
        "entries": entries,
    }


# --- Shapes for the OpenAPI document ---------------------------------------------------


class FileEntrySerializer(serializers.Serializer):
    key = serializers.CharField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=["pending", "completed", "failed"])
    metadata = serializers.DictField(allow_null=True)
    storage_class = serializers.CharField()
    transfer = serializers.DictField()
    checksum = serializers.CharField(required=False)
    size = serializers.IntegerField(required=False)
    mimetype = serializers.CharField(required=False)
    file_id = serializers.CharField(required=False)
    version_id = serializers.CharField(required=False)
    bucket_id = serializers.CharField(required=False)
    integrity = serializers.CharField(
        required=False, help_text='"failed" when the stored bytes failed their fixity check (not served).'
    )
    links = serializers.DictField()


class FileListSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    order = serializers.ListField(child=serializers.CharField())
    default_preview = serializers.CharField(allow_null=True)
    entries = FileEntrySerializer(many=True)
    links = serializers.DictField()


class FileInitSerializer(serializers.Serializer):
    key = serializers.CharField()
    size = serializers.IntegerField(required=False, min_value=0)
    checksum = serializers.CharField(required=False, help_text="md5:<hex>")
    metadata = serializers.DictField(required=False)
    transfer = serializers.DictField(required=False)


class QuotaSerializer(serializers.Serializer):
    quota_size = serializers.IntegerField(min_value=1)
    max_file_size = serializers.IntegerField(min_value=1)
    notes = serializers.CharField(required=False, allow_blank=True)
