"""manage.py import_records and the bulk path behind it (records.bulk)."""

from __future__ import annotations

import json
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from records import services
from records.bulk import import_batches, write_batch
from records.models import Draft, Parent, PersistentIdentifier, PIDStatus, Record, RecordRevision
from repository.ids import generate_id
from repository.search import SearchParams, get_backend
from repository.search.database import DatabaseSearchBackend
from tests.records.conftest import valid_document

pytestmark = pytest.mark.django_db

OAI = "oai:127.0.0.1:"


def write_lines(path, lines) -> str:
    """Write LINES to PATH, one per line: dicts as JSON, strings and bytes as they are."""
    with path.open("wb") as handle:
        for line in lines:
            if isinstance(line, dict):
                line = json.dumps(line)
            handle.write((line.encode() if isinstance(line, str) else line) + b"\n")
    return str(path)


def run_import(*args, **options) -> tuple[str, str]:
    """Run the command; (stdout, stderr). Raises CommandError as the command does."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_records", *args, stdout=out, stderr=err, **options)
    except CommandError as exc:
        exc.stdout, exc.stderr = out.getvalue(), err.getvalue()
        raise
    return out.getvalue(), err.getvalue()


def generated_lines(count: int, *, with_ids: bool = True) -> list[dict]:
    """COUNT valid, distinct import lines; every other one has a DOI."""
    lines = []
    resource_types = ["dataset", "software", "publication-article", "image-photo"]
    for number in range(count):
        line = valid_document(
            title=f"Zebrafish fin regeneration series {number}",
            resource_type={"id": resource_types[number % len(resource_types)]},
            subjects=[{"subject": "regeneration"}, {"subject": f"batch{number}"}],
        )
        if with_ids:
            line["id"] = generate_id()
        if number % 2 == 0:
            line["pids"] = {"doi": {"identifier": f"10.5072/ZEBRA.{number}", "provider": "external"}}
        lines.append(line)
    return lines


def test_import_publishes_records_with_pids_revision_and_search(tmp_path):
    lines = generated_lines(5)
    del lines[1]["id"]  # minted
    out, err = run_import(write_lines(tmp_path / "records.jsonl", lines))

    assert out.strip() == "imported 5, skipped 0 (already present), failed 0"
    assert "line " not in err
    records = {record.title: record for record in Record.objects.all()}
    assert len(records) == 5
    for number, line in enumerate(lines):
        record = records[line["metadata"]["title"]]
        if "id" in line:
            assert record.pk == line["id"]
        assert (record.deletion_status, record.index, record.is_latest, record.revision_id) == (
            "P",
            1,
            True,
            1,
        )
        assert record.parent.owner is None
        assert record.publication_date == "2024-05-01"
        assert "zebrafish" in record.search_text.lower() and "lovelace" in record.search_text.lower()
        pids = {
            (pid.scheme, pid.value): (pid.status, pid.object_type, pid.object_id, pid.provider)
            for pid in PersistentIdentifier.objects.filter(object_id__in=[record.pk, record.parent_id])
        }
        expected = {
            ("recid", record.pk): (PIDStatus.REGISTERED, "rec", record.pk, "local"),
            ("recid", record.parent_id): (PIDStatus.REGISTERED, "par", record.parent_id, "local"),
            ("oai", OAI + record.pk): (PIDStatus.REGISTERED, "rec", record.pk, "oai"),
        }
        if number % 2 == 0:
            expected[("doi", f"10.5072/zebra.{number}")] = (
                PIDStatus.REGISTERED,
                "rec",
                record.pk,
                "external",
            )
        assert pids == expected
        revision = RecordRevision.objects.get(record=record)
        assert (revision.revision_id, revision.action, revision.user, revision.json) == (
            1,
            "import",
            None,
            record.json,
        )
    backend = get_backend()
    hits = backend.search_records(Record.objects.all(), SearchParams(q="zebrafish")).hits
    assert len(hits) == 5
    hits = backend.search_records(Record.objects.all(), SearchParams(q="batch3")).hits
    assert [hit.title for hit in hits] == ["Zebrafish fin regeneration series 3"]


def test_an_import_batch_deletes_no_search_rows_and_facets_still_count_it(tmp_path):
    """A batch's records are new: deleting their (absent) term rows was a sequential scan of the
    whole term table per batch once the planner's statistics lagged behind a long load."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from records.search_models import RecordSearchFacets, RecordSearchTerm

    path = write_lines(tmp_path / "records.jsonl", generated_lines(4))
    with CaptureQueriesContext(connection) as queries:
        run_import(path)
    terms, facets = RecordSearchTerm._meta.db_table, RecordSearchFacets._meta.db_table
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE FROM")]
    assert not [sql for sql in deletes if terms in sql or facets in sql]
    assert RecordSearchFacets.objects.count() == 4
    assert set(RecordSearchTerm.objects.values_list("record_id", flat=True)) == set(
        Record.objects.values_list("pk", flat=True)
    )
    result = get_backend().search_records(
        Record.objects.all(), SearchParams(q="zebrafish", filters=(("resource_type", "dataset"),))
    )
    assert [hit.title for hit in result.hits] == ["Zebrafish fin regeneration series 0"]


def test_bad_lines_are_reported_and_the_valid_ones_imported(tmp_path):
    good = generated_lines(2)
    missing_title = valid_document()
    del missing_title["metadata"]["title"]
    lines = [
        good[0],
        '{"metadata": {"title": "broken"',
        "[1, 2, 3]",
        missing_title,
        valid_document(resource_type={"id": "spaceship"}),
        {**valid_document(), "id": "not-an-id"},
        '{"metadata": {"title": NaN}}',
        "",  # blank lines are ignored
        good[1],
        json.dumps(valid_document(title="Null \u0000 byte")),
        b'{"metadata": "\xff"}',
        "[" * 5000 + "]" * 5000,
        '{"metadata": {"x": ' + "[" * 100 + "]" * 100 + "}}",
    ]
    with pytest.raises(CommandError, match="10 lines could not be imported") as raised:
        run_import(write_lines(tmp_path / "records.jsonl", lines))

    assert raised.value.stdout.strip() == "imported 2, skipped 0 (already present), failed 10"
    errors = [line for line in raised.value.stderr.splitlines() if line.startswith("line ")]
    assert errors == [
        "line 2: _schema: Not valid JSON: Expecting ',' delimiter (column 32).",
        "line 3: _schema: Not a JSON object but an array.",
        "line 4: metadata.title: Missing data for required field.",
        "line 5: metadata.resource_type.id: 'spaceship' is not a term of the 'resourcetypes' vocabulary.",
        "line 6: id: 'not-an-id' is not a valid id (like ha4g3-7x208).",
        "line 7: _schema: Not valid JSON: NaN is not a JSON value.",
        "line 10: _schema: Cannot be stored: NUL characters (\\u0000) are not allowed.",
        "line 11: _schema: Not UTF-8 text: invalid start byte at byte 15.",
        "line 12: _schema: Not valid JSON: nested too deeply.",
        "line 13: _schema: Cannot be stored: Nested deeper than 64 levels.",
    ]
    assert set(Record.objects.values_list("pk", flat=True)) == {good[0]["id"], good[1]["id"]}


def test_rerun_with_ids_skips_what_is_there(tmp_path):
    path = write_lines(tmp_path / "records.jsonl", generated_lines(5))
    assert run_import(path, batch_size=2)[0].strip() == "imported 5, skipped 0 (already present), failed 0"
    counts = [model.objects.count() for model in (Parent, Record, RecordRevision, PersistentIdentifier)]

    out, _ = run_import(path, batch_size=2)

    assert out.strip() == "imported 0, skipped 5 (already present), failed 0"
    assert [
        model.objects.count() for model in (Parent, Record, RecordRevision, PersistentIdentifier)
    ] == counts


def test_lines_without_ids_are_imported_again(tmp_path):
    path = write_lines(tmp_path / "records.jsonl", [valid_document()])
    run_import(path)
    run_import(path)
    assert Record.objects.count() == 2


def test_an_id_twice_in_a_file_imports_the_first_line(tmp_path):
    first, second = generated_lines(2)
    second["id"] = first["id"]
    out, _ = run_import(write_lines(tmp_path / "records.jsonl", [first, second]))
    assert out.strip() == "imported 1, skipped 1 (already present), failed 0"
    assert Record.objects.get().title == first["metadata"]["title"]


def test_owner(tmp_path, user):
    run_import(write_lines(tmp_path / "records.jsonl", generated_lines(2)), owner=user.email.upper())
    assert {record.parent.owner for record in Record.objects.all()} == {user}


def test_unknown_owner_is_refused(tmp_path):
    path = write_lines(tmp_path / "records.jsonl", generated_lines(1))
    with pytest.raises(CommandError, match="no user with the e-mail address nobody@example.org"):
        run_import(path, owner="nobody@example.org")
    assert not Record.objects.exists()


def test_missing_file_and_bad_batch_size(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        run_import(str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError, match="--batch-size"):
        run_import(write_lines(tmp_path / "records.jsonl", []), batch_size=0)


def test_dois_already_used_fail(tmp_path, user):
    published, _ = services.draft_create(
        actor=user,
        data={**valid_document(), "pids": {"doi": {"identifier": "10.5072/TAKEN", "provider": "external"}}},
    )
    services.draft_publish(actor=user, draft_id=published.pk)
    lines = generated_lines(3)
    lines[0]["pids"] = {"doi": {"identifier": "https://doi.org/10.5072/taken", "provider": "external"}}
    lines[2]["pids"] = {"doi": {"identifier": "10.5072/SAME", "provider": "external"}}
    lines[1]["pids"] = {"doi": {"identifier": "10.5072/same", "provider": "external"}}

    with pytest.raises(CommandError) as raised:
        run_import(write_lines(tmp_path / "records.jsonl", lines))

    assert raised.value.stdout.strip() == "imported 1, skipped 0 (already present), failed 2"
    assert "line 1: pids.doi: DOI 10.5072/taken is already used by another record." in raised.value.stderr
    assert "line 3: pids.doi: DOI 10.5072/same is already used by line 2." in raised.value.stderr
    assert PersistentIdentifier.objects.get(scheme="doi", value="10.5072/same").object_id == lines[1]["id"]


def test_ids_of_drafts_and_parents_are_not_taken(tmp_path, user):
    draft, _ = services.draft_create(actor=user, data=valid_document())
    lines = generated_lines(3)
    lines[0]["id"] = draft.pk
    lines[1]["id"] = draft.parent_id
    lines[2]["parent_id"] = lines[2]["id"]  # a record cannot be its own parent
    with pytest.raises(CommandError) as raised:
        run_import(write_lines(tmp_path / "records.jsonl", lines))
    assert raised.value.stdout.strip() == "imported 0, skipped 0 (already present), failed 3"
    assert f"line 1: id: {draft.pk} is already used by a draft or a parent record." in raised.value.stderr
    assert (
        f"line 2: id: {draft.parent_id} is already used by a draft or a parent record." in raised.value.stderr
    )
    assert "line 3: parent_id: A record cannot be its own parent." in raised.value.stderr
    assert Draft.objects.filter(pk=draft.pk).exists()


def test_versions_share_a_parent_and_only_the_highest_is_latest(tmp_path, api_client):
    parent_id = generate_id()
    first, second, third = generated_lines(3)
    second.update(parent_id=parent_id, versions={"index": 2})
    first.update(parent_id=parent_id)  # without an index: the next free one
    run_import(write_lines(tmp_path / "a.jsonl", [first, second]))

    versions = {record.pk: record for record in Record.objects.filter(parent_id=parent_id)}
    assert (versions[second["id"]].index, versions[second["id"]].is_latest) == (2, True)
    assert (versions[first["id"]].index, versions[first["id"]].is_latest) == (1, False)
    assert Parent.objects.get(pk=parent_id).owner is None
    assert PersistentIdentifier.objects.get(scheme="recid", value=parent_id).object_type == "par"

    third.update(parent_id=parent_id, versions={"index": 3})
    clash = {**generated_lines(1)[0], "parent_id": parent_id, "versions": {"index": 2}}
    not_a_parent = {**generated_lines(1)[0], "parent_id": second["id"]}
    without_parent = {**generated_lines(1)[0], "versions": {"index": 2}}
    with pytest.raises(CommandError) as raised:
        run_import(write_lines(tmp_path / "b.jsonl", [third, clash, not_a_parent, without_parent]))

    errors = [line for line in raised.value.stderr.splitlines() if line.startswith("line ")]
    assert errors == [
        f"line 2: versions.index: Version 2 of parent {parent_id} already exists.",
        f"line 3: parent_id: {second['id']} is not the id of a parent record.",
        "line 4: versions.index: Only version 1 can be imported without parent_id.",
    ]
    latest = Record.objects.filter(parent_id=parent_id, is_latest=True).get()
    assert latest.pk == third["id"] and latest.index == 3
    assert Record.objects.filter(parent_id=parent_id).count() == 3
    response = api_client.get(f"/api/records/{first['id']}/versions/latest")
    assert response.status_code == 302 and response["Location"].endswith(f"/api/records/{third['id']}")


def test_bulk_and_service_records_look_the_same_through_the_api(tmp_path, user, api_client):
    document = valid_document(
        description='<p onclick="x()">Profiles by <script>evil()</script><b>Argo</b> floats.</p>',
        subjects=[{"subject": "oceanography"}],
        languages=[{"id": "eng"}],
        rights=[{"id": "cc-by-4.0"}],
        additional_titles=[{"title": "Profils de température", "type": {"id": "translated-title"}}],
    )
    document["metadata"]["creators"][0]["person_or_org"]["identifiers"][0]["identifier"] = (
        "https://orcid.org/0000-0002-1825-0097"
    )
    document["pids"] = {"doi": {"identifier": "https://doi.org/10.5072/PARITY", "provider": "external"}}
    draft, errors = services.draft_create(actor=user, data=document)
    assert errors == []
    through_services = services.draft_publish(actor=user, draft_id=draft.pk)
    document["pids"] = {"doi": {"identifier": "10.5072/parity-import", "provider": "external"}}
    run_import(write_lines(tmp_path / "records.jsonl", [document]), owner=user.email)
    imported = Record.objects.exclude(pk=through_services.pk).get()

    def shown(record_id: str) -> dict:
        body = api_client.get(f"/api/records/{record_id}").json()
        for key in ("id", "created", "updated", "links"):
            body.pop(key)
        body["parent"].pop("id")
        body["pids"].pop("oai")
        body["pids"].pop("doi")
        return body

    assert shown(imported.pk) == shown(through_services.pk)
    for field in ("title", "publication_date", "search_text", "index", "is_latest", "revision_id"):
        assert getattr(imported, field) == getattr(through_services, field), field
    imported_json, service_json = imported.json, through_services.json
    assert imported_json.pop("pids") == {
        "doi": {"identifier": "10.5072/parity-import", "provider": "external"}
    }
    assert service_json.pop("pids") == {"doi": {"identifier": "10.5072/parity", "provider": "external"}}
    assert imported_json == service_json
    assert "<script>" not in imported_json["metadata"]["description"]


def test_search_index_is_told_after_each_batch_commits(
    tmp_path, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from records.search_models import SearchQueueEntry

    settings.OAI_PRERENDER_FORMATS = []  # only the search callbacks (OAI-PMH's: tests/oaipmh)

    class IndexingBackend(DatabaseSearchBackend):
        """A backend with an external index (as Elasticsearch): it must hear of every batch."""

        indexes_after_commit = True

    monkeypatch.setattr("records.bulk.write.get_backend", IndexingBackend)
    monkeypatch.setattr("repository.search.get_backend", IndexingBackend)
    lines = generated_lines(5)
    with django_capture_on_commit_callbacks() as callbacks:
        run_import(write_lines(tmp_path / "records.jsonl", lines), batch_size=2)
    assert len(callbacks) == 3  # after each batch's commit, a worker is asked to drain the queue
    queued = SearchQueueEntry.objects.values_list("record_id", flat=True)
    assert sorted(queued) == sorted(line["id"] for line in lines)  # written in the batches' transactions


def test_database_backend_queues_no_indexing(tmp_path, django_capture_on_commit_callbacks, settings):
    settings.OAI_PRERENDER_FORMATS = []  # only the search callbacks (OAI-PMH's: tests/oaipmh)
    path = write_lines(tmp_path / "records.jsonl", generated_lines(3))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run_import(path, batch_size=2)
    assert callbacks == []  # the search columns were written with the rows


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_error_rolls_back_its_batch_and_stops(tmp_path):
    lines = generated_lines(6)
    # A row the bulk path's checks do not look at but the PID table's unique constraint does.
    PersistentIdentifier.objects.create(scheme="oai", value=OAI + lines[3]["id"], status=PIDStatus.REGISTERED)

    with pytest.raises(CommandError, match="stopped by a database error"):
        run_import(write_lines(tmp_path / "records.jsonl", lines), batch_size=3)
    assert set(Record.objects.values_list("pk", flat=True)) == {line["id"] for line in lines[:3]}
    assert Parent.objects.count() == 3 and RecordRevision.objects.count() == 3


def test_database_error_message(tmp_path):
    lines = generated_lines(2)
    PersistentIdentifier.objects.create(scheme="oai", value=OAI + lines[1]["id"], status=PIDStatus.REGISTERED)
    with pytest.raises(CommandError) as raised:
        run_import(write_lines(tmp_path / "records.jsonl", lines), batch_size=1)
    assert "lines 2-2: database error, nothing of this batch was written" in raised.value.stderr
    assert raised.value.stdout.strip() == "imported 1, skipped 0 (already present), failed 0"
    assert not Record.objects.filter(pk=lines[1]["id"]).exists()


def raw_batches(lines: list[dict], size: int) -> list[tuple[int, int, list[tuple[int, bytes]]]]:
    """LINES as records.bulk.import_batches reads them: (first, last, numbered raw lines) per SIZE lines."""
    numbered = [(number, json.dumps(line).encode()) for number, line in enumerate(lines, start=1)]
    return [
        (chunk[0][0], chunk[-1][0], chunk)
        for chunk in (numbered[i : i + size] for i in range(0, len(numbered), size))
    ]


def writing_threads(threads: list[str]):
    """A writer for import_batches that notes the thread it runs on."""

    def write(batch, timings):
        threads.append(threading.current_thread().name)
        return write_batch(batch, timings=timings)

    return write


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_import_batches_writes_on_a_thread_of_its_own_in_order(tmp_path):
    lines = generated_lines(7)
    lines[5]["id"] = lines[1]["id"]  # committed by an earlier batch: skipped
    threads: list[str] = []

    outcomes = [
        (batch.first, batch.last, written.result())
        for batch, written in import_batches(raw_batches(lines, 3), write=writing_threads(threads))
    ]

    assert [(first, last) for first, last, _result in outcomes] == [(1, 3), (4, 6), (7, 7)]
    assert [result.skipped for _first, _last, result in outcomes] == [[], [6], []]
    assert threads and all(name.startswith("import-writer") for name in threads)
    assert threading.current_thread().name not in threads
    assert Record.objects.count() == 6 and RecordRevision.objects.count() == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_import_batches_stops_at_a_database_error():
    lines = generated_lines(9)
    PersistentIdentifier.objects.create(scheme="oai", value=OAI + lines[4]["id"], status=PIDStatus.REGISTERED)

    seen = []
    with pytest.raises(DatabaseError):
        for batch, written in import_batches(raw_batches(lines, 3)):
            seen.append(batch.first)
            written.result()

    assert seen == [1, 4]  # the third batch is not written after the second failed
    assert set(Record.objects.values_list("pk", flat=True)) == {line["id"] for line in lines[:3]}


def test_import_batches_inside_a_transaction_writes_on_this_thread():
    threads: list[str] = []
    outcomes = list(import_batches(raw_batches(generated_lines(4), 2), write=writing_threads(threads)))
    assert [len(written.result().imported) for _batch, written in outcomes] == [2, 2]
    assert threads == [threading.current_thread().name] * 2
    assert Record.objects.count() == 4
