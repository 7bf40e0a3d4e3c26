"""Files through a record's life: publish, edit, new version, files-import, discard."""

from __future__ import annotations

import pytest

from files.models import Bucket, FileInstance, ObjectVersion
from records import services as record_services
from tests.files.conftest import files_document, md5, publish, upload

pytestmark = pytest.mark.django_db


def files_of(client, record_id: str, *, draft: bool = False) -> dict:
    path = f"/api/records/{record_id}/draft/files" if draft else f"/api/records/{record_id}/files"
    response = client.get(path)
    assert response.status_code == 200, response.json()
    return {e["key"]: e for e in response.json()["entries"]}


def test_publish_needs_a_file_when_files_are_enabled(owner_client, draft, local_only):
    response = publish(owner_client, draft.pk)
    assert response.status_code == 400
    assert {
        "field": "files.enabled",
        "messages": [
            "Missing uploaded files. To disable files for this record please mark it as metadata-only."
        ],
    } in response.json()["errors"]


def test_publish_refuses_pending_files(owner_client, draft, local_only):
    upload(owner_client, draft.pk, "done.txt", b"done")
    owner_client.post(f"/api/records/{draft.pk}/draft/files", [{"key": "later.txt"}], format="json")
    response = publish(owner_client, draft.pk)
    assert response.status_code == 400
    [error] = [e for e in response.json()["errors"] if e["field"] == "files"]
    assert "later.txt" in error["messages"][0]
    assert owner_client.get(f"/api/records/{draft.pk}").status_code == 404


def test_metadata_only_with_files_is_refused(owner_client, user, draft, local_only):
    upload(owner_client, draft.pk, "a.txt", b"a")
    record_services.draft_update(actor=user, draft_id=draft.pk, data=files_document(enabled=False))
    response = publish(owner_client, draft.pk)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "files.enabled"


def test_order_and_default_preview_must_name_files(owner_client, user, draft, local_only):
    upload(owner_client, draft.pk, "a.txt", b"a")
    upload(owner_client, draft.pk, "b.txt", b"b")
    record_services.draft_update(
        actor=user, draft_id=draft.pk, data=files_document(order=["c.txt"], default_preview="z.txt")
    )
    response = publish(owner_client, draft.pk)
    assert {e["field"] for e in response.json()["errors"]} == {"files.order", "files.default_preview"}
    record_services.draft_update(
        actor=user, draft_id=draft.pk, data=files_document(order=["b.txt", "a.txt"], default_preview="b.txt")
    )
    assert [e["key"] for e in owner_client.get(f"/api/records/{draft.pk}/draft/files").json()["entries"]] == [
        "b.txt",
        "a.txt",
    ]
    assert publish(owner_client, draft.pk).status_code == 202
    listing = owner_client.get(f"/api/records/{draft.pk}/files").json()
    assert [e["key"] for e in listing["entries"]] == ["b.txt", "a.txt"]
    assert listing["default_preview"] == "b.txt" and listing["order"] == ["b.txt", "a.txt"]


def test_published_record_shows_its_files(owner_client, api_client, draft, location):
    csv = b"1,2,3\n"
    upload(owner_client, draft.pk, "data.csv", csv)
    upload(owner_client, draft.pk, "readme.txt", b"read me")
    response = publish(owner_client, draft.pk)
    assert response.status_code == 202
    section = response.json()["files"]
    assert section["enabled"] is True and section["count"] == 2 and section["total_bytes"] == 13
    entry = section["entries"]["data.csv"]
    assert entry["checksum"] == f"md5:{md5(csv)}" and entry["size"] == 6 and entry["ext"] == "csv"
    assert entry["mimetype"] == "text/csv"
    assert entry["links"]["content"].endswith(f"/api/records/{draft.pk}/files/data.csv/content")
    assert api_client.get(f"/api/records/{draft.pk}").json()["files"] == section
    listing = files_of(api_client, draft.pk)
    assert set(listing) == {"data.csv", "readme.txt"} and listing["data.csv"]["status"] == "completed"
    assert "commit" not in listing["data.csv"]["links"]
    one = api_client.get(f"/api/records/{draft.pk}/files/readme.txt").json()
    assert one["size"] == 7
    content = api_client.get(f"/api/records/{draft.pk}/files/readme.txt/content")
    assert b"".join(content.streaming_content) == b"read me"
    assert not Bucket.objects.filter(owner_kind="draft").exists()  # the draft's bucket went with it
    assert len(location.names()) == 2  # published without copying bytes


def test_search_results_carry_the_files_sections(owner_client, api_client, draft, local_only):
    upload(owner_client, draft.pk, "a.txt", b"abc")
    publish(owner_client, draft.pk)
    [hit] = api_client.get("/api/records").json()["hits"]["hits"]
    assert hit["files"]["count"] == 1 and set(hit["files"]["entries"]) == {"a.txt"}


def test_editing_shares_instances_and_deleting_in_the_draft_keeps_the_published_file(
    user, owner_client, api_client, draft, location, django_capture_on_commit_callbacks
):
    upload(owner_client, draft.pk, "a.txt", b"first file")
    upload(owner_client, draft.pk, "b.txt", b"second file")
    publish(owner_client, draft.pk)
    published = files_of(api_client, draft.pk)

    assert owner_client.post(f"/api/records/{draft.pk}/draft").status_code == 201
    in_draft = files_of(owner_client, draft.pk, draft=True)
    assert {k: e["file_id"] for k, e in in_draft.items()} == {k: e["file_id"] for k, e in published.items()}
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"/api/records/{draft.pk}/draft/files/a.txt").status_code == 204
    assert set(files_of(api_client, draft.pk)) == {"a.txt", "b.txt"}  # published version untouched
    content = api_client.get(f"/api/records/{draft.pk}/files/a.txt/content")
    assert b"".join(content.streaming_content) == b"first file"
    assert len(location.names()) == 2

    assert publish(owner_client, draft.pk).status_code == 202
    assert set(files_of(api_client, draft.pk)) == {"b.txt"}
    assert api_client.get(f"/api/records/{draft.pk}/files/a.txt").status_code == 404
    # The removed file stays stored: the record's earlier revision still references it.
    marker = ObjectVersion.objects.get(bucket__owner_kind="record", key="a.txt", is_head=True)
    assert marker.delete_marker and marker.file_id is None
    assert ObjectVersion.objects.filter(key="a.txt", is_head=False, file__isnull=False).exists()
    assert len(location.names()) == 2


def test_new_version_imports_previous_files_without_copying(owner_client, api_client, draft, location):
    upload(owner_client, draft.pk, "a.txt", b"version one")
    publish(owner_client, draft.pk)
    new = owner_client.post(f"/api/records/{draft.pk}/versions").json()
    assert files_of(owner_client, new["id"], draft=True) == {}
    response = owner_client.post(f"/api/records/{new['id']}/draft/actions/files-import")
    assert response.status_code == 201
    [entry] = response.json()["entries"]
    assert entry["key"] == "a.txt" and entry["status"] == "completed"
    assert entry["file_id"] == files_of(api_client, draft.pk)["a.txt"]["file_id"]
    assert FileInstance.objects.count() == 1 and len(location.names()) == 1
    again = owner_client.post(f"/api/records/{new['id']}/draft/actions/files-import")
    assert again.status_code == 400  # files are already there
    assert publish(owner_client, new["id"]).status_code == 400  # metadata incomplete, files fine
    errors = publish(owner_client, new["id"]).json()["errors"]
    assert not [e for e in errors if e["field"].startswith("files")]


def test_files_import_only_for_new_versions(owner_client, draft, local_only):
    assert owner_client.post(f"/api/records/{draft.pk}/draft/actions/files-import").status_code == 400
    upload(owner_client, draft.pk, "a.txt", b"a")
    publish(owner_client, draft.pk)
    owner_client.post(f"/api/records/{draft.pk}/draft")
    assert owner_client.post(f"/api/records/{draft.pk}/draft/actions/files-import").status_code == 400


def test_discarding_a_draft_removes_bytes_only_it_had(
    owner_client, draft, location, django_capture_on_commit_callbacks
):
    upload(owner_client, draft.pk, "a.txt", b"published")
    publish(owner_client, draft.pk)
    owner_client.post(f"/api/records/{draft.pk}/draft")
    upload(owner_client, draft.pk, "new.txt", b"only in the draft")
    assert len(location.names()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"/api/records/{draft.pk}/draft").status_code == 204
    assert len(location.names()) == 1
    assert FileInstance.objects.count() == 1
    assert not Bucket.objects.filter(owner_kind="draft").exists()

    second = owner_client.post("/api/records", files_document(), format="json").json()
    upload(owner_client, second["id"], "x.txt", b"abandoned")
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.delete(f"/api/records/{second['id']}/draft").status_code == 204
    assert len(location.names()) == 1


def test_restricted_files_are_403_for_others_but_listed_for_the_owner(
    owner_client, stranger_client, api_client, user, local_only
):
    document = files_document()
    document["access"] = {"record": "public", "files": "restricted"}
    draft, _ = record_services.draft_create(actor=user, data=document)
    upload(owner_client, draft.pk, "secret.txt", b"secret")
    publish(owner_client, draft.pk)
    for client in (stranger_client, api_client):
        for path in ("files", "files/secret.txt", "files/secret.txt/content"):
            assert client.get(f"/api/records/{draft.pk}/{path}").status_code == 403
        section = client.get(f"/api/records/{draft.pk}").json()["files"]
        assert section["entries"] == {} and section["count"] == 1
    assert set(files_of(owner_client, draft.pk)) == {"secret.txt"}


def test_invisible_records_files_are_404(owner_client, stranger_client, user, local_only):
    document = files_document()
    document["access"] = {"record": "restricted", "files": "restricted"}
    draft, _ = record_services.draft_create(actor=user, data=document)
    upload(owner_client, draft.pk, "a.txt", b"a")
    publish(owner_client, draft.pk)
    for path in ("files", "files/a.txt", "files/a.txt/content"):
        assert stranger_client.get(f"/api/records/{draft.pk}/{path}").status_code == 404
    assert stranger_client.get("/api/records/zzzzz-zzzzz/files").status_code == 404


def test_deleted_record_files_are_gone(owner_client, api_client, admin_client_api, draft, local_only):
    upload(owner_client, draft.pk, "a.txt", b"a")
    publish(owner_client, draft.pk)
    admin_client_api.post(
        f"/api/records/{draft.pk}/delete", {"removal_reason": {"id": "spam"}}, format="json"
    )
    assert api_client.get(f"/api/records/{draft.pk}/files").status_code == 410
    assert api_client.get(f"/api/records/{draft.pk}/files/a.txt/content").status_code == 410


def test_landing_page_lists_files_with_sizes_checksums_and_links(owner_client, client, draft, local_only):
    upload(owner_client, draft.pk, "data.csv", b"x" * 2048)
    publish(owner_client, draft.pk)
    html = client.get(f"/records/{draft.pk}").content.decode()
    assert '<td class="file-key">data.csv</td>' in html
    assert "2.0\xa0KB" in html
    assert f"md5:{md5(b'x' * 2048)}" in html
    assert f'/api/records/{draft.pk}/files/data.csv/content?download=1"' in html


def test_file_type_facet_counts_published_files(owner_client, api_client, draft, local_only):
    """The search index takes file types from the files app: the facet and the filter see them."""
    upload(owner_client, draft.pk, "table.CSV", b"a,b\n1,2\n")
    assert publish(owner_client, draft.pk).status_code == 202
    body = api_client.get("/api/records", {"file_type": "csv"}).json()
    assert [hit["id"] for hit in body["hits"]["hits"]] == [draft.pk]
    buckets = body["aggregations"]["file_type"]["buckets"]
    assert [(bucket["key"], bucket["doc_count"]) for bucket in buckets] == [("csv", 1)]
