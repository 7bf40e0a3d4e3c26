"""While a draft is in review both sides edit it; accepting publishes it for the accepting curator."""

from __future__ import annotations

import pytest

from communities.services import review_create_or_update, review_submit
from records.models import Draft, Record, RecordRevision
from records.permissions import draft_policy
from tests.communities.factories import add_member, client_for, make_community, new_user
from tests.files.conftest import files_document, upload
from tests.records.conftest import valid_document
from workflows.models import Request
from workflows.services import request_act, request_act_as_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def review():
    """A draft with files submitted to 'lab'; returns (draft, request, users by role)."""
    owner, manager, curator, reader = new_user("o"), new_user("m"), new_user("c"), new_user("r")
    community = make_community(owner, slug="lab")
    add_member(community, manager, "manager")
    add_member(community, curator, "curator")
    add_member(community, reader, "reader")
    depositor = new_user("depositor")
    depositor_client = client_for(depositor)
    created = depositor_client.post("/api/records", files_document(), format="json")
    assert created.status_code == 201, created.json()
    draft = Draft.objects.get(pk=created.json()["id"])
    upload(depositor_client, draft.pk, "data.csv", b"a,b\n1,2\n")
    request = review_create_or_update(
        actor=depositor, draft_id=draft.pk, data={"receiver": {"community": "lab"}}
    )
    users = {
        "owner": owner,
        "manager": manager,
        "curator": curator,
        "reader": reader,
        "depositor": depositor,
        "stranger": new_user("s"),
        "other-curator": new_user("oc"),
    }
    make_community(users["other-curator"], slug="other")  # owner (so curator) of another community
    return draft, request, users


def _edit(user, draft, title: str):
    document = valid_document(title=title)
    document["files"] = {"enabled": True}
    return client_for(user).put(f"/api/records/{draft.pk}/draft", document, format="json")


def _add_file(user, draft, key: str):
    return client_for(user).post(f"/api/records/{draft.pk}/draft/files", [{"key": key}], format="json")


@pytest.mark.parametrize("role", ["owner", "manager", "curator"])
def test_curators_and_above_edit_metadata_and_files_while_the_review_is_open(review, role):
    draft, request, users = review
    review_submit(actor=users["depositor"], draft_id=draft.pk)
    user = users[role]
    response = _edit(user, draft, f"Edited by the {role}")
    assert response.status_code == 200, response.json()
    assert Draft.objects.get(pk=draft.pk).title == f"Edited by the {role}"
    assert _add_file(user, draft, "notes.txt").status_code == 201
    content = client_for(user).put(
        f"/api/records/{draft.pk}/draft/files/notes.txt/content",
        b"checked",
        content_type="application/octet-stream",
    )
    assert content.status_code == 200
    assert client_for(user).post(f"/api/records/{draft.pk}/draft/files/notes.txt/commit").status_code == 200
    assert client_for(user).delete(f"/api/records/{draft.pk}/draft/files/data.csv").status_code == 204
    keys = [
        entry["key"]
        for entry in client_for(users["depositor"])
        .get(f"/api/records/{draft.pk}/draft/files")
        .json()["entries"]
    ]
    assert keys == ["notes.txt"]
    # the depositor keeps editing too
    assert _edit(users["depositor"], draft, "Depositor again").status_code == 200
    # the policy's filter agrees with its per-object answer
    assert list(draft_policy.filter_visible(user, Draft.objects.all()).values_list("pk", flat=True)) == [
        draft.pk
    ]


@pytest.mark.parametrize("who", ["reader", "stranger", "other-curator"])
def test_nobody_else_sees_or_edits_the_draft_in_review(review, who):
    draft, request, users = review
    review_submit(actor=users["depositor"], draft_id=draft.pk)
    user = users[who]
    assert client_for(user).get(f"/api/records/{draft.pk}/draft").status_code == 404
    assert _edit(user, draft, "Hijacked").status_code == 404
    assert _add_file(user, draft, "x.txt").status_code == 404
    assert Draft.objects.get(pk=draft.pk).title != "Hijacked"
    assert not draft_policy.filter_visible(user, Draft.objects.all()).exists()


@pytest.mark.parametrize("close", ["accept", "decline", "cancel", "expire", "never-submitted"])
def test_curators_lose_edit_when_the_review_closes(review, close):
    draft, request, users = review
    curator = users["curator"]
    if close != "never-submitted":
        review_submit(actor=users["depositor"], draft_id=draft.pk)
        assert _edit(curator, draft, "While open").status_code == 200
        if close == "accept":
            request_act(actor=curator, request_id=request.pk, action="accept")
        elif close == "decline":
            request_act(actor=curator, request_id=request.pk, action="decline")
        elif close == "cancel":
            request_act(actor=users["depositor"], request_id=request.pk, action="cancel")
        else:
            request_act_as_system(request_id=request.pk, action="expire")
    if close == "accept":
        # the draft became the record; editing it again is the owner's (a new edit draft)
        assert client_for(curator).post(f"/api/records/{draft.pk}/draft").status_code == 403
        return
    assert client_for(curator).get(f"/api/records/{draft.pk}/draft").status_code == 404
    assert _edit(curator, draft, "After close").status_code == 404
    assert _add_file(curator, draft, "late.txt").status_code == 404
    assert _edit(users["depositor"], draft, "Owner still edits").status_code == 200


def test_an_open_review_blocks_direct_publish_and_delete_for_both_sides(review):
    draft, request, users = review
    review_submit(actor=users["depositor"], draft_id=draft.pk)
    for user in (users["depositor"], users["curator"], users["owner"]):
        client = client_for(user)
        published = client.post(f"/api/records/{draft.pk}/draft/actions/publish")
        assert published.status_code == 409, published.json()
        assert "in review" in published.json()["message"]
        assert client.delete(f"/api/records/{draft.pk}/draft").status_code == 409
    assert Draft.objects.filter(pk=draft.pk).exists() and not Record.objects.filter(pk=draft.pk).exists()
    request_act(actor=users["depositor"], request_id=request.pk, action="cancel")
    # once cancelled, the owner publishes or discards it again; the curator no longer can
    assert client_for(users["curator"]).delete(f"/api/records/{draft.pk}/draft").status_code == 404
    assert client_for(users["depositor"]).delete(f"/api/records/{draft.pk}/draft").status_code == 204


def test_accept_publishes_for_the_curator_even_when_the_owner_is_inactive(review):
    draft, request, users = review
    depositor, curator = users["depositor"], users["curator"]
    review_submit(actor=depositor, draft_id=draft.pk)
    assert _edit(curator, draft, "Curated title").status_code == 200
    depositor.is_active = False
    depositor.save(update_fields=["is_active"])
    response = client_for(curator).post(f"/api/requests/{request.pk}/actions/accept", {}, format="json")
    assert response.status_code == 200, response.json()
    record = Record.objects.get(pk=draft.pk)
    assert record.title == "Curated title"
    assert record.parent.owner == depositor  # ownership does not move
    revision = RecordRevision.objects.get(record=record)
    assert (revision.action, revision.user) == ("publish", curator)
    assert [
        f["key"] for f in client_for(new_user("v")).get(f"/api/records/{record.pk}/files").json()["entries"]
    ] == ["data.csv"]
    assert record.parent.community_links.get().community.slug == "lab"
    assert Request.objects.get(pk=request.pk).status == "accepted"


def test_accept_as_the_system_names_nobody(review):
    draft, request, users = review
    review_submit(actor=users["depositor"], draft_id=draft.pk)
    request_act_as_system(request_id=request.pk, action="accept")
    revision = RecordRevision.objects.get(record_id=draft.pk)
    assert revision.user is None
