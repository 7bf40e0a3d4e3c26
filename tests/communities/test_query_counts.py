"""List endpoints answer in a bounded number of queries, however many rows they show."""

from __future__ import annotations

import pytest

from tests.communities.factories import (
    add_member,
    client_for,
    include,
    make_community,
    make_request,
    new_user,
)
from tests.records.conftest import publish
from workflows.services import request_act

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy():
    owner = new_user("owner")
    community = make_community(owner)
    for _ in range(15):
        joiner = new_user("joiner")
        request, _, _ = make_request(
            "community-membership-request", community=community, creator_user=joiner, member_user=joiner
        )
        request_act(actor=joiner, request_id=request.pk, action="submit")
        add_member(make_community(joiner), owner, "reader")
        add_member(community, joiner, "reader")
    for _ in range(5):
        record = publish(owner)
        include(community, record)
    return community, owner


@pytest.mark.parametrize(
    "path",
    [
        "/api/requests",
        "/api/user/requests",
        "/api/communities/{id}/requests",
        "/api/communities",
        "/api/user/communities",
        "/api/communities/{id}/members",
        "/api/communities/{id}/records",
    ],
)
def test_list_queries_are_bounded(busy, path, django_assert_max_num_queries):
    community, owner = busy
    client = client_for(owner)
    # A community's records are the record search (access scope, facets with labels, files):
    # 17 statements on SQLite, the same with 15 records as with 5; 20 rows would mean a query per row.
    with django_assert_max_num_queries(18 if path.endswith("/records") else 16):
        response = client.get(path.format(id=community.pk))
    assert response.status_code == 200
    assert response.json()["hits"]["total"] >= 5


@pytest.mark.parametrize("path", ["/me/requests", "/communities/{slug}/requests", "/communities/{slug}"])
def test_pages_queries_are_bounded(busy, path, django_assert_max_num_queries):
    from django.test import Client

    community, owner = busy
    client = Client()
    client.force_login(owner)
    with django_assert_max_num_queries(20):
        response = client.get(path.format(slug=community.slug))
    assert response.status_code == 200
