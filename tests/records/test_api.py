"""The records REST API: InvenioRDM's paths, shapes, errors and permissions."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from records import services
from tests.records.conftest import publish, valid_document

pytestmark = pytest.mark.django_db


def create_draft(client, document=None):
    response = client.post("/api/records", document or valid_document(), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_publish_read_roundtrip(owner_client, api_client, user):
    draft = create_draft(owner_client)
    assert draft["is_draft"] is True and draft["is_published"] is False and draft["status"] == "draft"
    assert draft["versions"] == {"index": 1, "is_latest": False, "is_latest_draft": True}
    assert draft["parent"]["access"]["owned_by"] == {"user": str(user.pk)}
    assert draft["links"]["publish"].endswith(f"/api/records/{draft['id']}/draft/actions/publish")
    assert "errors" not in draft

    published = owner_client.post(draft["links"]["publish"])
    assert published.status_code == 202, published.json()
    body = published.json()
    assert body["id"] == draft["id"] and body["is_published"] and not body["is_draft"]
    assert body["status"] == "published" and body["revision_id"] == 1
    assert body["versions"] == {"index": 1, "is_latest": True, "is_latest_draft": True}
    assert body["pids"]["oai"] == {"identifier": f"oai:127.0.0.1:{draft['id']}", "provider": "oai"}
    assert body["metadata"]["resource_type"]["title"]["en"] == "Dataset"
    assert body["access"]["status"] == "open"
    expected_keys = {
        "id", "pids", "metadata", "access", "files", "parent", "versions", "status", "is_draft",
        "is_published", "revision_id", "created", "updated", "links",
    }  # fmt: skip
    assert expected_keys <= set(body)

    read = api_client.get(f"/api/records/{draft['id']}")
    assert read.status_code == 200
    assert read["ETag"] == '"1"'
    assert read.json()["metadata"]["title"] == valid_document()["metadata"]["title"]


def test_create_invalid_is_saved_with_errors(owner_client):
    response = owner_client.post(
        "/api/records",
        {"metadata": {"title": "Ok title", "creators": [{"person_or_org": {"type": "personal"}}]}},
        format="json",
    )
    assert response.status_code == 201
    fields = {e["field"] for e in response.json()["errors"]}
    assert "metadata.creators.0.person_or_org.family_name" in fields
    assert "metadata.publication_date" in fields
    publish = owner_client.post(f"/api/records/{response.json()['id']}/draft/actions/publish")
    assert publish.status_code == 400
    body = publish.json()
    assert body["status"] == 400 and body["message"]
    assert "metadata.creators.0.person_or_org.family_name" in {e["field"] for e in body["errors"]}


def test_error_cases(owner_client, api_client):
    assert api_client.post("/api/records", valid_document(), format="json").status_code == 401
    malformed = owner_client.post("/api/records", data="{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["status"] == 400
    wrong_type = owner_client.post("/api/records", data="title=x", content_type="text/plain")
    assert wrong_type.status_code == 415
    unknown_schema = owner_client.post(
        "/api/records", {**valid_document(), "$schema": "local://records/record-v9.9.9.json"}, format="json"
    )
    assert unknown_schema.status_code == 400
    assert api_client.get("/api/records/abcde-12345").status_code == 404  # bad checksum
    assert api_client.get("/api/records/not-an-id").status_code == 404
    missing = api_client.get("/api/records/00000-00000")
    assert missing.status_code in (404,) and missing.json() == {
        "status": 404,
        "message": "The persistent identifier does not exist.",
    }


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_body_over_limit_is_413(owner_client):
    big = valid_document(description="x" * 5000)
    response = owner_client.post("/api/records", data=json.dumps(big), content_type="application/json")
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_drafts_are_private(owner_client, stranger_client, api_client, admin_client_api):
    draft = create_draft(owner_client)
    url = f"/api/records/{draft['id']}/draft"
    assert owner_client.get(url).status_code == 200
    assert admin_client_api.get(url).status_code == 200
    assert stranger_client.get(url).status_code == 404
    assert api_client.get(url).status_code == 401
    assert stranger_client.put(url, valid_document(), format="json").status_code == 404
    assert stranger_client.delete(url).status_code == 404
    assert stranger_client.post(f"{url}/actions/publish").status_code == 404
    assert api_client.get(f"/api/records/{draft['id']}").status_code == 404  # not published yet


def test_update_with_if_match(owner_client):
    draft = create_draft(owner_client)
    url = f"/api/records/{draft['id']}/draft"
    updated = owner_client.put(url, valid_document(title="New title"), format="json", HTTP_IF_MATCH='"1"')
    assert updated.status_code == 200 and updated["ETag"] == '"2"'
    assert updated.json()["metadata"]["title"] == "New title"
    stale = owner_client.put(url, valid_document(title="Lost"), format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert owner_client.get(url).json()["metadata"]["title"] == "New title"
    # A client can PUT back what it read: system and output-only fields are ignored.
    document = valid_document(languages=[{"id": "eng"}], rights=[{"id": "cc-by-4.0"}])
    owner_client.put(url, document, format="json")
    roundtrip = owner_client.get(url).json()
    assert roundtrip["metadata"]["languages"][0]["title"]["en"] == "English"
    assert roundtrip["access"]["status"] == "open"
    put_back = owner_client.put(url, roundtrip, format="json")
    assert put_back.status_code == 200 and "errors" not in put_back.json(), put_back.json()
    assert owner_client.post(f"{url}/actions/publish", HTTP_IF_MATCH='"1"').status_code == 412
    assert owner_client.post(f"{url}/actions/publish").status_code == 202


def test_edit_and_versions(owner_client, api_client):
    draft = create_draft(owner_client)
    record_id = draft["id"]
    owner_client.post(f"/api/records/{record_id}/draft/actions/publish")
    edit = owner_client.post(f"/api/records/{record_id}/draft")
    assert edit.status_code == 201 and edit.json()["status"] == "published" and edit.json()["is_published"]
    new_version = owner_client.post(f"/api/records/{record_id}/versions")
    assert new_version.status_code == 201
    nv = new_version.json()
    assert nv["status"] == "new_version_draft" and nv["versions"]["index"] == 2
    assert "publication_date" not in nv["metadata"]
    owner_client.put(f"/api/records/{nv['id']}/draft", valid_document(title="Version two"), format="json")
    assert owner_client.post(f"/api/records/{nv['id']}/draft/actions/publish").status_code == 202

    versions = api_client.get(f"/api/records/{record_id}/versions").json()
    assert versions["hits"]["total"] == 2
    assert [h["versions"]["index"] for h in versions["hits"]["hits"]] == [2, 1]
    latest = api_client.get(f"/api/records/{record_id}/versions/latest")
    assert latest.status_code == 302 and latest["Location"].endswith(f"/api/records/{nv['id']}")
    old = api_client.get(f"/api/records/{record_id}").json()
    assert old["versions"]["is_latest"] is False


def test_search(owner_client, api_client, user):
    for title in ("Glacier melt observations", "Coral reef photographs", "Glacier ice cores"):
        publish(user, valid_document(title=title))
    create_draft(owner_client, valid_document(title="Glacier draft nobody sees"))
    found = api_client.get("/api/records", {"q": "glacier"}).json()
    assert found["hits"]["total"] == 2
    assert {h["metadata"]["title"] for h in found["hits"]["hits"]} == {
        "Glacier melt observations",
        "Glacier ice cores",
    }
    assert found["sortBy"] == "bestmatch"
    assert api_client.get("/api/records", {"q": "glac"}).json()["hits"]["total"] == 0  # words are words
    assert api_client.get("/api/records", {"q": "glac*"}).json()["hits"]["total"] == 2
    assert api_client.get("/api/records", {"suggest": "glac"}).json()["hits"]["total"] == 2
    newest = api_client.get("/api/records", {"sort": "oldest", "size": 1, "page": 2}).json()
    assert newest["hits"]["total"] == 3 and len(newest["hits"]["hits"]) == 1
    assert newest["hits"]["hits"][0]["metadata"]["title"] == "Coral reef photographs"
    assert set(newest["links"]) == {"self", "prev", "next"}
    assert "page=3" in newest["links"]["next"]
    assert api_client.get("/api/records", {"q": "lovelace argo"}).json()["hits"]["total"] == 3
    assert api_client.get("/api/records", {"q": "_ glacier"}).json()["hits"]["total"] == 2
    assert api_client.get("/api/records", {"q": "_ glacier -"}).status_code == 400


def test_search_parameter_errors(api_client):
    for params in (
        {"page": "x"},
        {"size": "0"},
        {"size": 101},
        {"page": 101, "size": 100},
        {"sort": "bogus"},
    ):
        response = api_client.get("/api/records", params)
        assert response.status_code == 400, params
        assert response.json()["errors"]


def test_search_allversions(user, api_client, record):
    draft = services.record_new_version(actor=user, record_id=record.pk)
    services.draft_update(actor=user, draft_id=draft.pk, data=valid_document())
    services.draft_publish(actor=user, draft_id=draft.pk)
    assert api_client.get("/api/records").json()["hits"]["total"] == 1
    assert api_client.get("/api/records", {"allversions": "true"}).json()["hits"]["total"] == 2


def test_user_records(owner_client, stranger_client, user, record):
    draft = create_draft(owner_client, valid_document(title="Unfinished work"))
    mine = owner_client.get("/api/user/records").json()
    assert {h["id"] for h in mine["hits"]["hits"]} == {record.pk, draft["id"]}
    assert stranger_client.get("/api/user/records").json()["hits"]["total"] == 0
    only = owner_client.get("/api/user/records", {"q": "unfinished"}).json()
    assert [h["id"] for h in only["hits"]["hits"]] == [draft["id"]]


def test_delete_restore_revisions_admin_only(owner_client, admin_client_api, api_client, record):
    url = f"/api/records/{record.pk}"
    assert (
        owner_client.delete(f"{url}/delete", {"removal_reason": {"id": "spam"}}, format="json").status_code
        == 404
    )
    assert owner_client.get(f"{url}/revisions").status_code == 404
    bad = admin_client_api.delete(f"{url}/delete", {}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "removal_reason.id"
    deleted = admin_client_api.delete(
        f"{url}/delete",
        {"removal_reason": {"id": "spam"}, "note": "Spam", "citation_text": "X"},
        format="json",
    )
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted"
    gone = api_client.get(url)
    assert gone.status_code == 410
    assert gone.json()["tombstone"]["removal_reason"] == {"id": "spam"}
    assert admin_client_api.post(f"{url}/restore").status_code == 200
    assert api_client.get(url).status_code == 200
    revisions = admin_client_api.get(f"{url}/revisions").json()
    assert [r["revision_id"] for r in revisions] == [1, 2, 3]
    one = admin_client_api.get(f"{url}/revisions/2").json()
    assert one["action"] == "delete" and one["json"]["metadata"]["title"] == record.title
    assert admin_client_api.get(f"{url}/revisions/9").status_code == 404


def test_openapi_schema_lists_endpoints(api_client):
    response = api_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in (
        "/api/records",
        "/api/user/records",
        "/api/records/{id}",
        "/api/records/{id}/draft",
        "/api/records/{id}/draft/actions/publish",
        "/api/records/{id}/versions",
        "/api/records/{id}/versions/latest",
        "/api/records/{id}/revisions",
        "/api/records/{id}/revisions/{revision_id}",
        "/api/records/{id}/delete",
        "/api/records/{id}/restore",
    ):
        assert path in paths, path
    assert api_client.get("/api/docs").status_code == 200


def test_unknown_api_paths_answer_json(api_client):
    response = api_client.get("/api/records/abcde-12345/revisions/-1")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "message": "Not found."}


def test_top_level_sections_must_be_objects(owner_client):
    response = owner_client.post("/api/records", {"metadata": {}, "custom_fields": [None]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "custom_fields", "messages": ["Must be a JSON object."]}]


@pytest.mark.parametrize("text", ['"a\\u0000b"', '"\\ud800"'])
def test_text_no_database_can_store_is_400(owner_client, text):
    body = '{"metadata": {"title": ' + text + "}}"
    response = owner_client.post("/api/records", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "not allowed" in response.json()["message"]


@pytest.mark.parametrize(
    "url",
    ["/api/records?q=a%00b", "/api/vocabularies/languages?q=%00", "/doi/10.1234/a%00b", "/search?q=%00"],
)
def test_nul_in_url_is_400(api_client, url):
    assert api_client.get(url).status_code == 400


def test_restricted_record_is_invisible_to_others(
    owner_client, stranger_client, api_client, admin_client_api
):
    document = valid_document(title="Confidential okapi census")
    document["access"] = {"record": "restricted", "files": "restricted"}
    record_id = create_draft(owner_client, document)["id"]
    published = owner_client.post(f"/api/records/{record_id}/draft/actions/publish")
    assert published.status_code == 202 and published.json()["access"]["status"] == "restricted"
    for client in (api_client, stranger_client):
        assert client.get(f"/api/records/{record_id}").status_code == 404
        assert client.get("/api/records", {"q": "okapi"}).json()["hits"]["total"] == 0
        assert client.get(f"/records/{record_id}").status_code == 404
        assert client.get(f"/records/{record_id}/export/json").status_code == 404
    for client in (owner_client, admin_client_api):
        assert client.get(f"/api/records/{record_id}").status_code == 200
        assert client.get("/api/records", {"q": "okapi"}).json()["hits"]["total"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"metadata": {"title": NaN}}', "NaN is not a JSON value"),
        ('{"metadata": {"title": 1e999}}', "the number 1e999 is too large"),
        ("[" * 30000 + "]" * 30000, "nested too deeply"),
        ('{"metadata": {"x": ' + "[" * 100 + "]" * 100 + "}}", "Nested deeper than 64 levels"),
    ],
)
def test_json_no_database_can_store_is_400(owner_client, body, message):
    response = owner_client.post("/api/records", data=body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_user_records_sorting(owner_client, user):
    first = publish(user, valid_document(title="First record"))
    second = publish(user, valid_document(title="Second record"))
    services.record_edit(actor=user, record_id=first.pk)  # updating the oldest one last
    newest = owner_client.get("/api/user/records", {"sort": "newest"}).json()
    assert [h["id"] for h in newest["hits"]["hits"]] == [second.pk, first.pk]
    assert newest["sortBy"] == "newest"
    updated = owner_client.get("/api/user/records").json()
    assert [h["id"] for h in updated["hits"]["hits"]] == [first.pk, second.pk]
    assert updated["sortBy"] == "updated-desc"
    assert owner_client.get("/api/user/records", {"sort": "bestmatch"}).status_code == 400


def test_is_latest_draft_does_not_reveal_unpublished_versions(owner_client, api_client, user, record):
    services.record_new_version(actor=user, record_id=record.pk)
    assert owner_client.get(f"/api/records/{record.pk}").json()["versions"]["is_latest_draft"] is False
    assert api_client.get(f"/api/records/{record.pk}").json()["versions"]["is_latest_draft"] is True
