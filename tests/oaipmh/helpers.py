"""Calling /oai2d in tests: every response is validated against the OAI-PMH and payload XSDs."""

from __future__ import annotations

from lxml import etree

from tests.xml_validation import assert_valid

NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "d": "http://datacite.org/schema/kernel-4",
    "m": "http://www.loc.gov/MARC21/slim",
    "id": "http://www.openarchives.org/OAI/2.0/oai-identifier",
}


def oai(client, method: str = "get", **params) -> etree._Element:
    """The parsed, schema-valid response to an OAI-PMH request with PARAMS (lists repeat a name)."""
    call = client.post if method == "post" else client.get
    response = call("/oai2d", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return assert_valid("oai-pmh", response.content)


def error_codes(root: etree._Element) -> list[str]:
    return [e.get("code") for e in root.findall("o:error", NS)]


def identifiers(root: etree._Element) -> list[str]:
    return root.xpath("//o:header/o:identifier/text()", namespaces=NS)


def deleted_identifiers(root: etree._Element) -> list[str]:
    return root.xpath("//o:header[@status='deleted']/o:identifier/text()", namespaces=NS)


def token_of(root: etree._Element) -> etree._Element | None:
    return root.find(".//o:resumptionToken", NS)


def harvest(client, verb: str = "ListIdentifiers", **params) -> tuple[list[etree._Element], list[str]]:
    """Follow resumption tokens to the end; (pages, identifiers in order)."""
    pages = [oai(client, verb=verb, **params)]
    while True:
        token = token_of(pages[-1])
        if token is None or not (token.text or "").strip():
            break
        pages.append(oai(client, verb=verb, resumptionToken=token.text))
    found = [i for page in pages for i in identifiers(page)]
    return pages, found
