"""Pages: community home, members, curators' inbox, my requests with the conversation, settings."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.communities.factories import (
    add_member,
    include,
    make_community,
    make_request,
    new_user,
    restricted_document,
)
from tests.records.conftest import publish, valid_document
from workflows.models import NotificationPreference, Request, RequestEvent
from workflows.services import request_act

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lab():
    owner = new_user("owner")
    community = make_community(
        owner,
        slug="lab",
        title="Ocean Lab",
    )
    community.metadata["page"] = "<h2>Welcome aboard</h2>"
    community.metadata["curation_policy"] = "<p>Only ocean data</p>"
    community.save(update_fields=["metadata"])
    return community, owner


def test_community_home_shows_about_policy_and_its_records(lab, client):
    community, owner = lab
    depositor = new_user("depositor")
    shown = publish(depositor)
    hidden = publish(depositor, restricted_document())
    publish(depositor)  # not in the community
    for record in (shown, hidden):
        include(community, record)
    page = client.get("/communities/lab")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h2>Welcome aboard</h2>" in html and "<p>Only ocean data</p>" in html
    assert f"/records/{shown.pk}" in html and f"/records/{hidden.pk}" not in html
    assert "1 record" in html
    landing = client.get(f"/records/{shown.pk}").content.decode()
    assert "Part of" in landing and 'href="/communities/lab"' in landing
    assert "Ocean Lab" in client.get("/communities").content.decode()


def test_restricted_community_pages_are_404_for_strangers_and_old_slugs_redirect(client):
    owner = new_user("owner")
    community = make_community(owner, slug="secret", visibility="restricted")
    assert client.get("/communities/secret").status_code == 404
    assert logged_in(new_user("x")).get("/communities/secret/members").status_code == 404
    assert logged_in(owner).get("/communities/secret").status_code == 200
    from communities.services import community_rename

    community_rename(actor=owner, community_id=community.pk, slug="hush")
    moved = logged_in(owner).get("/communities/secret/members")
    assert moved.status_code == 302 and moved["Location"] == "/communities/hush/members"


def test_members_page_hides_hidden_members_from_the_public(lab, client):
    community, owner = lab
    owner.full_name = "Olga Owner"
    owner.save(update_fields=["full_name"])
    shy = new_user("shy", full_name="Shy Reader")
    add_member(community, shy, "reader").__class__.objects.filter(user=shy).update(visible=False)
    public = client.get("/communities/lab/members").content.decode()
    assert "Olga Owner" in public and "Shy Reader" not in public
    assert "Shy Reader" in logged_in(owner).get("/communities/lab/members").content.decode()


def test_curators_inbox_and_conversation_with_buttons(lab):
    community, owner = lab
    joiner = new_user("joiner")
    request, creator, _ = make_request(
        "community-membership-request", community=community, creator_user=joiner, member_user=joiner
    )
    request.title = "Let me in"
    request.save(update_fields=["title"])
    request_act(actor=joiner, request_id=request.pk, action="submit")
    assert logged_in(joiner).get("/communities/lab/requests").status_code == 404
    inbox = logged_in(owner).get("/communities/lab/requests").content.decode()
    assert "Let me in" in inbox and f"/me/requests/{request.pk}" in inbox
    page = logged_in(owner).get(f"/me/requests/{request.pk}").content.decode()
    assert 'value="accept"' in page and 'value="decline"' in page and 'value="cancel"' not in page
    assert logged_in(new_user("x")).get(f"/me/requests/{request.pk}").status_code == 404
    url = f"/me/requests/{request.pk}/action"
    response = logged_in(joiner).post(url, {"action": "comment", "content": "<p>Hi</p><script>x</script>"})
    assert response.status_code == 302
    assert RequestEvent.objects.filter(request=request, type="C").get().payload["content"] == "<p>Hi</p>"
    assert logged_in(joiner).post(url, {"action": "accept"}).status_code == 404  # creator: not allowed
    logged_in(owner).post(url, {"action": "accept", "content": "Welcome"})
    request.refresh_from_db()
    assert request.status == "accepted"
    page = logged_in(joiner).get(f"/me/requests/{request.pk}").content.decode()
    assert "Welcome" in page and "Accepted" in page
    mine = logged_in(joiner).get("/me/requests?is_open=false").content.decode()
    assert "Let me in" in mine
    assert Client().get("/me/requests").status_code == 302  # to the login page


def test_notification_opt_out_page():
    user = new_user("user")
    client = logged_in(user)
    assert "checked" in client.get("/me/notifications").content.decode()
    client.post("/me/notifications", {})
    assert NotificationPreference.objects.get(user=user).email_enabled is False
    client.post("/me/notifications", {"email_enabled": "on"})
    assert NotificationPreference.objects.get(user=user).email_enabled is True


def test_search_within_the_community_and_readers_see_its_restricted_records(lab, client):
    community, owner = lab
    depositor = new_user("depositor")
    plankton = publish(depositor, valid_document(title="Plankton counts of the Baltic"))
    salinity = publish(depositor, valid_document(title="Salinity series"))
    secret = publish(depositor, restricted_document())
    elsewhere = publish(depositor, valid_document(title="Plankton elsewhere"))
    for record in (plankton, salinity, secret):
        include(community, record)
    found = client.get("/communities/lab", {"q": "plankton"}).content.decode()
    assert f"/records/{plankton.pk}" in found and "1 record" in found
    assert f"/records/{salinity.pk}" not in found and f"/records/{elsewhere.pk}" not in found
    reader = new_user("reader")
    add_member(community, reader, "reader")
    as_reader = logged_in(reader).get("/communities/lab").content.decode()
    assert f"/records/{secret.pk}" in as_reader and "3 records" in as_reader
    assert f"/records/{secret.pk}" not in logged_in(new_user("x")).get("/communities/lab").content.decode()


def test_asking_to_join_from_the_community_page(lab):
    community, owner = lab
    joiner = new_user("joiner")
    page = logged_in(joiner).get("/communities/lab").content.decode()
    assert "Ask to join" in page
    response = logged_in(joiner).post("/communities/lab/join", {"message": "<p>I study waves</p>"})
    assert response.status_code == 302
    request = Request.objects.get(type="community-membership-request")
    assert response["Location"] == f"/me/requests/{request.pk}"
    assert request.status == "submitted" and request.created_by_id == str(joiner.pk)
    again = logged_in(joiner).get("/communities/lab").content.decode()
    assert "Ask to join" not in again and f"/me/requests/{request.pk}" in again
    assert "Ask to join" not in logged_in(owner).get("/communities/lab").content.decode()  # a member
    assert Client().post("/communities/lab/join").status_code == 302  # to the login page
    assert Request.objects.count() == 1


def test_submission_page_links_the_draft_for_curators(lab):
    community, owner = lab
    depositor = new_user("depositor")
    request, creator, receiver = make_request(
        "community-submission", community=community, creator_user=depositor, member_user=new_user("j")
    )
    request_act(actor=depositor, request_id=request.pk, action="submit")
    page = logged_in(owner).get(f"/me/requests/{request.pk}").content.decode()
    assert f'href="/uploads/{request.topic_id}"' in page
    assert logged_in(owner).get(f"/uploads/{request.topic_id}").status_code == 200
    request_act(actor=owner, request_id=request.pk, action="accept")
    page = logged_in(owner).get(f"/me/requests/{request.pk}").content.decode()
    assert f'href="/records/{request.topic_id}"' in page
