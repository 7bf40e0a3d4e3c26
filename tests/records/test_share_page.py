"""The share page of a record: grants, secret links and access requests in the browser pages.

Every action and every permission case through the real views and services (no mocks).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from records.access import requests as access_requests
from records.access.models import AccessRequest, ParentGroupGrant, ParentUserGrant, SecretLink
from records.permissions import record_policy
from tests.records.access_helpers import grant, link, make_group, make_user, publish, restricted_document

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def restricted(user):
    return publish(user, restricted_document())


@pytest.fixture
def public(user):
    return publish(user)


def share_url(record) -> str:
    return f"/records/{record.pk}/share"


def act(client, record, **data):
    return client.post(f"/records/{record.pk}/share/change", data)


def test_who_may_open_the_share_page(user, admin_user, restricted, public):
    stranger = make_user("stranger@example.org")
    people = {level: make_user(f"{level}@example.org") for level in ("view", "preview", "edit", "manage")}
    for level, person in people.items():
        grant(user, restricted.pk, person, level)
    member = make_user("member@example.org")
    grant(user, restricted.pk, make_group("Lab", member), "manage")

    anonymous = Client().get(share_url(restricted))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/account/login")
    assert signed_in(stranger).get(share_url(restricted)).status_code == 404  # may not see it
    assert signed_in(stranger).get(share_url(public)).status_code == 403  # sees it, may not manage
    assert signed_in(stranger).get("/records/nope-00000/share").status_code == 404
    for level in ("view", "preview", "edit"):
        response = signed_in(people[level]).get(share_url(restricted))
        assert response.status_code == 403, level
        assert b"Not allowed" in response.content
    for who in (user, admin_user, people["manage"], member):
        response = signed_in(who).get(share_url(restricted))
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        assert b"People and groups with access" in response.content


def test_landing_and_draft_preview_link_to_the_share_page_only_for_managers(user, restricted):
    viewer, manager = make_user("viewer@example.org"), make_user("manager@example.org")
    grant(user, restricted.pk, viewer, "view")
    grant(user, restricted.pk, manager, "manage")
    href = f'href="/records/{restricted.pk}/share"'
    assert href in signed_in(user).get(f"/records/{restricted.pk}").content.decode()
    assert href in signed_in(manager).get(f"/records/{restricted.pk}").content.decode()
    assert href not in signed_in(viewer).get(f"/records/{restricted.pk}").content.decode()
    from records import services

    draft, _ = services.draft_create(actor=user, data=restricted_document())
    page = signed_in(user).get(f"/uploads/{draft.pk}").content.decode()
    assert f'href="/records/{draft.pk}/share"' in page
    grant(user, draft.pk, viewer, "preview")
    preview = signed_in(viewer).get(f"/uploads/{draft.pk}")
    assert preview.status_code == 200 and f"/records/{draft.pk}/share" not in preview.content.decode()


def test_grants_add_change_remove(user, restricted):
    reader = make_user("reader@example.org")
    reader.full_name = "Rita Reader"
    reader.save(update_fields=["full_name"])
    lab = Group.objects.create(name="Glaciology lab")
    owner = signed_in(user)

    found = owner.get(share_url(restricted), {"q": "Rita"}).content.decode()
    assert "Rita Reader" in found
    assert "owner@example.org" not in found.split("Add people or groups")[1]  # the owner is not offered
    assert "Glaciology lab" in owner.get(share_url(restricted), {"q": "glacio"}).content.decode()

    response = act(
        owner, restricted, action="grant-add", subject_type="user", subject_id=reader.pk, permission="view"
    )
    assert response.status_code == 302 and response["Location"] == share_url(restricted)
    assert record_policy.can(reader, "read", restricted)
    page = owner.get(share_url(restricted)).content.decode()
    assert "Rita Reader" in page and "Shared." in page

    tomorrow = (timezone.now() + datetime.timedelta(days=2)).date().isoformat()
    act(
        owner,
        restricted,
        action="grant-add",
        subject_type="group",
        subject_id=lab.pk,
        permission="preview",
        expires_at=tomorrow,
    )
    group_grant = ParentGroupGrant.objects.get(group=lab)
    assert group_grant.permission.codename == "access_preview"
    assert group_grant.expires_at.date().isoformat() == tomorrow

    act(
        owner,
        restricted,
        action="grant-change",
        subject_type="user",
        subject_id=reader.pk,
        permission="edit",
        expires_at=tomorrow,
    )
    row = ParentUserGrant.objects.get(user=reader)
    assert row.permission.codename == "access_edit" and row.expires_at.date().isoformat() == tomorrow
    assert record_policy.can(reader, "edit", restricted)
    act(
        owner,
        restricted,
        action="grant-change",
        subject_type="user",
        subject_id=reader.pk,
        permission="edit",
        expires_at="",
    )
    assert ParentUserGrant.objects.get(user=reader).expires_at is None

    act(owner, restricted, action="grant-remove", subject_type="user", subject_id=reader.pk)
    assert not ParentUserGrant.objects.filter(user=reader).exists()
    assert not record_policy.can(reader, "read", restricted)
    again = act(owner, restricted, action="grant-remove", subject_type="user", subject_id=reader.pk)
    assert again.status_code == 302
    assert "No such grant." in owner.get(share_url(restricted)).content.decode()


def test_bad_input_is_a_clear_message_and_writes_nothing(user, restricted):
    reader = make_user("reader@example.org")
    owner = signed_in(user)
    cases = [
        {"subject_type": "user", "subject_id": reader.pk, "permission": "admin"},
        {"subject_type": "user", "subject_id": reader.pk, "permission": "view", "expires_at": "2001-01-01"},
        {"subject_type": "user", "subject_id": reader.pk, "permission": "view", "expires_at": "soon"},
        {"subject_type": "robot", "subject_id": reader.pk, "permission": "view"},
        {"subject_type": "user", "subject_id": "99999", "permission": "view"},
        {"subject_type": "user", "subject_id": user.pk, "permission": "view"},
    ]
    for data in cases:
        response = act(owner, restricted, action="grant-add", **data)
        assert response.status_code == 302, data
        page = owner.get(share_url(restricted)).content.decode()
        assert 'class="message message-error"' in page, data
    assert not ParentUserGrant.objects.exists()
    response = act(owner, restricted, action="drop-table")
    assert response.status_code == 400
    bad_link = act(owner, restricted, action="link-create", permission="manage")  # links: view|preview|edit
    assert bad_link.status_code == 302 and not SecretLink.objects.exists()
    assert act(owner, restricted, action="link-revoke", link_id="not-a-uuid").status_code == 302
    assert "No such link." in owner.get(share_url(restricted)).content.decode()


def test_secret_link_created_shown_with_its_token_then_revoked(user, restricted):
    owner = signed_in(user)
    soon = (timezone.now() + datetime.timedelta(days=3)).date().isoformat()
    response = act(
        owner, restricted, action="link-create", permission="view", expires_at=soon, description="Reviewers"
    )
    created = SecretLink.objects.get()
    assert response["Location"] == f"{share_url(restricted)}?created={created.pk}"
    page = owner.get(response["Location"]).content.decode()
    url = f"http://testserver/records/{restricted.pk}?token={created.token}"
    assert f'id="new-link-url" class="link-url" readonly value="{url}"' in page
    assert created.description == "Reviewers" and created.expires_at.date().isoformat() == soon
    assert (
        "Your new link" not in owner.get(share_url(restricted)).content.decode()
    )  # shown with ?created= only

    visitor = Client()
    assert visitor.get(f"/records/{restricted.pk}").status_code == 404
    assert visitor.get(url).status_code == 200
    act(owner, restricted, action="link-revoke", link_id=str(created.pk))
    assert not SecretLink.objects.exists()
    assert visitor.get(url).status_code == 404


def test_access_requests_accepted_with_expiry_or_declined(user):
    restricted = publish(
        user,
        restricted_document(files="restricted") | {"access": {"record": "public", "files": "restricted"}},
    )
    access_requests.access_settings_update(
        actor=user, record_id=restricted.pk, settings={"allow_user_requests": True}
    )
    asker, other = make_user("asker@example.org"), make_user("other@example.org")
    first = access_requests.access_request_create(
        actor=asker, record_id=restricted.pk, message="for my thesis"
    )
    second = access_requests.access_request_create(actor=other, record_id=restricted.pk, message="hmm")
    owner = signed_in(user)
    page = owner.get(share_url(restricted)).content.decode()
    assert "for my thesis" in page and f'data-request="{second.pk}"' in page

    until = (timezone.now() + datetime.timedelta(days=10)).date().isoformat()
    act(owner, restricted, action="request-accept", request_id=str(first.pk), expires_at=until)
    granted = ParentUserGrant.objects.get(user=asker)
    assert granted.permission.codename == "access_view" and granted.expires_at.date().isoformat() == until
    assert record_policy.can(asker, "read_files", restricted)
    act(owner, restricted, action="request-decline", request_id=str(second.pk))
    assert AccessRequest.objects.get(pk=second.pk).status == "declined"
    assert not record_policy.can(other, "read_files", restricted)
    page = owner.get(share_url(restricted)).content.decode()
    assert "No requests waiting." in page
    # Answering twice is a clear message, not a second grant.
    act(owner, restricted, action="request-accept", request_id=str(second.pk))
    assert "only submitted requests can be answered" in owner.get(share_url(restricted)).content.decode()
    assert not ParentUserGrant.objects.filter(user=other).exists()


def test_actions_by_those_who_may_not_manage(user, restricted, public):
    stranger, viewer = make_user("stranger@example.org"), make_user("viewer@example.org")
    grant(user, restricted.pk, viewer, "edit")
    secret = link(user, restricted.pk, "view")
    for record, who, status in (
        (restricted, stranger, 404),
        (public, stranger, 403),
        (restricted, viewer, 403),
    ):
        client = signed_in(who)
        assert act(client, record, action="link-create", permission="view").status_code == status
        assert act(client, record, action="link-revoke", link_id=str(secret.pk)).status_code == status
        assert (
            act(
                client,
                record,
                action="grant-add",
                subject_type="user",
                subject_id=who.pk,
                permission="manage",
            ).status_code
            == status
        )
    assert SecretLink.objects.count() == 1
    assert list(ParentUserGrant.objects.values_list("user_id", flat=True)) == [viewer.pk]
    assert (
        Client().post(f"/records/{restricted.pk}/share/change", {"action": "link-create"}).status_code == 302
    )
    manager = make_user("manager@example.org")
    grant(user, restricted.pk, manager, "manage")
    act(signed_in(manager), restricted, action="link-create", permission="preview")
    assert SecretLink.objects.filter(permission="preview", created_by=manager).exists()


def test_page_escapes_what_users_typed(user, restricted):
    evil = make_user("evil@example.org")
    evil.full_name = "<script>alert(1)</script>"
    evil.save(update_fields=["full_name"])
    grant(user, restricted.pk, evil, "view")
    link(user, restricted.pk, "view")
    SecretLink.objects.update(description="<img src=x onerror=alert(2)>")
    page = signed_in(user).get(share_url(restricted)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page
    assert re.search(r'name="csrfmiddlewaretoken"', page)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_and_api_reads_outside_a_transaction(user, restricted):
    """Reads of the share page and of the access API take no row lock (an error on PostgreSQL)."""
    from tests.conftest import _client_for

    assert signed_in(user).get(share_url(restricted)).status_code == 200
    api = _client_for(user)
    for path in (
        "access",
        "access/links",
        "access/grants",
        "access/users",
        "access/groups",
        "access/requests",
    ):
        assert api.get(f"/api/records/{restricted.pk}/{path}").status_code == 200, path
