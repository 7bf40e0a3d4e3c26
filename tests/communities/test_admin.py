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


def _inline_data(community, memberships, featured=()):
    data = {
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "featured-TOTAL_FORMS": str(len(featured)),
        "featured-INITIAL_FORMS": "0",
    }
    for index, (membership, role) in enumerate(memberships):
        data.update(
            {
                f"memberships-{index}-id": str(membership.pk),
                f"memberships-{index}-community": str(community.pk),
                f"memberships-{index}-user": str(membership.user_id),
                f"memberships-{index}-role": role,
                f"memberships-{index}-visible": "on",
            }
        )
    for index, start in enumerate(featured):
        data.update(
            {
                f"featured-{index}-community": str(community.pk),
                f"featured-{index}-start_date_0": start[0],
                f"featured-{index}-start_date_1": start[1],
            }
        )
    return data


def test_members_inline_changes_roles_and_tells_the_listeners(admin_client_logged):
    from communities.signals import community_membership_changed
    from tests.communities.factories import add_member

    owner, reader = new_user("owner"), new_user("reader")
    community = make_community(owner)
    membership = add_member(community, reader, "reader")
    seen = []
    community_membership_changed.connect(
        lambda sender, **kw: seen.append(kw), dispatch_uid="test-admin", weak=False
    )
    try:
        data = _inline_data(
            community, [(community.memberships.get(user=owner), "owner"), (membership, "curator")]
        )
        response = admin_client_logged.post(f"/admin/communities/community/{community.pk}/change/", data)
    finally:
        community_membership_changed.disconnect(dispatch_uid="test-admin")
    assert response.status_code == 302, response.content[:500]
    membership.refresh_from_db()
    assert membership.role == "curator"
    assert seen == [{"community_id": str(community.pk), "signal": community_membership_changed}]


@pytest.mark.parametrize("visibility", ["public", "restricted"])
def test_featured_inline_features_public_communities_only(admin_client_logged, visibility):
    from communities.models import FeaturedCommunity

    owner = new_user("owner")
    community = make_community(owner, visibility=visibility)
    data = _inline_data(
        community, [(community.memberships.get(), "owner")], featured=[("2020-01-01", "00:00:00")]
    )
    response = admin_client_logged.post(f"/admin/communities/community/{community.pk}/change/", data)
    if visibility == "public":
        assert response.status_code == 302
        assert FeaturedCommunity.objects.get().community == community
    else:
        assert response.status_code == 200 and b"Only public communities can be featured" in response.content
        assert not FeaturedCommunity.objects.exists()


def test_admin_accepts_a_submission_as_the_system_even_with_an_inactive_owner(admin_client_logged):
    from django.contrib.admin.models import LogEntry

    from communities.services import review_create_or_update, review_submit
    from records.models import Record, RecordRevision
    from tests.communities.factories import make_draft
    from workflows.models import RequestEvent

    owner, depositor = new_user("owner"), new_user("depositor")
    community = make_community(owner, slug="lab")
    draft = make_draft(depositor)
    request = review_create_or_update(
        actor=depositor, draft_id=draft.pk, data={"receiver": {"community": "lab"}}
    )
    review_submit(actor=depositor, draft_id=draft.pk)
    depositor.is_active = False
    depositor.save(update_fields=["is_active"])
    response = admin_client_logged.post(
        "/admin/workflows/request/", {"action": "accept_as_system", ACTION_CHECKBOX_NAME: [str(request.pk)]}
    )
    assert response.status_code == 302
    record = Record.objects.get(pk=draft.pk)
    assert record.parent.owner == depositor and record.parent.community_links.get().community == community
    admin_user = RecordRevision.objects.get(record=record).user
    assert admin_user is not None and admin_user.is_superuser
    accepted = RequestEvent.objects.get(request=request, payload__event="accepted")
    assert accepted.created_by == admin_user
    assert LogEntry.objects.filter(object_id=str(request.pk), change_message="Accept as the system").exists()
