"""The upload API (InvenioRDM's three steps) on local storage and on S3, and its error cases."""

from __future__ import annotations

import base64
import io

import pytest

from files import services
from files.exceptions import UploadIncomplete
from files.models import Bucket, FileInstance, ObjectVersion
from tests.files.conftest import md5, upload

pytestmark = pytest.mark.django_db

DATA = b"temperature,depth\n12.5,100\n11.9,200\n"


def base(draft_id: str) -> str:
    return f"/api/records/{draft_id}/draft/files"


def test_three_steps_store_the_bytes_and_describe_the_file(owner_client, draft, location):
    response = owner_client.post(base(draft.pk), [{"key": "data.csv"}], format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["enabled"] is True and body["order"] == [] and body["default_preview"] is None
    [entry] = body["entries"]
    assert entry["key"] == "data.csv" and entry["status"] == "pending"
    assert entry["links"]["content"].endswith(f"/api/records/{draft.pk}/draft/files/data.csv/content")
    assert entry["links"]["commit"].endswith(f"/api/records/{draft.pk}/draft/files/data.csv/commit")
    assert location.names() == []

    response = owner_client.put(
        f"{base(draft.pk)}/data.csv/content", DATA, content_type="application/octet-stream"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "pending"

    response = owner_client.post(f"{base(draft.pk)}/data.csv/commit")
    assert response.status_code == 200
    entry = response.json()
    assert entry["status"] == "completed"
    assert entry["checksum"] == f"md5:{md5(DATA)}"
    assert entry["size"] == len(DATA)
    assert entry["mimetype"] == "text/csv"
    instance = FileInstance.objects.get(pk=entry["file_id"])
    assert instance.location == location.name and instance.readable and not instance.writable
    assert entry["version_id"] and entry["bucket_id"]
    assert location.names() == [instance.uri]

    content = owner_client.get(f"{base(draft.pk)}/data.csv/content")
    assert content.status_code == 200 and b"".join(content.streaming_content) == DATA

    draft_json = owner_client.get(f"/api/records/{draft.pk}/draft").json()
    assert draft_json["files"]["count"] == 1 and draft_json["files"]["total_bytes"] == len(DATA)
    assert draft_json["files"]["entries"]["data.csv"]["checksum"] == f"md5:{md5(DATA)}"


def test_content_md5_mismatch_is_rejected_and_nothing_is_kept(owner_client, draft, location):
    owner_client.post(base(draft.pk), [{"key": "data.csv"}], format="json")
    wrong = base64.b64encode(bytes.fromhex(md5(b"other"))).decode()
    response = owner_client.put(
        f"{base(draft.pk)}/data.csv/content",
        DATA,
        content_type="application/octet-stream",
        HTTP_CONTENT_MD5=wrong,
    )
    assert response.status_code == 400
    assert "Content-MD5 mismatch" in response.json()["message"]
    assert location.names() == []
    assert not FileInstance.objects.exists()
    entry = owner_client.get(f"{base(draft.pk)}/data.csv").json()
    assert entry["status"] == "pending" and "file_id" not in entry

    right = base64.b64encode(bytes.fromhex(md5(DATA))).decode()
    response = owner_client.put(
        f"{base(draft.pk)}/data.csv/content",
        DATA,
        content_type="application/octet-stream",
        HTTP_CONTENT_MD5=right,
    )
    assert response.status_code == 200 and response.json()["checksum"] == f"md5:{md5(DATA)}"


def test_init_checksum_mismatch_is_rejected_and_nothing_is_kept(owner_client, draft, location):
    response = owner_client.post(
        base(draft.pk), [{"key": "a.bin", "checksum": f"md5:{md5(b'x')}"}], format="json"
    )
    assert response.status_code == 201
    response = owner_client.put(
        f"{base(draft.pk)}/a.bin/content", DATA, content_type="application/octet-stream"
    )
    assert response.status_code == 400 and "Checksum mismatch" in response.json()["message"]
    assert location.names() == [] and not FileInstance.objects.exists()


def test_a_cut_upload_leaves_no_file_and_can_be_retried(user, owner_client, draft, location):
    """The body ends before its announced length: what a WSGI server hands over when the client goes away."""
    owner_client.post(base(draft.pk), [{"key": "big.bin"}], format="json")
    with pytest.raises(UploadIncomplete):
        services.file_upload_content(
            actor=user,
            draft_id=draft.pk,
            key="big.bin",
            stream=io.BytesIO(DATA),
            content_length=len(DATA) + 1000,
        )
    assert location.names() == [] and not FileInstance.objects.exists()
    assert owner_client.get(f"{base(draft.pk)}/big.bin").json()["status"] == "pending"
    upload_again = owner_client.put(
        f"{base(draft.pk)}/big.bin/content", DATA, content_type="application/octet-stream"
    )
    assert upload_again.status_code == 200
    assert owner_client.post(f"{base(draft.pk)}/big.bin/commit").json()["size"] == len(DATA)


def test_commit_without_content_is_refused(owner_client, draft, local_only):
    owner_client.post(base(draft.pk), [{"key": "a.txt"}], format="json")
    response = owner_client.post(f"{base(draft.pk)}/a.txt/commit")
    assert response.status_code == 400 and "no content" in response.json()["message"]


def test_committed_file_cannot_be_overwritten(owner_client, draft, local_only):
    upload(owner_client, draft.pk, "a.txt", DATA)
    response = owner_client.put(
        f"{base(draft.pk)}/a.txt/content", b"new", content_type="application/octet-stream"
    )
    assert response.status_code == 409
    response = owner_client.post(base(draft.pk), [{"key": "a.txt"}], format="json")
    assert response.status_code == 400 and "already exists" in response.json()["message"]


def test_reuploading_pending_content_replaces_the_previous_bytes(
    owner_client, draft, local_only, django_capture_on_commit_callbacks
):
    owner_client.post(base(draft.pk), [{"key": "a.txt"}], format="json")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.put(f"{base(draft.pk)}/a.txt/content", b"first", content_type="application/octet-stream")
        owner_client.put(f"{base(draft.pk)}/a.txt/content", DATA, content_type="application/octet-stream")
    assert FileInstance.objects.count() == 1
    assert len([p for p in local_only.rglob("*") if p.is_file()]) == 1
    assert owner_client.post(f"{base(draft.pk)}/a.txt/commit").json()["size"] == len(DATA)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, None),
        ([], None),
        (["x"], "0"),
        ([{"key": ""}], "0.key"),
        ([{"key": "a/b"}], "0.key"),
        ([{"key": "x" * 256}], "0.key"),
        ([{"key": "a", "size": -1}], "0.size"),
        ([{"key": "a", "size": "1"}], "0.size"),
        ([{"key": "a", "checksum": "sha1:abc"}], "0.checksum"),
        ([{"key": "a", "metadata": []}], "0.metadata"),
        ([{"key": "a", "transfer": {"type": "X"}}], "0.transfer"),
    ],
)
def test_bad_init_bodies_are_400_and_create_nothing(owner_client, draft, body, field):
    response = owner_client.post(base(draft.pk), body, format="json")
    assert response.status_code == 400
    if field:
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not ObjectVersion.objects.exists()


def test_duplicate_keys_in_one_init_are_refused(owner_client, draft):
    response = owner_client.post(base(draft.pk), [{"key": "a"}, {"key": "a"}], format="json")
    assert response.status_code == 400 and "Duplicate" in response.json()["message"]
    assert not ObjectVersion.objects.exists()


def test_metadata_only_drafts_take_no_files(owner_client, user):
    from records import services
    from tests.records.conftest import valid_document

    draft, _ = services.draft_create(actor=user, data=valid_document())  # files.enabled = false
    response = owner_client.post(base(draft.pk), [{"key": "a"}], format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "files.enabled"


def test_delete_one_file_and_all_files(owner_client, draft, local_only, django_capture_on_commit_callbacks):
    upload(owner_client, draft.pk, "a.txt", b"a")
    upload(owner_client, draft.pk, "b.txt", b"b")
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"{base(draft.pk)}/a.txt").status_code == 204
    assert [e["key"] for e in owner_client.get(base(draft.pk)).json()["entries"]] == ["b.txt"]
    assert owner_client.delete(f"{base(draft.pk)}/a.txt").status_code == 404
    assert len([p for p in local_only.rglob("*") if p.is_file()]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(base(draft.pk)).status_code == 204
    assert owner_client.get(base(draft.pk)).json()["entries"] == []
    assert [p for p in local_only.rglob("*") if p.is_file()] == []
    assert not FileInstance.objects.exists()


def test_file_metadata_can_be_updated(owner_client, draft, local_only):
    upload(owner_client, draft.pk, "a.txt", b"a")
    response = owner_client.put(f"{base(draft.pk)}/a.txt", {"metadata": {"description": "x"}}, format="json")
    assert response.status_code == 200 and response.json()["metadata"] == {"description": "x"}
    response = owner_client.put(f"{base(draft.pk)}/a.txt", {"metadata": "x"}, format="json")
    assert response.status_code == 400


def test_others_see_no_draft_files(
    owner_client, stranger_client, api_client, admin_client_api, draft, local_only
):
    upload(owner_client, draft.pk, "a.txt", b"a")
    for path in (base(draft.pk), f"{base(draft.pk)}/a.txt", f"{base(draft.pk)}/a.txt/content"):
        assert stranger_client.get(path).status_code == 404
        assert api_client.get(path).status_code == 401
        assert admin_client_api.get(path).status_code == 200
    assert stranger_client.post(base(draft.pk), [{"key": "b"}], format="json").status_code == 404
    assert stranger_client.delete(f"{base(draft.pk)}/a.txt").status_code == 404
    assert (
        stranger_client.put(
            f"{base(draft.pk)}/a.txt/content", b"x", content_type="application/octet-stream"
        ).status_code
        == 404
    )
    assert Bucket.objects.get().versions.get().file.size == 1
