"""A restricted community's records: its members read them everywhere, nobody else sees them."""

from __future__ import annotations

import pytest
from django.test import Client

from communities.services.records import include_parent
from records.permissions import record_policy
from tests.communities.factories import add_member, client_for, make_community, new_user, restricted_document
from tests.records.conftest import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab_world():
    owner, reader, curator, stranger = new_user("o"), new_user("r"), new_user("c"), new_user("s")
    lab = make_community(owner, visibility="restricted")
    add_member(lab, reader, "reader")
    add_member(lab, curator, "curator")
    inside = publish(owner, restricted_document())
    outside = publish(new_user("x"), restricted_document())
    include_parent(lab, inside.parent_id)
    return {"reader": reader, "curator": curator, "stranger": stranger}, inside, outside


@pytest.mark.parametrize("who", ["reader", "curator"])
def test_members_read_the_communitys_restricted_records(lab_world, who):
    users, inside, outside = lab_world
    client = client_for(users[who])
    listed = client.get("/api/records", {"q": ""}).json()
    assert {hit["id"] for hit in listed["hits"]["hits"]} == {inside.pk}
    assert listed["aggregations"]["access_status"]["buckets"][0]["doc_count"] == 1
    assert client.get(f"/api/records/{inside.pk}").status_code == 200
    assert client.get(f"/api/records/{outside.pk}").status_code == 404
    assert record_policy.can(users[who], "read", inside)


def test_others_see_nothing_of_them(lab_world):
    users, inside, _ = lab_world
    stranger = client_for(users["stranger"])
    assert stranger.get("/api/records").json()["hits"]["hits"] == []
    assert stranger.get(f"/api/records/{inside.pk}").status_code == 404
    anonymous = Client()
    assert anonymous.get(f"/records/{inside.pk}").status_code == 404
    assert anonymous.get("/api/records").json()["aggregations"]["access_status"]["buckets"] == []
    response = anonymous.get(
        "/oai2d", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}, HTTP_ACCEPT_ENCODING="identity"
    )
    assert inside.pk.encode() not in response.content


def test_read_scope_matches_the_stored_readers(lab_world):
    """Search backends that store readers (Elasticsearch) give the same answer as the policy."""
    users, inside, outside = lab_world
    for user in users.values():
        scope = record_policy.read_scope(user)
        for record in (inside, outside):
            by_scope = bool(scope.principals & record_policy.record_readers(record))
            assert by_scope == record_policy.can(user, "read", record), (user.email, record.pk)
