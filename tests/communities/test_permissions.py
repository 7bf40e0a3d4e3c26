"""One policy, two questions: can(read) and filter_visible agree for communities and requests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from communities.models import Community
from communities.permissions import community_policy
from communities.services import community_delete
from tests.communities.factories import add_member, make_community, make_request, new_user
from workflows.models import Request
from workflows.permissions import request_policy
from workflows.services import request_act

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    owner, reader, stranger = new_user("owner"), new_user("reader"), new_user("stranger")
    grouped = new_user("grouped")
    group = Group.objects.create(name="team")
    grouped.groups.add(group)
    public = make_community(owner, slug="public")
    restricted = make_community(owner, slug="restricted", visibility="restricted")
    via_group = make_community(owner, slug="via-group")
    group_only = make_community(owner, slug="group-only", visibility="restricted")
    deleted = make_community(owner, slug="deleted")
    community_delete(actor=owner, community_id=deleted.pk)
    add_member(restricted, reader, "reader")
    via_group.memberships.create(group=group, role="curator")
    group_only.memberships.create(group=group, role="reader")
    joiner = new_user("joiner")
    for type_id in ("community-membership-request", "community-submission", "community-invitation"):
        request, creator, _ = make_request(type_id, community=public, creator_user=joiner, member_user=joiner)
        if type_id != "community-invitation":
            request_act(actor=creator, request_id=request.pk, action="submit")
    make_request("community-submission", community=via_group, creator_user=stranger, member_user=stranger)
    users = {
        "anonymous": AnonymousUser(),
        "owner": owner,
        "reader": reader,
        "grouped": grouped,
        "stranger": stranger,
        "joiner": joiner,
        "admin": new_user("admin", is_admin=True),
    }
    return users


@pytest.mark.parametrize("who", ["anonymous", "owner", "reader", "grouped", "stranger", "joiner", "admin"])
def test_community_read_and_filter_agree(world, who):
    user = world[who]
    visible = set(
        community_policy.filter_visible(user, Community.objects.all()).values_list("slug", flat=True)
    )
    for community in Community.objects.all():
        assert (community.slug in visible) == community_policy.can(user, "read", community), (
            who,
            community.slug,
        )
    expected = {
        "anonymous": {"public", "via-group"},
        "owner": {"public", "restricted", "via-group", "group-only"},
        "reader": {"public", "restricted", "via-group"},
        "grouped": {"public", "via-group", "group-only"},
        "stranger": {"public", "via-group"},
        "joiner": {"public", "via-group"},
        "admin": {"public", "restricted", "via-group", "group-only"},
    }[who]
    assert visible == expected


@pytest.mark.parametrize("who", ["anonymous", "owner", "reader", "grouped", "stranger", "joiner", "admin"])
def test_request_read_and_filter_agree(world, who):
    user = world[who]
    visible = set(request_policy.filter_visible(user, Request.objects.all()).values_list("pk", flat=True))
    for request in Request.objects.all():
        assert (request.pk in visible) == request_policy.can(user, "read", request), (who, request.type)
    expected = {"anonymous": 0, "owner": 4, "reader": 0, "grouped": 1, "stranger": 1, "joiner": 3, "admin": 4}
    assert len(visible) == expected[who]
