"""The OAI-PMH 2.0 endpoint (/oai2d): parse the arguments, answer the verb, render, compress."""

from __future__ import annotations

import gzip
import zlib
from functools import partial

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from oaipmh import readahead
from oaipmh.arguments import OAIRequest, parse_arguments
from oaipmh.errors import OAIErrors
from oaipmh.protocol import respond, respond_to_errors
from oaipmh.render import to_bytes

CONTENT_TYPE = "text/xml; charset=utf-8"
COMPRESSION_LEVEL = 1


def _accepted_encoding(header: str) -> str | None:
    """gzip or deflate if the client accepts it (q > 0), preferring gzip; else None."""
    accepted = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        accepted[name.strip().lower()] = quality
    for encoding in ("gzip", "deflate"):
        if accepted.get(encoding, accepted.get("*", 0.0)) > 0:
            return encoding
    return None


@csrf_exempt  # harvesters POST forms without a session; the endpoint only reads
@require_http_methods(["GET", "POST", "HEAD"])
def endpoint(request: HttpRequest) -> HttpResponse:
    """Answer one OAI-PMH request (GET query string or POST form body)."""
    data = request.POST if request.method == "POST" else request.GET
    pairs = [(name, value) for name, values in data.lists() for value in values]
    base_url = settings.OAI_BASE_URL
    stylesheet = static("oaipmh/oai2.xsl")
    try:
        oai_request = parse_arguments(pairs)
    except OAIErrors as errors:
        body = to_bytes(respond_to_errors(errors.errors, base_url=base_url), stylesheet=stylesheet)
    else:
        prepared = None
        key = _read_ahead_key(oai_request)
        if key is not None:
            prepared = readahead.pages.take(key, max_age=settings.OAI_READ_AHEAD_SECONDS)
        if prepared is None:
            prepared = _answer(oai_request, base_url=base_url, stylesheet=stylesheet)
        body = prepared.body
        if prepared.next_token and settings.OAI_READ_AHEAD_SECONDS > 0:
            following = OAIRequest(verb=oai_request.verb, arguments={"resumptionToken": prepared.next_token})
            readahead.pages.schedule(
                _read_ahead_key(following),
                partial(_answer, following, base_url=base_url, stylesheet=stylesheet),
            )
    response = HttpResponse(content_type=CONTENT_TYPE)
    response["Vary"] = "Accept-Encoding"
    encoding = _accepted_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    # Level 1: a list page is ~150 to 250 KB of repetitive XML, which level 1 still shrinks ten
    # times; level 5 took three times as long for a few percent less, on a sequential harvest's
    # critical path (benchmarks/README.md, oai section).
    if encoding == "gzip":
        body = gzip.compress(body, compresslevel=COMPRESSION_LEVEL)
    elif encoding == "deflate":
        body = zlib.compress(body, COMPRESSION_LEVEL)
    if encoding:
        response["Content-Encoding"] = encoding
    response.content = body
    return response


def _answer(oai_request: OAIRequest, *, base_url: str, stylesheet: str) -> readahead.Prepared:
    document = respond(oai_request, base_url=base_url)
    return readahead.Prepared(body=to_bytes(document, stylesheet=stylesheet), next_token=document.next_token)


def _read_ahead_key(oai_request: OAIRequest) -> tuple[str, str] | None:
    """The key of a request that may be answered by a page prepared ahead: a list request that
    continues with a resumption token (it then has no other argument)."""
    token = oai_request.arguments.get("resumptionToken")
    if token is None or oai_request.verb not in ("ListRecords", "ListIdentifiers"):
        return None
    return oai_request.verb, token
