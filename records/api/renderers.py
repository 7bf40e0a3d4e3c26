"""Content negotiation for records: the crosswalk formats next to JSON (InvenioRDM's MIME types).

``Accept: application/vnd.datacite.datacite+xml`` (or ``?format=datacite-xml``) and friends on
``GET /api/records/{id}`` and on search results; anything else that is not JSON is a 406. Errors
are always JSON, whatever was asked for.
"""

from __future__ import annotations

import copy
import json

from drf_spectacular.types import OpenApiTypes
from lxml import etree
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer

from records.crosswalks import FORMATS, ExportFormat, prepare_documents, to_bytes
from records.crosswalks.marcxml import NS_MARC
from repository.api.serializers import ErrorSerializer


class ExportRenderer(BaseRenderer):
    """Renders a record, or a page of search hits, through one crosswalk."""

    export: ExportFormat
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not isinstance(data, dict):
            return b""
        hits = data.get("hits", {}).get("hits") if isinstance(data.get("hits"), dict) else None
        documents = copy.deepcopy(hits if isinstance(hits, list) else [data])
        prepare_documents(documents)
        if not self.export.is_xml:
            results = [self.export.crosswalk(d) for d in documents]
            body = results[0] if hits is None else {"hits": {"hits": results, "total": data["hits"]["total"]}}
            return json.dumps(body, ensure_ascii=False).encode()
        if hits is None:
            return to_bytes(self.export.crosswalk(documents[0]))
        return to_bytes(
            self._collection([self.export.crosswalk(d) for d in documents], data["hits"]["total"])
        )

    def _collection(self, elements: list, total: int) -> etree._Element:
        """Search results: MARC's own <collection>, else an unqualified <records total="N"> wrapper."""
        if self.export.name == "marcxml":
            root = etree.Element(f"{{{NS_MARC}}}collection", nsmap={None: NS_MARC})
        else:
            root = etree.Element("records", total=str(total))
        root.extend(elements)
        return root


def _renderer(export: ExportFormat) -> type[ExportRenderer]:
    name = "".join(part.capitalize() for part in export.name.split("-")) + "Renderer"
    return type(
        name, (ExportRenderer,), {"export": export, "media_type": export.media_type, "format": export.name}
    )


EXPORT_RENDERERS = [_renderer(export) for export in FORMATS.values()]


class ExportNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with an unknown ``?format=`` answered 406 (DRF says 404)."""

    def filter_renderers(self, renderers, format):  # noqa: A002 (DRF's signature)
        matching = [r for r in renderers if r.format == format]
        if not matching:
            known = ", ".join(r.format for r in renderers)
            raise NotAcceptable(f"Unknown format {format!r}; use one of: {known}.")
        return matching


class ExportNegotiationMixin:
    """Records views that can answer in the crosswalk formats; their errors stay JSON."""

    renderer_classes = [JSONRenderer, *EXPORT_RENDERERS]
    content_negotiation_class = ExportNegotiation

    def get_renderers(self):
        """Exports are read-only: writes answer JSON only."""
        if self.request is not None and self.request.method not in ("GET", "HEAD"):
            return [JSONRenderer()]
        return super().get_renderers()

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), ExportRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def export_responses(json_serializer) -> dict:
    """OpenAPI responses of a GET that can answer in every export format (and 406)."""
    responses: dict = {(200, JSONRenderer.media_type): json_serializer}
    for export in FORMATS.values():
        responses[(200, export.media_type)] = OpenApiTypes.STR if export.is_xml else OpenApiTypes.OBJECT
    responses[406] = ErrorSerializer
    return responses
