"""Members and roles: invitations, groups, role changes within the invariants, leaving, visibility."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from communities.models import Membership
from tests.communities.factories import add_member, client_for, make_community, new_user
from workflows.models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    owner = new_user("owner")
    community = make_community(owner, slug="lab", title="Ocean Lab")
    manager, curator, reader = new_user("manager"), new_user("curator"), new_user("reader")
    add_member(community, manager, "manager")
    add_member(community, curator, "curator")
    add_member(community, reader, "reader")
    return community, {"owner": owner, "manager": manager, "curator": curator, "reader": reader}


def _ref(user) -> list[dict]:
    return [{"type": "user", "id": str(user.pk)}]


def _role(community, user) -> str | None:
    row = Membership.objects.filter(community=community, user=user).first()
    return row.role if row else None


def test_invitation_is_a_request_that_expires_in_30_days_and_accepting_makes_a_member(
    lab, django_capture_on_commit_callbacks, eager_celery
):
    community, people = lab
    invitee = new_user("invitee")
    url = f"/api/communities/{community.pk}/invitations"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people["manager"]).post(
            url, {"members": _ref(invitee), "role": "curator", "message": "<p>Join us</p>"}, format="json"
        )
    assert response.status_code == 204
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([invitee.email], "[Repono] New Community invitation: Invitation to join Ocean Lab")
    ]
    invitation = Request.objects.get(type="community-invitation")
    assert invitation.status == "submitted" and invitation.payload["role"] == "curator"
    days = (invitation.expires_at - invitation.created).days
    assert days in (29, 30)
    listed = client_for(people["manager"]).get(url).json()
    assert [h["id"] for h in listed["hits"]["hits"]] == [str(invitation.pk)]
    assert client_for(people["curator"]).get(url).status_code == 403
    again = client_for(people["manager"]).post(
        url, {"members": _ref(invitee), "role": "reader"}, format="json"
    )
    assert again.status_code == 400
    changed = client_for(people["manager"]).put(
        url, {"members": _ref(invitee), "role": "reader"}, format="json"
    )
    assert changed.status_code == 204
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client_for(invitee).post(
            f"/api/requests/{invitation.pk}/actions/accept", {}, format="json"
        )
    assert accepted.status_code == 200
    assert _role(community, invitee) == "reader"
    # the community side hears about it: its managers and owners (who invite), not the invitee who acted
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        u.email for u in (people["owner"], people["manager"])
    )
    assert {m.subject for m in mail.outbox} == {"[Repono] Accepted: Invitation to join Ocean Lab"}


@pytest.mark.parametrize(
    ("actor", "role", "status"),
    [
        ("manager", "owner", 403),
        ("manager", "manager", 204),
        ("curator", "reader", 403),
        ("owner", "owner", 204),
    ],
)
def test_who_may_invite_with_which_role(lab, actor, role, status):
    community, people = lab
    response = client_for(people[actor]).post(
        f"/api/communities/{community.pk}/invitations",
        {"members": _ref(new_user("x")), "role": role},
        format="json",
    )
    assert response.status_code == status


def test_bad_member_input_is_400():
    owner = new_user("owner")
    community = make_community(owner)
    url = f"/api/communities/{community.pk}/invitations"
    client = client_for(owner)
    assert client.post(url, {"members": [], "role": "reader"}, format="json").status_code == 400
    assert client.post(url, {"members": _ref(owner), "role": "boss"}, format="json").status_code == 400
    assert (
        client.post(
            url, {"members": [{"type": "user", "id": "x"}], "role": "reader"}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.post(
            url, {"members": [{"type": "user", "id": "999999"}], "role": "reader"}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.post(url, {"members": _ref(owner), "role": "reader"}, format="json").status_code == 400
    )  # member
    assert not Request.objects.exists()


def test_role_changes_keep_the_invariants(lab):
    community, people = lab
    url = f"/api/communities/{community.pk}/members"
    manager = client_for(people["manager"])
    owner = client_for(people["owner"])
    assert (
        manager.put(url, {"members": _ref(people["reader"]), "role": "curator"}, format="json").status_code
        == 204
    )
    assert _role(community, people["reader"]) == "curator"
    # managers cannot touch owners nor make owners; nobody changes their own role
    assert (
        manager.put(url, {"members": _ref(people["owner"]), "role": "reader"}, format="json").status_code
        == 403
    )
    assert (
        manager.put(url, {"members": _ref(people["curator"]), "role": "owner"}, format="json").status_code
        == 403
    )
    assert (
        manager.put(url, {"members": _ref(people["manager"]), "role": "reader"}, format="json").status_code
        == 403
    )
    assert (
        owner.put(url, {"members": _ref(people["owner"]), "role": "reader"}, format="json").status_code == 403
    )
    assert (
        client_for(people["curator"])
        .put(url, {"members": _ref(people["reader"]), "role": "reader"}, format="json")
        .status_code
        == 403
    )
    # owners make owners; the last owner cannot leave
    assert (
        owner.put(url, {"members": _ref(people["manager"]), "role": "owner"}, format="json").status_code
        == 204
    )
    assert _role(community, people["manager"]) == "owner"
    assert owner.delete(url, {"members": _ref(people["owner"])}, format="json").status_code == 204  # leaves
    assert _role(community, people["owner"]) is None
    last = client_for(people["manager"]).delete(url, {"members": _ref(people["manager"])}, format="json")
    assert last.status_code == 409
    assert _role(community, people["manager"]) == "owner"


def test_remove_members_and_leave(lab):
    community, people = lab
    url = f"/api/communities/{community.pk}/members"
    manager = client_for(people["manager"])
    assert manager.delete(url, {"members": _ref(people["owner"])}, format="json").status_code == 403
    assert manager.delete(url, {"members": _ref(people["curator"])}, format="json").status_code == 204
    assert (
        client_for(people["reader"])
        .delete(url, {"members": _ref(people["manager"])}, format="json")
        .status_code
        == 403
    )
    assert (
        client_for(people["reader"])
        .delete(url, {"members": _ref(people["reader"])}, format="json")
        .status_code
        == 204
    )
    assert set(Membership.objects.filter(community=community).values_list("role", flat=True)) == {
        "owner",
        "manager",
    }


def test_groups_are_added_directly_and_give_their_users_the_role(lab):
    community, people = lab
    group = Group.objects.create(name="Ocean team")
    member = new_user("grouped")
    member.groups.add(group)
    url = f"/api/communities/{community.pk}/members"
    body = {"members": [{"type": "group", "id": str(group.pk)}], "role": "curator"}
    assert client_for(people["curator"]).post(url, body, format="json").status_code == 403
    assert client_for(people["manager"]).post(url, body, format="json").status_code == 204
    assert client_for(people["manager"]).post(url, body, format="json").status_code == 400  # already
    requests = client_for(member).get(f"/api/communities/{community.pk}/requests")
    assert requests.status_code == 200  # a curator through the group
    users = {"members": _ref(new_user("u")), "role": "reader"}
    assert client_for(people["manager"]).post(url, users, format="json").status_code == 400  # invite users


def test_member_visibility(lab, api_client):
    community, people = lab
    url = f"/api/communities/{community.pk}/members"
    hide = client_for(people["reader"]).put(
        url, {"members": _ref(people["reader"]), "visible": False}, format="json"
    )
    assert hide.status_code == 204
    public = api_client.get(f"{url}/public").json()["hits"]["hits"]
    assert str(people["reader"].pk) not in [m["member"]["id"] for m in public]
    assert set(public[0]) == {"id", "member", "role"}
    everyone = client_for(people["curator"]).get(url).json()["hits"]
    assert everyone["total"] == 4
    assert api_client.get(url).json()["hits"]["total"] == 3
    community.members_visibility = "restricted"
    community.save(update_fields=["members_visibility"])
    assert api_client.get(url).status_code == 403
    assert api_client.get(f"{url}/public").status_code == 403
    assert client_for(people["reader"]).get(url).status_code == 200
    # only managers change others' visibility
    other = {"members": _ref(people["curator"]), "visible": False}
    assert client_for(people["reader"]).put(url, other, format="json").status_code == 403


def test_membership_requests_for_open_communities_only(lab):
    community, people = lab
    joiner = new_user("joiner")
    url = f"/api/communities/{community.pk}/membership-requests"
    created = client_for(joiner).post(url, {"message": "Hello"}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "submitted"
    assert client_for(joiner).post(url, {}, format="json").status_code == 400  # already asked
    assert client_for(people["reader"]).post(url, {}, format="json").status_code == 400  # a member
    request_url = f"/api/requests/{created.json()['id']}/actions/accept"
    assert client_for(people["curator"]).post(request_url, {}, format="json").status_code == 403
    assert client_for(people["manager"]).post(request_url, {}, format="json").status_code == 200
    assert _role(community, joiner) == "reader"
    closed = make_community(people["owner"], member_policy="closed")
    refused = client_for(new_user("y")).post(
        f"/api/communities/{closed.pk}/membership-requests", {}, format="json"
    )
    assert refused.status_code == 403
