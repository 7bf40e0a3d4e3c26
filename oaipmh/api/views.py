"""OAI-PMH admin API: metadata formats and sets (InvenioRDM's /api/oaipmh paths). Parse, call, render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from oaipmh import services
from oaipmh.api.serializers import MetadataFormatSerializer, OAISetSerializer, dump_set
from oaipmh.formats import METADATA_FORMATS
from oaipmh.models import OAISet
from oaipmh.permissions import oai_set_policy
from repository.api.serializers import ErrorSerializer
from repository.exceptions import NotFound

SET_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The set's numeric id.")
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


def _hits(items: list[dict], request) -> dict:
    return {"hits": {"hits": items, "total": len(items)}, "links": {"self": request.build_absolute_uri()}}


class MetadataFormatsView(APIView):
    """The metadata formats OAI-PMH disseminates."""

    @extend_schema(
        operation_id="oaipmh_formats_list",
        responses=inline_serializer(
            "MetadataFormatList",
            {
                "hits": inline_serializer(
                    "MetadataFormatHits",
                    {"hits": MetadataFormatSerializer(many=True), "total": serializers.IntegerField()},
                )
            },
        ),
    )
    def get(self, request):
        formats = [
            {"id": f.prefix, "schema": f.schema, "namespace": f.namespace} for f in METADATA_FORMATS.values()
        ]
        return Response({"hits": {"hits": formats, "total": len(formats)}})


def _visible_set(request, set_id: int) -> OAISet:
    oai_set = oai_set_policy.filter_visible(request.user, OAISet.objects.filter(pk=set_id)).first()
    if oai_set is None:
        raise NotFound("OAI set not found.")
    return oai_set


class SetListView(APIView):
    """All sets (anyone: ListSets is public); create one (admins)."""

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="oaipmh_sets_list",
        responses=inline_serializer(
            "OAISetList",
            {
                "hits": inline_serializer(
                    "OAISetHits", {"hits": OAISetSerializer(many=True), "total": serializers.IntegerField()}
                ),
                "links": serializers.DictField(),
            },
        ),
    )
    def get(self, request):
        sets = oai_set_policy.filter_visible(request.user, OAISet.objects.order_by("spec"))
        return Response(_hits([dump_set(s, request) for s in sets], request))

    @extend_schema(request=OAISetSerializer, responses={201: OAISetSerializer, **ERRORS})
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        oai_set = services.oai_set_create(actor=request.user, data=data)
        return Response(dump_set(oai_set, request), status=201)


class SetDetailView(APIView):
    """One set: read (anyone), replace name/description/search pattern, delete (admins)."""

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method in ("PUT", "DELETE") else []

    @extend_schema(parameters=[SET_ID], responses={200: OAISetSerializer, 404: ErrorSerializer})
    def get(self, request, id):  # noqa: A002 (InvenioRDM's path parameter name)
        return Response(dump_set(_visible_set(request, id), request))

    @extend_schema(parameters=[SET_ID], request=OAISetSerializer, responses={200: OAISetSerializer, **ERRORS})
    def put(self, request, id):  # noqa: A002
        oai_set = _visible_set(request, id)
        data = request.data if isinstance(request.data, dict) else {}
        oai_set = services.oai_set_update(actor=request.user, set_id=oai_set.pk, data=data)
        return Response(dump_set(oai_set, request))

    @extend_schema(parameters=[SET_ID], responses={204: None, **ERRORS})
    def delete(self, request, id):  # noqa: A002
        oai_set = _visible_set(request, id)
        services.oai_set_delete(actor=request.user, set_id=oai_set.pk)
        return Response(status=204)
