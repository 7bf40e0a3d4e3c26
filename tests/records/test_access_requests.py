"""Access requests (users and verified guests) and ownership transfers, through the API."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from records.models import Parent
from repository.celery import app
from tests.conftest import _client_for
from tests.records.access_helpers import make_user, publish, restricted_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def files_restricted(user):
    return publish(user, restricted_document() | {"access": {"record": "public", "files": "restricted"}})


def _enable(client, record_id, **settings):
    response = client.patch(f"/api/records/{record_id}/access", {"settings": settings}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_requests_are_off_until_the_owner_turns_them_on(owner_client, stranger_client, files_restricted):
    url = f"/api/records/{files_restricted.pk}/access/request"
    assert stranger_client.post(url, {"message": "please"}, format="json").status_code == 403
    body = _enable(owner_client, files_restricted.pk, allow_user_requests=True)
    assert body["settings"] == {"allow_user_requests": True, "allow_guest_requests": False}
    assert stranger_client.post(url, {"message": "please"}, format="json").status_code == 201
    assert (
        stranger_client.patch(
            f"/api/records/{files_restricted.pk}/access", {"settings": {}}, format="json"
        ).status_code
        == 403
    )
    response = owner_client.patch(
        f"/api/records/{files_restricted.pk}/access", {"settings": {"allow_everything": 1}}, format="json"
    )
    assert response.status_code == 400


def test_user_request_accepted_with_expiry_becomes_a_grant(
    owner_client, other_user, files_restricted, eager_tasks, django_capture_on_commit_callbacks
):
    from records.permissions import record_policy

    _enable(owner_client, files_restricted.pk, allow_user_requests=True)
    stranger = _client_for(other_user)
    with django_capture_on_commit_callbacks(execute=True):
        created = stranger.post(
            f"/api/records/{files_restricted.pk}/access/request", {"message": "For my thesis"}, format="json"
        ).json()
    assert mail.outbox[-1].to == ["owner@example.org"] and "For my thesis" in mail.outbox[-1].body
    again = stranger.post(f"/api/records/{files_restricted.pk}/access/request", {}, format="json")
    assert again.status_code == 409
    listed = owner_client.get(f"/api/records/{files_restricted.pk}/access/requests").json()["hits"]["hits"]
    assert [r["id"] for r in listed] == [created["id"]]
    assert not record_policy.can(other_user, "read_files", files_restricted)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            f"/api/records/{files_restricted.pk}/access/requests/{created['id']}/actions/accept",
            {"expires_at": "2999-01-01"},
            format="json",
        )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert mail.outbox[-1].to == ["stranger@example.org"]
    assert record_policy.can(other_user, "read_files", files_restricted)
    grants = owner_client.get(f"/api/records/{files_restricted.pk}/access/users").json()["hits"]["hits"]
    assert grants[0]["permission"] == "view" and grants[0]["expires_at"].startswith("2999-01-01")
    decided = owner_client.post(
        f"/api/records/{files_restricted.pk}/access/requests/{created['id']}/actions/decline"
    )
    assert decided.status_code == 409  # already answered


def test_guest_request_verified_then_accepted_gets_a_link(
    owner_client, api_client, files_restricted, eager_tasks, django_capture_on_commit_callbacks
):
    _enable(owner_client, files_restricted.pk, allow_guest_requests=True)
    url = f"/api/records/{files_restricted.pk}/access/request-guest"
    assert api_client.post(url, {"email": "not-an-address"}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(url, {"email": "Guest@Example.org", "full_name": "G. Uest"}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "unverified"
    token = re.search(r"token=(\S+)", mail.outbox[-1].body).group(1)
    assert (
        owner_client.get(f"/api/records/{files_restricted.pk}/access/requests").json()["hits"]["total"] == 0
    )
    assert (
        api_client.post("/api/access-requests/verify", {"token": "forged"}, format="json").status_code == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        verified = api_client.post("/api/access-requests/verify", {"token": token}, format="json")
    assert verified.status_code == 200 and verified.json()["status"] == "submitted"
    assert api_client.post("/api/access-requests/verify", {"token": token}, format="json").status_code == 404
    request_id = verified.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/api/records/{files_restricted.pk}/access/requests/{request_id}/actions/accept")
    link = re.search(r"\?token=(\S+)", mail.outbox[-1].body).group(1)
    assert mail.outbox[-1].to == ["guest@example.org"]
    links = owner_client.get(f"/api/records/{files_restricted.pk}/access/links").json()["hits"]["hits"]
    assert [entry["token"] for entry in links] == [link]


def test_owner_transfer_needs_acceptance(owner_client, user, other_user, files_restricted):
    third = make_user("third@example.org")
    url = f"/api/records/{files_restricted.pk}/access/transfer"
    assert _client_for(third).post(url, {"user": str(other_user.pk)}, format="json").status_code == 403
    assert owner_client.post(url, {"user": "999999"}, format="json").status_code == 400
    offer = owner_client.post(url, {"user": str(other_user.pk)}, format="json")
    assert offer.status_code == 202
    assert Parent.objects.get(pk=files_restricted.parent_id).owner_id == user.pk  # not yet
    receiver = _client_for(other_user)
    assert receiver.get("/api/user/transfers").json()["hits"]["total"] == 1
    assert _client_for(third).post(f"/api/transfers/{offer.json()['id']}/actions/accept").status_code == 404
    assert receiver.post(f"/api/transfers/{offer.json()['id']}/actions/accept").status_code == 200
    assert Parent.objects.get(pk=files_restricted.parent_id).owner_id == other_user.pk
    assert receiver.post(f"/api/transfers/{offer.json()['id']}/actions/accept").status_code == 409
    assert (
        owner_client.get(f"/api/records/{files_restricted.pk}/access").status_code == 403
    )  # no longer manages


def test_admin_transfers_at_once(admin_client_api, other_user, files_restricted):
    url = f"/api/records/{files_restricted.pk}/access/transfer"
    response = admin_client_api.post(url, {"user": str(other_user.pk)}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert Parent.objects.get(pk=files_restricted.parent_id).owner_id == other_user.pk
