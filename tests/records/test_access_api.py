"""The record access REST API: grants, user/group grants, secret links, and ?token= everywhere."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from records import services
from records.models import Draft
from tests.conftest import _client_for
from tests.records.access_helpers import grant, link, make_group, make_user, publish, restricted_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(user):
    return publish(user, restricted_document())


def test_share_with_a_user_then_change_and_revoke(owner_client, restricted, other_user):
    base = f"/api/records/{restricted.pk}/access"
    stranger = _client_for(other_user)
    assert stranger.get(f"/api/records/{restricted.pk}").status_code == 404

    response = owner_client.post(
        f"{base}/grants",
        {"grants": [{"subject": {"type": "user", "id": str(other_user.pk)}, "permission": "view"}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["hits"]["total"] == 1
    hit = response.json()["hits"]["hits"][0]
    assert hit["subject"] == {"type": "user", "id": str(other_user.pk)} and hit["permission"] == "view"
    assert stranger.get(f"/api/records/{restricted.pk}").status_code == 200

    assert owner_client.get(f"{base}/grants/0").json()["permission"] == "view"
    assert owner_client.get(f"{base}/users/{other_user.pk}").json()["id"] == str(other_user.pk)
    response = owner_client.patch(f"{base}/users/{other_user.pk}", {"permission": "preview"}, format="json")
    assert response.status_code == 200 and response.json()["permission"] == "preview"
    response = owner_client.patch(f"{base}/grants/0", {"permission": "edit"}, format="json")
    assert response.json()["permission"] == "edit"
    assert stranger.post(f"/api/records/{restricted.pk}/draft").status_code == 201  # edit level

    assert owner_client.delete(f"{base}/grants/0").status_code == 204
    assert owner_client.get(f"{base}/grants").json()["hits"]["total"] == 0
    assert stranger.get(f"/api/records/{restricted.pk}").status_code == 404


def test_share_with_a_group(owner_client, restricted, other_user):
    group = make_group("Ocean lab", other_user)
    base = f"/api/records/{restricted.pk}/access"
    response = owner_client.post(
        f"{base}/grants",
        {"grants": [{"subject": {"type": "group", "id": str(group.pk)}, "permission": "preview"}]},
        format="json",
    )
    assert response.status_code == 201
    assert owner_client.get(f"{base}/groups").json()["hits"]["hits"][0]["id"] == str(group.pk)
    assert owner_client.get(f"{base}/users").json()["hits"]["total"] == 0
    member = _client_for(other_user)
    assert member.get(f"/api/records/{restricted.pk}").status_code == 200
    assert owner_client.delete(f"{base}/groups/{group.pk}").status_code == 204
    assert member.get(f"/api/records/{restricted.pk}").status_code == 404


def test_bad_grant_requests_are_400_and_write_nothing(owner_client, restricted, other_user):
    base = f"/api/records/{restricted.pk}/access/grants"
    ok = {"subject": {"type": "user", "id": str(other_user.pk)}, "permission": "view"}
    for body, field in [
        ({}, "grants"),
        ({"grants": "everyone"}, "grants"),
        (
            {"grants": [ok, {"subject": {"type": "user", "id": "424242"}, "permission": "view"}]},
            "grants.1.subject.id",
        ),
        ({"grants": [{**ok, "permission": "admin"}]}, "grants.0.permission"),
        ({"grants": [{**ok, "expires_at": "1999-12-31"}]}, "grants.0.expires_at"),
    ]:
        response = owner_client.post(base, body, format="json")
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["field"] == field
    assert owner_client.get(base).json()["hits"]["total"] == 0  # the valid first grant was rolled back
    assert owner_client.post(base, [1, 2], format="json").status_code == 400
    assert owner_client.get(f"{base}/7").status_code == 404
    assert owner_client.get(f"{base}/x").status_code == 404
    assert owner_client.patch(f"{base}/0", {"permission": "view"}, format="json").status_code == 404


def test_secret_link_lifecycle_and_token_on_api_and_pages(owner_client, api_client, restricted, user):
    base = f"/api/records/{restricted.pk}/access/links"
    response = owner_client.post(base, {"permission": "view", "description": "reviewers"}, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["permission"] == "view" and created["description"] == "reviewers" and created["token"]
    token = created["token"]

    assert api_client.get(f"/api/records/{restricted.pk}").status_code == 404
    assert api_client.get(f"/api/records/{restricted.pk}?token={token}").status_code == 200
    assert api_client.get(f"/records/{restricted.pk}").status_code == 404
    assert api_client.get(f"/records/{restricted.pk}?token={token}").status_code == 200
    assert api_client.get(f"/records/{restricted.pk}/export/json?token={token}").status_code == 200
    found = api_client.get(f"/api/records?token={token}").json()["hits"]["hits"]
    assert [hit["id"] for hit in found] == [restricted.pk]
    assert api_client.get("/api/records").json()["hits"]["total"] == 0
    assert api_client.get(f"/api/records/{restricted.pk}?token=wrong").status_code == 404

    assert owner_client.get(base).json()["hits"]["total"] == 1
    assert owner_client.get(f"{base}/{created['id']}").json()["token"] == token
    response = owner_client.patch(f"{base}/{created['id']}", {"description": "panel"}, format="json")
    assert response.json()["description"] == "panel" and response.json()["token"] == token
    assert (
        owner_client.patch(f"{base}/{created['id']}", {"permission": "manage"}, format="json").status_code
        == 400
    )
    assert owner_client.patch(f"{base}/{created['id']}", {"colour": "red"}, format="json").status_code == 400

    assert owner_client.delete(f"{base}/{created['id']}").status_code == 204
    assert api_client.get(f"/api/records/{restricted.pk}?token={token}").status_code == 404
    assert owner_client.get(f"{base}/{created['id']}").status_code == 404
    assert owner_client.get(f"{base}/not-a-uuid").status_code == 404


def test_preview_link_shows_the_draft_page_and_api(user, api_client, other_user):
    draft, _ = services.draft_create(actor=user, data=restricted_document())
    secret = link(user, draft.pk, "preview")
    viewer = _client_for(other_user)
    assert viewer.get(f"/api/records/{draft.pk}/draft").status_code == 404
    assert viewer.get(f"/api/records/{draft.pk}/draft?token={secret.token}").status_code == 200
    assert (
        viewer.put(f"/api/records/{draft.pk}/draft?token={secret.token}", {}, format="json").status_code
        == 403
    )
    assert api_client.get(f"/uploads/{draft.pk}?token={secret.token}").status_code == 200
    assert api_client.get(f"/uploads/{draft.pk}?token=wrong").status_code == 302  # log in first
    assert api_client.get(f"/uploads/{draft.pk}").status_code == 302


def test_edit_link_lets_an_account_edit(user, other_user, restricted):
    secret = link(user, restricted.pk, "edit")
    editor = _client_for(other_user)
    assert editor.post(f"/api/records/{restricted.pk}/draft?token={secret.token}").status_code == 201
    assert Draft.objects.filter(pk=restricted.pk).exists()
    assert editor.get(f"/api/records/{restricted.pk}/access/links?token={secret.token}").status_code == 403


def test_expired_link_stops_working(owner_client, api_client, restricted):
    expires = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    created = owner_client.post(
        f"/api/records/{restricted.pk}/access/links",
        {"permission": "view", "expires_at": expires},
        format="json",
    ).json()
    url = f"/api/records/{restricted.pk}?token={created['token']}"
    assert api_client.get(url).status_code == 200
    with freeze_time(timezone.now() + datetime.timedelta(days=1, seconds=1)):
        assert api_client.get(url).status_code == 404


def test_who_may_manage(restricted, user, other_user, api_client):
    base = f"/api/records/{restricted.pk}/access/grants"
    assert api_client.get(base).status_code == 401
    stranger = _client_for(other_user)
    assert stranger.get(base).status_code == 404  # cannot see the record
    grant(user, restricted.pk, other_user, "edit")
    assert stranger.get(base).status_code == 403  # sees it, may not share it
    manager = make_user("manager@example.org")
    grant(user, restricted.pk, manager, "manage")
    assert _client_for(manager).get(base).json()["hits"]["total"] == 2
