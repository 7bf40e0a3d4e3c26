"""Metadata formats OAI-PMH disseminates: prefix → schema, namespace and crosswalk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from lxml import etree

from records.crosswalks import datacite_xml, marcxml, oai_datacite, oai_dc
from records.crosswalks.datacite import KERNEL_VERSION


@dataclass(frozen=True)
class MetadataFormat:
    """An OAI-PMH metadata format."""

    prefix: str
    schema: str
    namespace: str
    crosswalk: Callable[[dict], etree._Element]


def _oai_datacite(document: dict) -> etree._Element:
    return oai_datacite(document, datacentre=settings.OAI_DATACITE_SYMBOL)


METADATA_FORMATS: dict[str, MetadataFormat] = {
    f.prefix: f
    for f in (
        MetadataFormat(
            "oai_dc",
            "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
            "http://www.openarchives.org/OAI/2.0/oai_dc/",
            oai_dc,
        ),
        MetadataFormat(
            "oai_datacite",
            "http://schema.datacite.org/oai/oai-1.1/oai.xsd",
            "http://schema.datacite.org/oai/oai-1.1/",
            _oai_datacite,
        ),
        MetadataFormat(
            "datacite",
            f"https://schema.datacite.org/meta/kernel-{KERNEL_VERSION}/metadata.xsd",
            "http://datacite.org/schema/kernel-4",
            datacite_xml,
        ),
        MetadataFormat(
            "marcxml",
            "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
            "http://www.loc.gov/MARC21/slim",
            marcxml,
        ),
    )
}
