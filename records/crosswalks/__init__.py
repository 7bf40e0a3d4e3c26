"""Crosswalks: pure functions from the record JSON (the API's shape) to export formats.

Used by the REST API's content negotiation (records.api.renderers) and by OAI-PMH (oaipmh/).
``FORMATS`` names each format once: its ``?format=`` shortcut, MIME type and function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from records.crosswalks.datacite import datacite_json, datacite_xml, oai_datacite
from records.crosswalks.document import prepare_documents, record_document
from records.crosswalks.dublincore import dublin_core, oai_dc
from records.crosswalks.marcxml import marcxml

__all__ = [
    "FORMATS",
    "ExportFormat",
    "datacite_json",
    "datacite_xml",
    "dublin_core",
    "marcxml",
    "oai_datacite",
    "oai_dc",
    "prepare_documents",
    "record_document",
    "to_bytes",
]


@dataclass(frozen=True)
class ExportFormat:
    """An export format of the REST API: shortcut name, MIME type, crosswalk, kind of output."""

    name: str
    media_type: str
    crosswalk: Callable[[dict], object]
    is_xml: bool


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("datacite-xml", "application/vnd.datacite.datacite+xml", datacite_xml, True),
        ExportFormat("datacite-json", "application/vnd.datacite.datacite+json", datacite_json, False),
        ExportFormat("dublincore", "application/x-dc+xml", oai_dc, True),
        ExportFormat("marcxml", "application/marcxml+xml", marcxml, True),
    )
}


def to_bytes(element: etree._Element) -> bytes:
    """An element as a standalone UTF-8 XML document."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")
