"""The admin of communities and requests: pages open, tombstone/restore and system actions."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from communities.models import Community
from tests.communities.factories import make_community, make_request, new_user
from workflows.models import Request
from workflows.services import request_act

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged():
    client = Client()
    client.force_login(new_user("admin", is_admin=True))
    return client


def test_community_pages_and_delete_restore_actions(admin_client_logged):
    owner = new_user("owner")
    community = make_community(owner, title="<script>x</script>")
    assert admin_client_logged.get("/admin/communities/community/").status_code == 200
    page = admin_client_logged.get(f"/admin/communities/community/{community.pk}/change/")
    assert page.status_code == 200 and b"<script>x</script>" not in page.content
    changelist = "/admin/communities/community/"
    admin_client_logged.post(
        changelist, {"action": "delete_communities", ACTION_CHECKBOX_NAME: [str(community.pk)]}
    )
    community.refresh_from_db()
    assert community.is_deleted and community.tombstone["removed_by"]
    admin_client_logged.post(
        changelist, {"action": "restore_communities", ACTION_CHECKBOX_NAME: [str(community.pk)]}
    )
    assert not Community.objects.get(pk=community.pk).is_deleted


def test_members_inline_keeps_an_owner(admin_client_logged):
    owner = new_user("owner")
    community = make_community(owner)
    membership = community.memberships.get()
    data = {
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": str(membership.pk),
        "memberships-0-community": str(community.pk),
        "memberships-0-user": str(owner.pk),
        "memberships-0-role": "reader",
        "memberships-0-visible": "on",
        "featured-TOTAL_FORMS": "0",
        "featured-INITIAL_FORMS": "0",
    }
    response = admin_client_logged.post(f"/admin/communities/community/{community.pk}/change/", data)
    assert response.status_code == 200  # the form comes back with the error
    assert b"at least one owner" in response.content
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_requests_admin_shows_the_timeline_and_acts_as_system(admin_client_logged):
    owner, joiner = new_user("owner"), new_user("joiner")
    community = make_community(owner)
    request, creator, _ = make_request(
        "community-membership-request", community=community, creator_user=joiner, member_user=joiner
    )
    page = admin_client_logged.get(f"/admin/workflows/request/{request.pk}/change/")
    assert page.status_code == 200 and b"created" in page.content
    changelist = "/admin/workflows/request/"
    response = admin_client_logged.post(
        changelist, {"action": "expire_as_system", ACTION_CHECKBOX_NAME: [str(request.pk)]}, follow=True
    )
    assert b"Cannot expire a request that is created" in response.content
    request_act(actor=joiner, request_id=request.pk, action="submit")
    admin_client_logged.post(
        changelist, {"action": "expire_as_system", ACTION_CHECKBOX_NAME: [str(request.pk)]}
    )
    assert Request.objects.get(pk=request.pk).status == "expired"
