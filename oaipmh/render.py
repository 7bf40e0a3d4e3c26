"""OAI-PMH XML: the response envelope, headers, records, resumption tokens and errors (lxml)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import lru_cache

from lxml import etree

from oaipmh.errors import OAIError

NS_OAI = "http://www.openarchives.org/OAI/2.0/"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_OAI_ID = "http://www.openarchives.org/OAI/2.0/oai-identifier"
SCHEMA_LOCATION = f"{NS_OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_ID_SCHEMA_LOCATION = f"{NS_OAI_ID} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"


@lru_cache(maxsize=4096)  # a list page's items often share datestamps (bulk imports, batches)
def datestamp(value: datetime) -> str:
    """A UTC datestamp at second granularity."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def el(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    """A child element in the OAI namespace."""
    element = etree.SubElement(parent, f"{{{NS_OAI}}}{tag}", **attributes)
    if text is not None:
        element.text = text
    return element


def envelope(*, response_date: datetime, base_url: str, request_arguments: dict[str, str]) -> etree._Element:
    """<OAI-PMH> with responseDate and request (arguments only when they were all valid)."""
    root = etree.Element(f"{{{NS_OAI}}}OAI-PMH", nsmap={None: NS_OAI, "xsi": NS_XSI})
    root.set(f"{{{NS_XSI}}}schemaLocation", SCHEMA_LOCATION)
    el(root, "responseDate", datestamp(response_date))
    request = el(root, "request", base_url)
    for name, value in request_arguments.items():
        request.set(name, value)
    return root


def errors(root: etree._Element, found: list[OAIError]) -> None:
    """The <error> elements of a failed request."""
    for error in found:
        el(root, "error", error.message, code=error.code)


def _text(value: str) -> bytes:
    """VALUE as XML character data (UTF-8)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


def header_bytes(*, identifier: str, stamp: datetime, set_specs: list[str], deleted: bool) -> bytes:
    """An item's <header> (status="deleted" for deleted items), serialized directly: no tree for the
    hundred headers of a list page.

    The elements are unprefixed: the envelope declares the OAI namespace as the default one.
    """
    parts = [
        b'<header status="deleted"><identifier>' if deleted else b"<header><identifier>",
        _text(identifier),
        b"</identifier><datestamp>",
        datestamp(stamp).encode(),
        b"</datestamp>",
    ]
    for spec in set_specs:
        parts += [b"<setSpec>", _text(spec), b"</setSpec>"]
    parts.append(b"</header>")
    return b"".join(parts)


def record_bytes(*, header: bytes, metadata: str | None) -> bytes:
    """A <record>: its header and, unless deleted, the serialized metadata element."""
    if metadata is None:
        return b"<record>" + header + b"</record>"
    return b"<record>" + header + b"<metadata>" + metadata.encode() + b"</metadata></record>"


def resumption_token(
    parent: etree._Element, *, token: str, cursor: int, complete_size: int | None, expires: datetime | None
) -> None:
    """<resumptionToken>; an empty one (no expirationDate) closes the list."""
    attributes = {"cursor": str(cursor)}
    if complete_size is not None:
        attributes["completeListSize"] = str(complete_size)
    if token and expires is not None:
        attributes["expirationDate"] = datestamp(expires)
    el(parent, "resumptionToken", token or None, **attributes)


def oai_identifier_description(parent: etree._Element, *, host: str, sample: str) -> None:
    """The oai-identifier <description> of Identify."""
    description = el(parent, "description")
    root = etree.SubElement(description, f"{{{NS_OAI_ID}}}oai-identifier", nsmap={None: NS_OAI_ID})
    root.set(f"{{{NS_XSI}}}schemaLocation", OAI_ID_SCHEMA_LOCATION)
    for tag, text in (
        ("scheme", "oai"),
        ("repositoryIdentifier", host),
        ("delimiter", ":"),
        ("sampleIdentifier", sample),
    ):
        etree.SubElement(root, f"{{{NS_OAI_ID}}}{tag}").text = text


class Document:
    """A response being built: the lxml tree, and serialized payloads to splice into it.

    Metadata payloads are cached as serialized XML. Parsing them back into the tree only to
    serialize them again was most of a warm page's cost, so the tree gets a placeholder text
    (a random per-response marker no argument can forge) that :func:`to_bytes` replaces by the
    payload's bytes. A payload is serialized XML content: elements serialized by lxml on their
    own (so each declares every namespace it uses, and none carries an XML declaration), or
    the <record>s of a list page built as bytes (:func:`record_bytes`, unprefixed elements of
    the envelope's default namespace): the result is well-formed.
    """

    def __init__(self, root: etree._Element):
        self.root = root
        self.payloads: list[bytes] = []
        self.next_token: str | None = None  # the resumption token of a list page that has more
        self._marker = f"splice-{secrets.token_hex(12)}-"

    def splice(self, parent: etree._Element, xml: str | bytes) -> None:
        """Put the serialized XML as the text content of PARENT (before its child elements, if any)."""
        parent.text = f"{self._marker}{len(self.payloads)}."
        self.payloads.append(xml.encode() if isinstance(xml, str) else xml)

    def body(self) -> bytes:
        body = etree.tostring(self.root, encoding="UTF-8")
        if not self.payloads:
            return body
        head, *rest = body.split(self._marker.encode())
        parts = [head]
        for part in rest:  # each starts with "<index>." and goes on with the tree's bytes
            index, _, tail = part.partition(b".")
            parts += [self.payloads[int(index)], tail]
        return b"".join(parts)


def to_bytes(document: Document, *, stylesheet: str | None) -> bytes:
    """The response document, with an xml-stylesheet processing instruction for browsers."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    if stylesheet:
        head += f'<?xml-stylesheet type="text/xsl" href="{stylesheet}"?>\n'.encode()
    return head + document.body()
