"""A harvest that stores responseDate as its next `from` never misses a concurrently committed change."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from oaipmh.datestamps import watermark
from oaipmh.models import OAIItem
from records import services
from records.services import oai_identifier
from tests.oaipmh.helpers import identifiers, oai
from tests.records.conftest import valid_document

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers; readers take the write lock (see ADR)",
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_after_a_harvest_started_is_in_the_next_incremental_harvest(client, user):
    draft, _ = services.draft_create(actor=user, data=valid_document())
    stamped, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def slow_publisher() -> None:
        try:
            with transaction.atomic():
                services.draft_publish(actor=user, draft_id=draft.pk)
                stamped.set()
                release.wait(30)  # the transaction stays open while the harvester runs
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
            stamped.set()
        finally:
            connection.close()

    writer = threading.Thread(target=slow_publisher)
    writer.start()
    try:
        assert stamped.wait(30)
        time.sleep(1.2)  # without the watermark, responseDate would now be past the datestamp
        first = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
        response_date = first.findtext("{http://www.openarchives.org/OAI/2.0/}responseDate")
        assert oai_identifier(draft.pk) not in identifiers(first)
    finally:
        release.set()
        writer.join(30)
    assert not failures, failures
    stamp = OAIItem.objects.get(record_id=draft.pk).datestamp
    assert datetime.strptime(response_date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) <= stamp
    incremental = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": response_date})
    assert oai_identifier(draft.pk) in identifiers(incremental)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_watermark_is_now_when_no_writer_is_in_flight():
    before = datetime.now(UTC)
    assert before <= watermark() <= datetime.now(UTC)


@pytest.mark.django_db
def test_a_writer_in_another_database_of_the_cluster_does_not_hold_the_watermark_back():
    import psycopg

    from oaipmh.datestamps import ADVISORY_KEY

    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as other:
        other.execute("SELECT pg_advisory_xact_lock_shared(%s)", [ADVISORY_KEY])  # transaction stays open
        time.sleep(0.5)
        before = datetime.now(UTC)
        assert watermark() >= before
