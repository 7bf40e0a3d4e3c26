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
