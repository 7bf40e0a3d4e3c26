"""The six verbs: what each answers, given a request that obeys the argument rules."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from lxml import etree

from oaipmh import queries, render, tokens
from oaipmh.arguments import OAIRequest
from oaipmh.datestamps import watermark
from oaipmh.errors import OAIError
from oaipmh.formats import METADATA_FORMATS
from oaipmh.services import render_metadata
from records.services import oai_identifier

# oai-identifier.xsd: a domain name whose labels start with a letter.
REPOSITORY_IDENTIFIER = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+$")


def record_id_of(identifier: str) -> str | None:
    """The record id of an OAI identifier of this repository, or None."""
    prefix = f"oai:{settings.OAI_ID_HOST}:"
    return (
        identifier[len(prefix) :] if identifier.startswith(prefix) and len(identifier) > len(prefix) else None
    )


def _format(prefix: str):
    fmt = METADATA_FORMATS.get(prefix)
    if fmt is None:
        raise OAIError("cannotDisseminateFormat", f"{prefix!r} is not a metadata format of this repository.")
    return fmt


def _header(entry: queries.Entry, *, deleted: bool | None = None) -> bytes:
    item = entry.item
    return render.header_bytes(
        identifier=oai_identifier(item.record_id),
        stamp=item.datestamp,
        set_specs=item.set_specs,
        deleted=entry.deleted if deleted is None else deleted,
    )


def _records(document: render.Document, parent, entries: list[queries.Entry], prefix: str) -> None:
    """<record>s: header, and the metadata from the cache or rendered now (and cached).

    ENTRIES carry the cached rendering of their current revision; the misses are rendered
    (and stored) here. The records are built as bytes and spliced into the response (cached
    XML is never parsed back), before any other child of PARENT.
    """
    rendered = {e.item.record_id: e.xml for e in entries if not e.deleted and e.xml is not None}
    missing = [e.item.record_id for e in entries if not e.deleted and e.xml is None]
    if missing:  # records restricted or deleted since the page was read are left out: deleted headers
        rendered.update(render_metadata(missing, prefix))
    records = []
    for entry in entries:
        xml = rendered.get(entry.item.record_id)
        records.append(render.record_bytes(header=_header(entry, deleted=xml is None), metadata=xml))
    document.splice(parent, b"".join(records))


def identify(document: render.Document, request: OAIRequest, now: datetime) -> None:
    """Identify: who we are and how we keep datestamps and deletions."""
    root = document.root
    element = render.el(root, "Identify")
    render.el(element, "repositoryName", settings.OAI_REPOSITORY_NAME)
    render.el(element, "baseURL", root.find(f"{{{render.NS_OAI}}}request").text)
    render.el(element, "protocolVersion", "2.0")
    for email in settings.OAI_ADMIN_EMAILS:
        render.el(element, "adminEmail", email)
    earliest = queries.earliest_datestamp()
    render.el(element, "earliestDatestamp", render.datestamp(earliest or now))
    render.el(element, "deletedRecord", "persistent")
    render.el(element, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    render.el(element, "compression", "gzip")
    render.el(element, "compression", "deflate")
    if REPOSITORY_IDENTIFIER.match(settings.OAI_ID_HOST):
        render.oai_identifier_description(
            element, host=settings.OAI_ID_HOST, sample=oai_identifier("abcde-12345")
        )


def list_metadata_formats(document: render.Document, request: OAIRequest, now: datetime) -> None:
    """ListMetadataFormats: every format, for the repository or one item (all items have all)."""
    identifier = request.arguments.get("identifier")
    if identifier is not None:
        record_id = record_id_of(identifier)
        if record_id is None or queries.get_entry(record_id) is None:
            raise OAIError("idDoesNotExist", f"{identifier!r} is not an identifier of this repository.")
    element = render.el(document.root, "ListMetadataFormats")
    for fmt in METADATA_FORMATS.values():
        entry = render.el(element, "metadataFormat")
        render.el(entry, "metadataPrefix", fmt.prefix)
        render.el(entry, "schema", fmt.schema)
        render.el(entry, "metadataNamespace", fmt.namespace)


def list_sets(document: render.Document, request: OAIRequest, now: datetime) -> None:
    """ListSets: every set in one response (there are few), so any resumptionToken is bad."""
    if "resumptionToken" in request.arguments:
        raise OAIError("badResumptionToken", "ListSets is never split; this token was not issued here.")
    sets = queries.all_sets()
    if not sets:
        raise OAIError("noSetHierarchy", "This repository has no sets.")
    element = render.el(document.root, "ListSets")
    for oai_set in sets:
        entry = render.el(element, "set")
        render.el(entry, "setSpec", oai_set.spec)
        render.el(entry, "setName", oai_set.name)
        if oai_set.description:
            description = render.el(entry, "setDescription")
            dc = etree.SubElement(
                description,
                "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc",
                nsmap={
                    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
                    "dc": "http://purl.org/dc/elements/1.1/",
                },
            )
            dc.set(
                f"{{{render.NS_XSI}}}schemaLocation",
                "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
            )
            etree.SubElement(dc, "{http://purl.org/dc/elements/1.1/}description").text = oai_set.description


def get_record(document: render.Document, request: OAIRequest, now: datetime) -> None:
    """GetRecord: one item in one format; deleted (or restricted) items are a deleted header."""
    fmt = _format(request.arguments["metadataPrefix"])
    identifier = request.arguments["identifier"]
    record_id = record_id_of(identifier)
    entry = queries.get_entry(record_id, fmt.prefix) if record_id else None
    if entry is None:
        raise OAIError("idDoesNotExist", f"{identifier!r} is not an identifier of this repository.")
    _records(document, render.el(document.root, "GetRecord"), [entry], fmt.prefix)


def list_items(document: render.Document, request: OAIRequest, now: datetime, *, with_metadata: bool) -> None:
    """ListIdentifiers / ListRecords: one keyset page, and a token for the next one."""
    token = request.arguments.get("resumptionToken")
    if token is not None:
        state = tokens.decode(token, verb=request.verb)
    else:
        prefix = _format(request.arguments["metadataPrefix"]).prefix
        set_spec = request.arguments.get("set")
        if set_spec is not None and not queries.set_exists(set_spec):
            raise OAIError("noRecordsMatch", f"There is no set {set_spec!r}, so no record is in it.")
        state = tokens.ListState(
            verb=request.verb, prefix=prefix, set_spec=set_spec, start=request.start, end=request.end
        )
    if state.set_spec is not None and not queries.set_exists(state.set_spec):
        raise OAIError("badResumptionToken", "The set of this list no longer exists.")
    after = (state.last_datestamp, state.last_id) if state.last_datestamp and state.last_id else None
    size = settings.OAI_PAGE_SIZE
    entries, more = queries.page_of_items(
        set_spec=state.set_spec,
        start=state.start,
        end=state.end,
        watermark=now,
        after=after,
        size=size,
        prefix=state.prefix if with_metadata else None,
    )
    if not entries:  # with a token only when the rest of the list left it (e.g. left the set)
        raise OAIError("noRecordsMatch", "No record matches these arguments.")
    complete = state.complete_size
    if token is None and (more or state.cursor):
        complete = queries.count_items(state.set_spec, state.start, state.end, now)
    element = render.el(document.root, request.verb)
    if with_metadata:
        _records(document, element, entries, state.prefix)
    else:
        document.splice(element, b"".join(_header(entry) for entry in entries))
    if not more and token is None:
        return  # a complete list in one response needs no token
    if more:
        last = entries[-1].item
        next_state = tokens.ListState(
            verb=state.verb,
            prefix=state.prefix,
            set_spec=state.set_spec,
            start=state.start,
            end=state.end,
            last_datestamp=last.datestamp,
            last_id=last.record_id,
            cursor=state.cursor + len(entries),
            complete_size=complete,
        )
        expires = tokens.expiry_from(timezone.now())
        value = document.next_token = tokens.encode(next_state, expires=expires)
    else:
        value, expires = "", None
    render.resumption_token(
        element, token=value, cursor=state.cursor, complete_size=complete, expires=expires
    )


VERB_HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": lambda document, request, now: list_items(document, request, now, with_metadata=False),
    "ListRecords": lambda document, request, now: list_items(document, request, now, with_metadata=True),
}


def respond(request: OAIRequest, *, base_url: str) -> render.Document:
    """The response to a well-formed request (protocol errors included)."""
    now = watermark()
    root = render.envelope(
        response_date=now, base_url=base_url, request_arguments={"verb": request.verb, **request.arguments}
    )
    document = render.Document(root)
    try:
        VERB_HANDLERS[request.verb](document, request, now)
    except OAIError as error:
        for child in list(root)[2:]:
            root.remove(child)
        document = render.Document(root)  # no payloads
        render.errors(root, [error])
    return document


def respond_to_errors(found: list[OAIError], *, base_url: str) -> render.Document:
    """The response to a request breaking the argument rules (request element without attributes)."""
    root = render.envelope(response_date=watermark(), base_url=base_url, request_arguments={})
    render.errors(root, found)
    return render.Document(root)
