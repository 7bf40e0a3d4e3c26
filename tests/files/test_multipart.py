"""Multipart transfers (type "M"): parts in any order, retriable, assembled and verified at commit."""

from __future__ import annotations

import os

import pytest

from files.models import FileInstance, MultipartPart
from tests.files.conftest import md5

pytestmark = pytest.mark.django_db

PART = 5 * 1024 * 1024  # S3's smallest part size


def base(draft_id: str) -> str:
    return f"/api/records/{draft_id}/draft/files"


def init(client, draft_id, data: bytes, parts: int, **extra):
    entry = {
        "key": "big.bin",
        "size": len(data),
        "transfer": {"type": "M", "parts": parts, "part_size": PART},
    }
    entry.update(extra)
    return client.post(base(draft_id), [entry], format="json")


def put_part(client, draft_id, number: int, data: bytes):
    return client.put(
        f"{base(draft_id)}/big.bin/content/{number}", data, content_type="application/octet-stream"
    )


def test_parts_in_any_order_with_a_retry_assemble_into_the_file(owner_client, draft, location):
    data = os.urandom(2 * PART + 1000)
    pieces = [data[:PART], data[PART : 2 * PART], data[2 * PART :]]
    response = init(owner_client, draft.pk, data, 3)
    assert response.status_code == 201
    [entry] = response.json()["entries"]
    assert entry["transfer"] == {"type": "M", "parts": 3, "part_size": PART}
    assert [p["part"] for p in entry["links"]["parts"]] == [1, 2, 3]
    assert entry["links"]["parts"][2]["url"].endswith(f"{base(draft.pk)}/big.bin/content/3")

    assert put_part(owner_client, draft.pk, 3, pieces[2]).status_code == 200
    assert put_part(owner_client, draft.pk, 1, b"z" * PART).status_code == 200  # a bad first try
    missing = owner_client.post(f"{base(draft.pk)}/big.bin/commit")
    assert missing.status_code == 400 and "Missing parts: 2" in missing.json()["message"]
    assert put_part(owner_client, draft.pk, 2, pieces[1]).status_code == 200
    assert put_part(owner_client, draft.pk, 1, pieces[0]).status_code == 200  # the retry replaces it
    assert owner_client.get(f"{base(draft.pk)}/big.bin").json()["status"] == "pending"

    response = owner_client.post(f"{base(draft.pk)}/big.bin/commit")
    assert response.status_code == 200, response.json()
    entry = response.json()
    assert entry["status"] == "completed" and entry["size"] == len(data)
    assert entry["checksum"] == f"md5:{md5(data)}"
    content = owner_client.get(f"{base(draft.pk)}/big.bin/content")
    assert b"".join(content.streaming_content) == data
    assert not MultipartPart.objects.exists()
    assert location.names() == [FileInstance.objects.get().uri]  # parts are gone


def test_wrong_part_sizes_and_numbers(owner_client, draft, local_only):
    data = b"x" * (PART + 10)
    init(owner_client, draft.pk, data, 2)
    assert put_part(owner_client, draft.pk, 2, b"x" * 11).status_code == 413
    assert put_part(owner_client, draft.pk, 2, b"x" * 9).status_code == 400
    assert put_part(owner_client, draft.pk, 3, b"x" * 10).status_code == 404
    assert (
        owner_client.put(
            f"{base(draft.pk)}/big.bin/content", data, content_type="application/octet-stream"
        ).status_code
        == 400
    )


def test_assembled_checksum_mismatch_keeps_nothing(owner_client, draft, location):
    data = b"a" * (PART + 10)
    init(owner_client, draft.pk, data, 2, checksum=f"md5:{md5(b'other')}")
    put_part(owner_client, draft.pk, 1, data[:PART])
    put_part(owner_client, draft.pk, 2, data[PART:])
    response = owner_client.post(f"{base(draft.pk)}/big.bin/commit")
    assert response.status_code == 400 and "Checksum mismatch" in response.json()["message"]
    assert location.names() == [] and not FileInstance.objects.exists() and not MultipartPart.objects.exists()
    assert owner_client.get(f"{base(draft.pk)}/big.bin").json()["status"] == "pending"


def test_deleting_an_unfinished_transfer_removes_its_parts(
    owner_client, draft, location, django_capture_on_commit_callbacks
):
    data = b"a" * (PART + 10)
    init(owner_client, draft.pk, data, 2)
    put_part(owner_client, draft.pk, 1, data[:PART])
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"{base(draft.pk)}/big.bin").status_code == 204
    assert location.names() == [] and not FileInstance.objects.exists()
    if location.s3:
        bucket, client = location.s3
        assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.parametrize(
    "transfer",
    [
        {"type": "M"},
        {"type": "M", "parts": 2, "part_size": 10},  # 2 * 10 < size
        {"type": "M", "parts": 0, "part_size": PART},
        {"type": "M", "parts": 10_001, "part_size": 1},
    ],
)
def test_bad_multipart_init(owner_client, draft, transfer):
    response = owner_client.post(
        base(draft.pk), [{"key": "a", "size": 100, "transfer": transfer}], format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "0.transfer"
