"""Indexing: term rows in the record's transaction, the durable queue, draining, rebuild and drift checks."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from records import admin_services, services
from records.models import Record
from records.search_indexes import record_terms
from records.search_maintenance import search_check, search_queue_drain, search_reindex
from records.search_models import RecordSearchTerm, SearchQueueEntry
from repository.search.database import DatabaseSearchBackend
from repository.vocabularies.models import VocabularyTerm
from tests.records.conftest import publish, valid_document
from tests.records.test_import import generated_lines, run_import, write_lines

pytestmark = pytest.mark.django_db


def stored_terms(record_id: str) -> set[tuple[str, str]]:
    return set(RecordSearchTerm.objects.filter(record_id=record_id).values_list("field", "value"))


class ExternalIndex(DatabaseSearchBackend):
    """A backend with an index outside the database, as Elasticsearch: it keeps documents in a dict.

    ``fail_after`` batches are accepted, then indexing raises, as a worker killed mid-drain or an
    unreachable cluster would.
    """

    indexes_after_commit = True

    def __init__(self, fail_after: int | None = None):
        self.documents: dict[str, str] = {}
        self.batches: list[list[str]] = []
        self.fail_after = fail_after

    def index_records(self, record_ids):
        if self.fail_after is not None and len(self.batches) >= self.fail_after:
            raise ConnectionError("cluster unreachable")
        ids = list(record_ids)
        self.batches.append(ids)
        current = dict(Record.objects.filter(pk__in=ids).values_list("pk", "title"))
        for record_id in ids:
            if record_id in current:
                self.documents[record_id] = current[record_id]
            else:
                self.documents.pop(record_id, None)

    def equals_database(self) -> bool:
        return self.documents == dict(Record.objects.values_list("pk", "title"))


@pytest.fixture
def external_index(monkeypatch):
    backend = ExternalIndex()
    for target in (
        "repository.search.get_backend",
        "records.services.get_backend",
        "records.bulk.write.get_backend",
        "records.search_maintenance.get_backend",
    ):
        monkeypatch.setattr(target, lambda: backend)
    return backend


def test_terms_are_written_with_the_record_and_follow_its_changes(user, admin_user):
    record = publish(user, valid_document(languages=[{"id": "eng"}], subjects=[{"subject": "Tides"}]))
    assert ("language", "eng") in stored_terms(record.pk)
    assert ("subject.exact", "Tides") in stored_terms(record.pk)
    assert stored_terms(record.pk) == set(record_terms(record.json))
    document = {**record.json, "metadata": {**record.json["metadata"], "languages": [{"id": "fra"}]}}
    admin_services.record_admin_update(
        actor=admin_user, record_id=record.pk, document=document, revision_id=record.revision_id
    )
    assert ("language", "fra") in stored_terms(record.pk)
    assert ("language", "eng") not in stored_terms(record.pk)


def test_a_failed_publish_writes_no_terms(user):
    draft, _ = services.draft_create(actor=user, data=valid_document(title=""))
    with pytest.raises(Exception):  # noqa: B017, PT011 (the validation error of the service)
        services.draft_publish(actor=user, draft_id=draft.pk)
    assert not RecordSearchTerm.objects.exists()


def test_database_backend_queues_nothing(user):
    publish(user)
    assert not SearchQueueEntry.objects.exists()


def test_external_index_changes_are_queued_in_the_transaction(user, admin_user, external_index):
    record = publish(user)
    assert list(SearchQueueEntry.objects.values_list("record_id", flat=True)) == [record.pk]
    assert external_index.documents == {}  # nothing indexed until the queue is drained
    assert search_queue_drain() == 1
    assert external_index.equals_database()
    assert not SearchQueueEntry.objects.exists()
    services.record_delete(actor=admin_user, record_id=record.pk, removal_reason="spam")
    assert set(SearchQueueEntry.objects.values_list("record_id", flat=True)) == {record.pk}


def test_new_version_queues_the_previous_versions_too(user, external_index):
    first = publish(user)
    draft = services.record_new_version(actor=user, record_id=first.pk)
    services.draft_update(actor=user, draft_id=draft.pk, data=valid_document(title="Second"))
    services.draft_publish(actor=user, draft_id=draft.pk)
    # publishing a new version flips is_latest of the older ones: every version is queued
    queued = list(SearchQueueEntry.objects.order_by("pk").values_list("record_id", flat=True))
    assert queued[0] == first.pk and set(queued[1:]) == {first.pk, draft.pk}


def test_bulk_import_queues_every_batch_in_its_transaction(tmp_path, external_index):
    lines = generated_lines(5)
    run_import(write_lines(tmp_path / "records.jsonl", lines), batch_size=2)
    assert sorted(SearchQueueEntry.objects.values_list("record_id", flat=True)) == sorted(
        line["id"] for line in lines
    )
    search_queue_drain()
    assert external_index.equals_database()


def test_drain_works_in_batches_of_at_most_500_and_survives_a_crash(tmp_path, external_index):
    lines = generated_lines(1200)
    run_import(write_lines(tmp_path / "records.jsonl", lines), batch_size=600)
    SearchQueueEntry.objects.bulk_create(
        [SearchQueueEntry(record_id=line["id"]) for line in lines[:100]]
    )  # repeats
    assert SearchQueueEntry.objects.count() == 1300
    external_index.fail_after = 1  # the worker dies during the second batch
    with pytest.raises(ConnectionError):
        search_queue_drain()
    assert len(external_index.batches) == 1 and len(external_index.batches[0]) == 500
    assert SearchQueueEntry.objects.count() == 1300 - 500 - 100  # only what was indexed is gone
    external_index.fail_after = None  # restarted
    search_queue_drain()
    assert all(len(batch) <= 500 for batch in external_index.batches)
    assert not SearchQueueEntry.objects.exists()
    assert external_index.equals_database()


def test_search_check_finds_drift_and_reindex_repairs_it(user):
    records = [
        publish(user, valid_document(title=f"Survey {n}", languages=[{"id": "eng"}])) for n in range(3)
    ]
    assert not search_check().drift
    RecordSearchTerm.objects.filter(record_id=records[0].pk, field="language").delete()
    RecordSearchTerm.objects.filter(record_id=records[1].pk).delete()
    report = search_check()
    assert report.drift and set(report.differing) == {records[0].pk, records[1].pk}
    assert report.indexed == 2 and report.records == 3
    with pytest.raises(CommandError, match="search_reindex"):
        call_command("search_check", stdout=StringIO())
    err = StringIO()
    call_command("search_reindex", stdout=StringIO(), stderr=err)
    assert "3/3" in err.getvalue()  # the progress bar
    out = StringIO()
    call_command("search_check", stdout=out)
    assert "3 records, 3 indexed, 3 sampled, 0 differing" in out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reindex_in_worker_processes_writes_every_record_exactly(user, settings, monkeypatch):
    """The rebuild as ``search_reindex`` runs it outside a transaction: forked workers read and
    project ranges of records (two records a range here) and this process copies their rows in.
    Values with what COPY's text format escapes arrive intact; the parent's connection survives
    its workers. (SQLite's in-memory test database is not shared: there it runs in-process.)"""
    settings.SEARCH_REBUILD_WORKERS = 2
    monkeypatch.setattr("records.search_rebuild.CHUNK", 2)
    awkward = "tab\there, back\\slash\nnew line\rreturn"
    records = [
        publish(user, valid_document(title=f"Survey {n}", subjects=[{"subject": f"{awkward} {n}"}]))
        for n in range(5)
    ]
    RecordSearchTerm.objects.all().delete()
    assert search_check(sample=10).drift

    rebuilt = search_reindex()

    processes = "2 worker processes" if connection.vendor == "postgresql" else "1 process"
    assert rebuilt == f"database term rows and full-text index of 5 records ({processes})"
    for record in records:
        assert stored_terms(record.pk) == set(record_terms(Record.objects.get(pk=record.pk).json))
    assert ("subject.exact", f"{awkward} 3") in stored_terms(records[3].pk)
    assert not search_check(sample=10).drift
    assert Record.objects.count() == 5  # this process's connection still works after its workers


def test_search_reindex_needs_a_configured_cluster(db, settings):
    settings.ELASTICSEARCH_URL = ""
    with pytest.raises(CommandError, match="ELASTICSEARCH_URL"):
        call_command("search_reindex", "--backend", "elasticsearch", stdout=StringIO(), stderr=StringIO())


def test_renamed_vocabulary_term_shows_in_facets_at_once(api_client, user):
    publish(user, valid_document(resource_type={"id": "image-photo"}))
    VocabularyTerm.objects.filter(type_id="resourcetypes", term_id="image-photo").update(
        title={"en": "Photograph"}
    )
    body = api_client.get("/api/records").json()
    image = next(b for b in body["aggregations"]["resource_type"]["buckets"] if b["key"] == "image")
    assert image["inner"]["buckets"][0]["label"] == "Photograph"


def language_hits(api_client, language: str) -> set[str]:
    body = api_client.get("/api/records", {"language": language, "size": 100}).json()
    return {hit["id"] for hit in body["hits"]["hits"]}


def test_reindex_serves_searches_and_keeps_changes_made_while_it_runs(
    api_client, user, admin_user, monkeypatch
):
    monkeypatch.setattr("records.search_rebuild.CHUNK", 2)  # three chunks: changes land mid-rebuild
    records = [
        publish(user, valid_document(title=f"Survey {n}", languages=[{"id": "eng"}])) for n in range(5)
    ]
    changes = []

    def during_rebuild(count):
        if changes:
            return
        # The old index answers in full while the new one is filled.
        assert language_hits(api_client, "eng") == {record.pk for record in records}
        # A publish, an edit of a record already copied, a deletion, a drift repaired by a writer.
        changes.append(publish(user, valid_document(title="Late", languages=[{"id": "eng"}])))
        first = Record.objects.get(pk=records[0].pk)
        document = {**first.json, "metadata": {**first.json["metadata"], "languages": [{"id": "fra"}]}}
        admin_services.record_admin_update(
            actor=admin_user, record_id=first.pk, document=document, revision_id=first.revision_id
        )
        services.record_delete(actor=admin_user, record_id=records[1].pk, removal_reason="spam")
        SearchQueueEntry.objects.create(record_id=records[4].pk)  # e.g. search_reindex --queue

    rebuilt = search_reindex(progress=during_rebuild)
    assert "term rows" in rebuilt and changes
    assert language_hits(api_client, "eng") == {changes[0].pk, records[2].pk, records[3].pk, records[4].pk}
    assert language_hits(api_client, "fra") == {records[0].pk}
    assert not search_check(sample=10).drift
    # the queue entry made during the rebuild is still there for the workers, and applies cleanly
    assert list(SearchQueueEntry.objects.values_list("record_id", flat=True)) == [records[4].pk]
    assert search_queue_drain() == 1
    assert not search_check(sample=10).drift
