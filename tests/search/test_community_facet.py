"""The community facet and filter: buckets keyed by community id, titled, only what the viewer sees."""

from __future__ import annotations

import pytest

from records.search_models import RecordSearchTerm
from tests.communities.factories import client_for, include, make_community, new_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def communities(corpus, user, other_user):
    """ "lab" (public) holds glacier and software; "vault" (restricted) holds the secret record."""
    lab = make_community(new_user("lab-owner"), slug="lab", title="Ocean Lab")
    vault = make_community(other_user, slug="vault", title="Vault", visibility="restricted")
    include(lab, corpus.glacier)
    include(lab, corpus.software)
    include(vault, corpus.secret)
    return lab, vault


def community_buckets(body: dict) -> list[tuple[str, int, str, bool]]:
    return [
        (b["key"], b["doc_count"], b["label"], b["is_selected"])
        for b in body["aggregations"]["community"]["buckets"]
    ]


def test_buckets_are_community_ids_with_titles(api_client, corpus, communities):
    lab, _ = communities
    body = api_client.get("/api/records").json()
    assert community_buckets(body) == [(str(lab.pk), 2, "Ocean Lab", False)]
    body = api_client.get("/api/records", {"q": "glacier"}).json()
    assert community_buckets(body) == [(str(lab.pk), 1, "Ocean Lab", False)]


def test_filter_by_slug_or_id(api_client, corpus, communities):
    lab, _ = communities
    for value in ("lab", str(lab.pk)):
        body = api_client.get("/api/records", {"community": value}).json()
        assert sorted(hit["id"] for hit in body["hits"]["hits"]) == sorted(
            [corpus.glacier.pk, corpus.software.pk]
        )
        assert community_buckets(body) == [(str(lab.pk), 2, "Ocean Lab", True)]
    assert api_client.get("/api/records", {"community": "no-such-community"}).json()["hits"]["total"] == 0


def test_a_community_the_viewer_cannot_see_is_neither_a_bucket_nor_a_filter(
    corpus, communities, user, other_user
):
    lab, vault = communities
    # the secret record's owner sees the record, but is no member of the restricted community it is in
    owner = client_for(user)
    body = owner.get("/api/records").json()
    assert corpus.secret.pk in [hit["id"] for hit in body["hits"]["hits"]]
    assert community_buckets(body) == [(str(lab.pk), 2, "Ocean Lab", False)]
    for value in ("vault", str(vault.pk)):
        assert owner.get("/api/records", {"community": value}).json()["hits"]["total"] == 0
    # the community's owner (a member) sees both
    member = client_for(other_user).get("/api/records", {"community": "vault"}).json()
    assert [hit["id"] for hit in member["hits"]["hits"]] == [corpus.secret.pk]
    assert (str(vault.pk), 1, "Vault", True) in community_buckets(member)


def test_leaving_a_community_updates_the_counts(api_client, corpus, communities):
    lab, _ = communities
    curator = client_for(lab.memberships.get(role="owner").user)
    url = f"/api/communities/{lab.pk}/records"
    assert curator.delete(url, {"records": [{"id": corpus.glacier.pk}]}, format="json").status_code == 200
    body = api_client.get("/api/records").json()
    assert community_buckets(body) == [(str(lab.pk), 1, "Ocean Lab", False)]
    assert not RecordSearchTerm.objects.filter(record_id=corpus.glacier.pk, field="community").exists()


def test_community_records_search_uses_the_record_search(api_client, corpus, communities):
    lab, _ = communities
    url = f"/api/communities/{lab.pk}/records"
    body = api_client.get(url).json()
    assert body["hits"]["total"] == 2
    assert "community" not in body["aggregations"]
    types = {b["key"]: b["doc_count"] for b in body["aggregations"]["resource_type"]["buckets"]}
    assert types == {"dataset": 1, "software": 1}  # the community's records only, not the whole corpus
    body = api_client.get(url, {"q": "type:software"}).json()
    assert [hit["id"] for hit in body["hits"]["hits"]] == [corpus.software.pk]
    assert api_client.get(url, {"q": "title:("}).status_code == 400
    body = api_client.get(url, {"resource_type": "dataset"}).json()
    assert [hit["id"] for hit in body["hits"]["hits"]] == [corpus.glacier.pk]
    assert {b["key"]: b["doc_count"] for b in body["aggregations"]["resource_type"]["buckets"]} == types


def test_search_page_lists_the_community_facet_and_filters_by_it(client, corpus, communities):
    lab, vault = communities
    page = client.get("/search").content.decode()
    assert f'data-facet="community" data-key="{lab.pk}">Ocean Lab' in page
    assert "Vault" not in page  # anonymous visitors cannot see the restricted community
    page = client.get("/search", {"community": str(lab.pk)}).content.decode()
    assert corpus.glacier.json["metadata"]["title"] in page
    assert corpus.coral.json["metadata"]["title"] not in page
