"""Read-ahead of list pages (oaipmh.readahead, docs/adr/0019): the next page prepared in the background."""

from __future__ import annotations

import copy
import logging
import threading

import pytest

from oaipmh import readahead, tokens
from oaipmh.readahead import Prepared, ReadAhead
from tests.oaipmh.helpers import NS, harvest
from tests.records.conftest import publish, valid_document

# Committed rows (the page prepared ahead reads them on another connection); the default sets,
# which come from a migration, restored after the flush.
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _without_times(pages, verb: str) -> list[bytes]:
    """PAGES with what depends on the second they were made left out: the response date, the
    token's expiry, and the tokens (issued and echoed), replaced by the list state they carry."""
    from lxml import etree

    bodies = []
    for page in map(copy.deepcopy, pages):
        page.find("o:responseDate", NS).text = ""
        request = page.find("o:request", NS)
        if "resumptionToken" in request.attrib:
            request.set("resumptionToken", repr(tokens.decode(request.get("resumptionToken"), verb=verb)))
        for token in page.iter(f"{{{NS['o']}}}resumptionToken"):
            token.attrib.pop("expirationDate", None)
            if token.text:
                token.text = repr(tokens.decode(token.text, verb=verb))
        bodies.append(etree.tostring(page))
    return bodies


@COMMITTED
def test_a_harvest_with_read_ahead_gets_the_same_pages(client, settings, user, monkeypatch):
    settings.OAI_PAGE_SIZE = 2
    for number in range(7):
        publish(user, valid_document(title=f"Record {number}"))

    pages_without, ids_without = harvest(client, "ListRecords", metadataPrefix="oai_dc")
    settings.OAI_READ_AHEAD_SECONDS = 60
    monkeypatch.setattr(readahead.pages, "wait_seconds", 60)  # a loaded machine is slow, not wrong
    pages_with, ids_with = harvest(client, "ListRecords", metadataPrefix="oai_dc")

    assert len(ids_with) == 7 and ids_with == ids_without
    assert _without_times(pages_with, "ListRecords") == _without_times(pages_without, "ListRecords")
    assert readahead.pages.served == len(pages_with) - 1  # every page after the first was ready


@COMMITTED
def test_read_ahead_follows_identifier_lists_and_sets(client, settings, user, celery_eager, monkeypatch):
    settings.OAI_PAGE_SIZE = 1
    for number in range(3):
        publish(user, valid_document(title=f"Dataset {number}"))
    publish(user, valid_document(title="An article", resource_type={"id": "publication-article"}))
    settings.OAI_READ_AHEAD_SECONDS = 60
    monkeypatch.setattr(readahead.pages, "wait_seconds", 60)

    _, datasets = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="openaire_data")

    assert len(datasets) == 3
    assert readahead.pages.served == 2


def _started(body: bytes, next_token: str | None = None):
    """A preparation, and an event set once it runs (a queued one would be cancelled by take)."""
    running = threading.Event()

    def prepare() -> Prepared:
        running.set()
        return Prepared(body=body, next_token=next_token)

    return prepare, running


def test_a_page_older_than_the_limit_is_not_served():
    pages = ReadAhead()
    try:
        prepare, running = _started(b"<x/>")
        pages.schedule(("ListRecords", "t1"), prepare)
        assert running.wait(10)
        assert pages.take(("ListRecords", "t1"), max_age=0) is None
        prepare, running = _started(b"<y/>", "t3")
        pages.schedule(("ListRecords", "t2"), prepare)
        assert running.wait(10)
        assert pages.take(("ListRecords", "t2"), max_age=60) == Prepared(body=b"<y/>", next_token="t3")
        assert pages.take(("ListRecords", "t2"), max_age=60) is None  # served once
    finally:
        pages.clear()


def test_a_failed_preparation_is_logged_and_the_request_answers_itself(caplog):
    pages = ReadAhead()

    def broken() -> Prepared:
        raise RuntimeError("database went away")

    try:
        with caplog.at_level(logging.ERROR, logger="oaipmh.readahead"):
            pages.schedule(("ListRecords", "t"), broken)
            assert pages.take(("ListRecords", "t"), max_age=60) is None
        assert "prepared ahead failed" in caplog.text and "database went away" in caplog.text
    finally:
        pages.clear()


def test_a_preparation_not_done_in_time_is_given_up_and_the_oldest_dropped():
    pages = ReadAhead(capacity=2, wait_seconds=0.2, threads=1)
    release = threading.Event()

    def slow() -> Prepared:
        release.wait(10)
        return Prepared(body=b"slow", next_token=None)

    queued, queued_ran = _started(b"queued")
    try:
        pages.schedule(("ListRecords", "busy"), slow)  # occupies the one thread
        pages.schedule(("ListRecords", "queued"), queued)
        assert pages.take(("ListRecords", "queued"), max_age=60) is None  # not done in time
        first, _ = _started(b"a")
        second, second_ran = _started(b"b")
        pages.schedule(("ListRecords", "a"), first)
        pages.schedule(("ListRecords", "b"), second)  # capacity 2: "busy" is dropped
        release.set()
        assert pages.take(("ListRecords", "busy"), max_age=60) is None
        assert pages.take(("ListRecords", "b"), max_age=60) == Prepared(body=b"b", next_token=None)
        assert second_ran.is_set() and not queued_ran.is_set()  # given up before it started
    finally:
        release.set()
        pages.clear()
