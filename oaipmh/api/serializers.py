"""JSON shapes of the OAI-PMH admin API (InvenioRDM's /api/oaipmh): dump functions and OpenAPI shapes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from rest_framework import serializers

from oaipmh.models import OAISet


def dump_set(oai_set: OAISet, request) -> dict:
    """A set as InvenioRDM serves it."""
    base = settings.OAI_BASE_URL

    def listing(verb: str) -> str:
        return f"{base}?{urlencode({'verb': verb, 'metadataPrefix': 'oai_dc', 'set': oai_set.spec})}"

    return {
        "id": oai_set.pk,
        "spec": oai_set.spec,
        "name": oai_set.name,
        "description": oai_set.description,
        "search_pattern": oai_set.search_pattern,
        "system_created": oai_set.system,
        "created": oai_set.created.isoformat(),
        "updated": oai_set.updated.isoformat(),
        "links": {
            "self": request.build_absolute_uri(f"/api/oaipmh/sets/{oai_set.pk}"),
            "oai-listrecords": listing("ListRecords"),
            "oai-listidentifiers": listing("ListIdentifiers"),
        },
    }


class OAISetSerializer(serializers.Serializer):
    """An OAI set (spec is immutable once created)."""

    id = serializers.IntegerField(read_only=True)
    spec = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    search_pattern = serializers.CharField(help_text='e.g. "resource_type.id:dataset", or plain words')
    system_created = serializers.BooleanField(read_only=True)
    created = serializers.DateTimeField(read_only=True)
    updated = serializers.DateTimeField(read_only=True)
    links = serializers.DictField(read_only=True)


class OAISetListSerializer(serializers.Serializer):
    hits = serializers.DictField()
    links = serializers.DictField()


class MetadataFormatSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The metadataPrefix.")
    schema = serializers.CharField()
    namespace = serializers.CharField()
