"""Submission review of drafts and inclusion of published records; a record's communities."""

from __future__ import annotations

import pytest
from django.core import mail

from communities.models import CommunityRecord
from records.models import Draft, Record
from tests.communities.factories import (
    add_member,
    client_for,
    include,
    make_community,
    make_draft,
    new_user,
    restricted_document,
)
from tests.records.conftest import publish, valid_document
from workflows.models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    owner = new_user("owner")
    community = make_community(owner, slug="lab", title="Ocean Lab")
    curator = new_user("curator")
    add_member(community, curator, "curator")
    return community, owner, curator


def _review(client, draft, community):
    return client.put(
        f"/api/records/{draft.pk}/draft/review",
        {"receiver": {"community": str(community.pk)}, "type": "community-submission"},
        format="json",
    )


def test_submission_review_accept_publishes_into_the_community(
    lab, django_capture_on_commit_callbacks, eager_celery
):
    community, owner, curator = lab
    depositor = new_user("depositor")
    client = client_for(depositor)
    draft = make_draft(depositor)
    response = _review(client, draft, community)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "created" and response.json()["topic"] == {"record": draft.pk}
    assert client.get(f"/api/records/{draft.pk}/draft/review").json()["id"] == response.json()["id"]
    assert client_for(new_user("x")).get(f"/api/records/{draft.pk}/draft/review").status_code == 404
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(
            f"/api/records/{draft.pk}/draft/actions/submit-review",
            {"payload": {"content": "Please review"}},
            format="json",
        )
    assert submitted.status_code == 202 and submitted.json()["status"] == "submitted"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, curator.email])
    assert _review(client, draft, community).status_code == 409  # no change while in review
    inbox = client_for(curator).get(f"/api/communities/{community.pk}/requests?is_open=true").json()
    request_id = inbox["hits"]["hits"][0]["id"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client_for(curator).post(f"/api/requests/{request_id}/actions/accept", {}, format="json")
    assert accepted.status_code == 200
    assert [m.to for m in mail.outbox] == [[depositor.email]]
    record = Record.objects.get(pk=draft.pk)
    assert record.parent.owner == depositor
    records = client_for(new_user("anyone")).get(f"/api/communities/{community.pk}/records").json()
    assert [h["id"] for h in records["hits"]["hits"]] == [record.pk]
    communities = client.get(f"/api/records/{record.pk}/communities").json()["hits"]["hits"]
    assert [(c["slug"], c["is_default"]) for c in communities] == [("lab", True)]
    assert client.get(f"/api/records/{record.pk}/requests").json()["hits"]["total"] == 1


def test_decline_returns_the_draft_and_cancel_is_the_submitters(lab):
    community, owner, curator = lab
    depositor = new_user("depositor")
    client = client_for(depositor)
    draft = make_draft(depositor)
    _review(client, draft, community)
    client.post(f"/api/records/{draft.pk}/draft/actions/submit-review", {}, format="json")
    request = Request.objects.get(topic_id=draft.pk)
    assert (
        client_for(curator).post(f"/api/requests/{request.pk}/actions/cancel", {}, format="json").status_code
        == 403
    )
    declined = client_for(curator).post(f"/api/requests/{request.pk}/actions/decline", {}, format="json")
    assert declined.json()["status"] == "declined"
    assert Draft.objects.filter(pk=draft.pk).exists() and not Record.objects.filter(pk=draft.pk).exists()
    # the depositor may choose again and cancel the new review
    assert _review(client, draft, community).status_code == 200
    client.post(f"/api/records/{draft.pk}/draft/actions/submit-review", {}, format="json")
    second = Request.objects.filter(topic_id=draft.pk).order_by("-created").first()
    assert client.post(f"/api/requests/{second.pk}/actions/cancel", {}, format="json").status_code == 200
    assert not CommunityRecord.objects.exists()


def test_review_can_be_deleted_before_submission_only(lab):
    community, owner, curator = lab
    depositor = new_user("depositor")
    client = client_for(depositor)
    draft = make_draft(depositor)
    assert client.delete(f"/api/records/{draft.pk}/draft/review").status_code == 404
    _review(client, draft, community)
    assert client.delete(f"/api/records/{draft.pk}/draft/review").status_code == 204
    assert not Request.objects.exists()
    assert (
        client.post(f"/api/records/{draft.pk}/draft/actions/submit-review", {}, format="json").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("policy", "role", "direct"),
    [
        ("open", "curator", True),
        ("open", "reader", False),
        ("members", "reader", True),
        ("closed", "owner", False),
    ],
)
def test_review_policy_lets_some_members_publish_directly(policy, role, direct):
    owner = new_user("owner")
    community = make_community(owner, review_policy=policy)
    actor = owner if role == "owner" else new_user(role)
    if role != "owner":
        add_member(community, actor, role)
    draft = make_draft(actor)
    client = client_for(actor)
    _review(client, draft, community)
    response = client.post(f"/api/records/{draft.pk}/draft/actions/submit-review", {}, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == ("accepted" if direct else "submitted")
    assert Record.objects.filter(pk=draft.pk).exists() == direct


def test_submission_policy_and_restricted_communities(lab):
    community, owner, curator = lab
    depositor = new_user("depositor")
    client = client_for(depositor)
    closed = make_community(owner, record_submission_policy="closed")
    refused = _review(client, make_draft(depositor), closed)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "receiver.community"
    hidden = make_community(owner, visibility="restricted")
    assert _review(client, make_draft(depositor), hidden).status_code == 400  # cannot see it
    add_member(hidden, depositor, "reader")
    public_draft = make_draft(depositor)
    assert _review(client, public_draft, hidden).status_code == 200
    not_fitting = client.post(
        f"/api/records/{public_draft.pk}/draft/actions/submit-review", {}, format="json"
    )
    assert not_fitting.status_code == 400 and "restricted" in not_fitting.json()["message"]
    restricted = make_draft(depositor, restricted_document())
    _review(client, restricted, hidden)
    assert (
        client.post(
            f"/api/records/{restricted.pk}/draft/actions/submit-review", {}, format="json"
        ).status_code
        == 202
    )
    invalid = make_draft(depositor)
    Draft.objects.filter(pk=invalid.pk).update(json={**valid_document(), "metadata": {"title": ""}})
    _review(client, invalid, community)
    bad = client.post(f"/api/records/{invalid.pk}/draft/actions/submit-review", {}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"]
    assert Request.objects.get(topic_id=invalid.pk).status == "created"


def test_review_input_errors(lab):
    community, owner, curator = lab
    depositor = new_user("depositor")
    client = client_for(depositor)
    draft = make_draft(depositor)
    url = f"/api/records/{draft.pk}/draft/review"
    assert client.put(url, {"receiver": {}}, format="json").status_code == 400
    assert client.put(url, {"receiver": {"community": "nope"}}, format="json").status_code == 400
    wrong_type = {"receiver": {"community": str(community.pk)}, "type": "community-invitation"}
    assert client.put(url, wrong_type, format="json").status_code == 400
    assert _review(client_for(new_user("x")), draft, community).status_code == 404
    record = publish(depositor)
    client.post(f"/api/records/{record.pk}/draft")
    assert _review(client, Draft.objects.get(pk=record.pk), community).status_code == 400


def test_inclusion_of_published_records_in_many_communities(lab):
    community, owner, curator = lab
    depositor = new_user("depositor")
    record = publish(depositor)
    open_lab = make_community(owner, slug="open-lab", review_policy="members")
    add_member(open_lab, depositor, "reader")
    client = client_for(depositor)
    url = f"/api/records/{record.pk}/communities"
    body = {"communities": [{"id": "lab"}, {"id": str(open_lab.pk)}, {"id": "missing"}]}
    response = client.post(url, body, format="json")
    assert response.status_code == 200
    result = response.json()
    assert [p["request"]["status"] for p in result["processed"]] == ["submitted", "accepted"]
    assert result["errors"] == [{"community": "missing", "message": "Community not found."}]
    assert client.post(url, {"communities": [{"id": "lab"}]}, format="json").json()["errors"][0][
        "message"
    ] == ("The record is already waiting for this community's review.")
    assert (
        client_for(new_user("x")).post(url, {"communities": [{"id": "lab"}]}, format="json").status_code
        == 403
    )
    assert client.post(url, {"communities": []}, format="json").status_code == 400
    request_id = result["processed"][0]["request_id"]
    client_for(curator).post(f"/api/requests/{request_id}/actions/accept", {}, format="json")
    listed = client.get(url).json()["hits"]["hits"]
    assert [(c["slug"], c["is_default"]) for c in listed] == [("open-lab", True), ("lab", False)]
    # removing the default community makes the other one the default
    removed = client.delete(url, {"communities": [{"id": "open-lab"}]}, format="json").json()
    assert removed == {"processed": [{"community": str(open_lab.pk)}], "errors": []}
    assert [(c["slug"], c["is_default"]) for c in client.get(url).json()["hits"]["hits"]] == [("lab", True)]


def test_curators_remove_records_in_bulk_and_deletion_unlinks(lab, api_client):
    community, owner, curator = lab
    depositor = new_user("depositor")
    first, second = publish(depositor), publish(depositor)
    for record in (first, second):
        include(community, record)
    url = f"/api/communities/{community.pk}/records"
    body = {"records": [{"id": first.pk}, {"id": "nope"}]}
    assert client_for(depositor).delete(url, body, format="json").status_code == 403
    result = client_for(curator).delete(url, body, format="json").json()
    assert result["processed"] == [{"record_id": first.pk}] and len(result["errors"]) == 1
    assert [h["id"] for h in api_client.get(url).json()["hits"]["hits"]] == [second.pk]
    client_for(owner).delete(f"/api/communities/{community.pk}")
    assert not CommunityRecord.objects.exists()
    assert Record.objects.filter(pk=second.pk).exists()


def test_restricted_records_in_a_community_stay_hidden_from_strangers(lab, api_client):
    community, owner, curator = lab
    depositor = new_user("depositor")
    hidden = publish(depositor, restricted_document())
    visible = publish(depositor)
    for record in (hidden, visible):
        include(community, record)
    hits = api_client.get(f"/api/communities/{community.pk}/records").json()["hits"]
    assert [h["id"] for h in hits["hits"]] == [visible.pk] and hits["total"] == 1


def test_community_records_have_facets_and_filters(lab):
    community, owner, curator = lab
    depositor = new_user("depositor")
    dataset = publish(depositor)
    software = publish(depositor, valid_document(resource_type={"id": "software"}))
    hidden = publish(depositor, restricted_document())
    for record in (dataset, software, hidden):
        include(community, record)
    url = f"/api/communities/{community.pk}/records"
    body = client_for(depositor).get(url).json()
    assert body["hits"]["total"] == 3
    assert {b["key"]: b["doc_count"] for b in body["aggregations"]["resource_type"]["buckets"]} == {
        "dataset": 2,
        "software": 1,
    }
    assert {b["key"]: b["doc_count"] for b in body["aggregations"]["access_status"]["buckets"]} == {
        "open": 2,
        "restricted": 1,
    }
    stranger = client_for(new_user("s")).get(url).json()
    assert stranger["aggregations"]["access_status"]["buckets"] == [
        {"key": "open", "doc_count": 2, "label": "Open", "is_selected": False}
    ]
    assert [
        h["id"] for h in client_for(depositor).get(f"{url}?resource_type=software").json()["hits"]["hits"]
    ] == [software.pk]
    restricted = client_for(depositor).get(f"{url}?access_status=restricted").json()["hits"]["hits"]
    assert [h["id"] for h in restricted] == [hidden.pk]
    assert client_for(depositor).get(f"{url}?access_status=secret").json()["hits"]["total"] == 0


def test_deleting_a_community_closes_its_open_requests(lab):
    community, owner, curator = lab
    depositor = new_user("depositor")
    record = publish(depositor)
    client_for(depositor).post(
        f"/api/records/{record.pk}/communities", {"communities": [{"id": "lab"}]}, format="json"
    )
    client_for(owner).post(
        f"/api/communities/{community.pk}/invitations",
        {"members": [{"type": "user", "id": str(depositor.pk)}], "role": "reader"},
        format="json",
    )
    client_for(owner).delete(f"/api/communities/{community.pk}")
    statuses = dict(Request.objects.values_list("type", "status"))
    assert statuses == {"community-inclusion": "declined", "community-invitation": "cancelled"}
