"""Listing and publishing a record with many files costs a bounded number of queries."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from files import services
from records import services as record_services
from tests.files.conftest import files_document

pytestmark = pytest.mark.django_db


def draft_with_files(user, count: int):
    draft, _ = record_services.draft_create(actor=user, data=files_document())
    services.files_init(
        actor=user, draft_id=draft.pk, entries=[{"key": f"f{n:04}.txt"} for n in range(count)]
    )
    for n in range(count):
        key = f"f{n:04}.txt"
        services.file_upload_content(
            actor=user, draft_id=draft.pk, key=key, stream=io.BytesIO(b"x"), content_length=1
        )
        services.file_commit(actor=user, draft_id=draft.pk, key=key)
    return draft


def queries(callable_) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


def test_listing_and_publishing_do_not_grow_with_the_number_of_files(
    user, owner_client, local_only, django_assert_max_num_queries
):
    small = draft_with_files(user, 3)
    large = draft_with_files(user, 40)
    owner_client.get("/api/records")  # warm up: token lookup caches, vocabulary caches
    for path in ("/api/records/{}/draft/files", "/api/records/{}/draft"):
        counts = [queries(lambda d=d, p=path: owner_client.get(p.format(d.pk))) for d in (small, large)]
        assert counts[0] == counts[1], (path, counts)
    publishing = [
        queries(lambda d=d: owner_client.post(f"/api/records/{d.pk}/draft/actions/publish"))
        for d in (small, large)
    ]
    assert publishing[0] == publishing[1]
    # The bound is a constant: token, record, files, vocabularies, and the caller's community
    # roles (asked by each access filter of the page), never a query per file.
    for path in ("/api/records/{}/files", "/api/records/{}", "/records/{}"):
        with django_assert_max_num_queries(16):
            response = owner_client.get(path.format(large.pk))
        assert response.status_code == 200
    with django_assert_max_num_queries(16):
        assert len(owner_client.get("/api/records").json()["hits"]["hits"]) == 2


class Recorder:
    """The SQL of every statement the connection executes (an execute wrapper: it sees them
    whatever resets the connection's query log at the start of a request)."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def selects(self) -> list[str]:
        return [sql for sql in self.statements if sql.lstrip().upper().startswith("SELECT")]


def test_upload_and_commit_render_the_entry_they_wrote_without_reading_it_back(
    owner_client, draft, local_only
):
    """PUT content and commit answer with the entry the service just wrote (no draft and object
    lookups after the write), and that answer is exactly what reading the entry gives."""
    base = f"/api/records/{draft.pk}/draft/files"
    owner_client.post(base, [{"key": "a.csv"}], format="json")
    owner_client.get(base)  # warm up: token lookup caches
    uploading, committing = Recorder(), Recorder()
    with connection.execute_wrapper(uploading):
        put = owner_client.put(
            f"{base}/a.csv/content", b"a,b\n1,2\n", content_type="application/octet-stream"
        )
    assert put.status_code == 200
    assert put.json() == owner_client.get(f"{base}/a.csv").json()
    with connection.execute_wrapper(committing):
        commit = owner_client.post(f"{base}/a.csv/commit")
    assert commit.status_code == 200
    assert commit.json() == owner_client.get(f"{base}/a.csv").json()
    assert commit.json()["status"] == "completed" and commit.json()["checksum"] == put.json()["checksum"]
    # the last statements are the writes: no SELECT after the last UPDATE of the object
    for recorder in (uploading, committing):
        last_update = max(i for i, sql in enumerate(recorder.statements) if sql.startswith("UPDATE"))
        assert not [sql for sql in recorder.statements[last_update:] if sql.startswith("SELECT")]
