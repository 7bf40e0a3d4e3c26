"""Communities, users and requests are searched with the record query language and paging rules."""

from __future__ import annotations

import pytest

from accounts.services import user_create
from tests.communities.factories import client_for, make_community, make_request, new_user
from workflows.services import request_act

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [hit["id"] for hit in response.json()["hits"]["hits"]]


def assert_query_error(response, text: str) -> None:
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "q" and text in error["messages"][0], error


@pytest.fixture
def communities():
    owner = new_user("owner")
    ocean = make_community(owner, slug="ocean-lab", title="Ocean Lab")
    marine = make_community(owner, slug="marine-biology", title="Marine biology of the ocean")
    glacier = make_community(owner, slug="glacier", title="Glacier watch")
    return owner, ocean, marine, glacier


def test_communities_query_language(api_client, communities):
    _, ocean, marine, glacier = communities

    def found(q: str) -> set[str]:
        return set(ids(api_client.get("/api/communities", {"q": q})))

    assert found("biology") == {str(marine.pk)}
    assert found("title:ocean") == {str(ocean.pk), str(marine.pk)}
    assert found("description:ocean") == {str(ocean.pk), str(marine.pk), str(glacier.pk)}  # "Ocean data"
    assert found("title:ocean AND NOT marine") == {str(ocean.pk)}
    assert found("metadata.title:glacier OR slug:ocean") == {str(glacier.pk), str(ocean.pk)}
    assert found('"watch"') == {str(glacier.pk)}
    assert found('"marine biology"') == {str(marine.pk)}
    assert found('"biology marine"') == set()  # a phrase keeps its order
    assert found("glac*") == {str(glacier.pk)}
    assert found("type:project") == {str(ocean.pk), str(marine.pk), str(glacier.pk)}
    assert found("type:event") == set()
    assert found("created:[2000 TO 2999]") == {str(ocean.pk), str(marine.pk), str(glacier.pk)}
    assert found("created:{* TO 2000}") == set()
    assert found("_exists_:website") == set()


def test_communities_malformed_queries_and_paging_are_400(api_client, communities):
    assert_query_error(api_client.get("/api/communities", {"q": "title:(ocean"}), "position")
    assert_query_error(api_client.get("/api/communities", {"q": "owner:someone"}), "Unknown field 'owner'")
    assert_query_error(api_client.get("/api/communities", {"q": "title:[a TO b]"}), "title")
    assert api_client.get("/api/communities", {"size": 101}).status_code == 400
    assert api_client.get("/api/communities", {"page": 101, "size": 100}).status_code == 400


@pytest.fixture
def people(db):
    ada = user_create(email="ada@example.org", password=None, full_name="Ada Lovelace")
    ada.affiliations = "Analytical Engine Institute"
    ada.email_visibility = "public"
    ada.save(update_fields=["affiliations", "email_visibility"])
    grace = user_create(email="grace@navy.example", password=None, full_name="Grace Hopper")
    grace.orcid = "0000-0002-1825-0097"
    grace.save(update_fields=["orcid"])
    return ada, grace


def test_users_query_language(people):
    ada, grace = people
    client = client_for(new_user("searcher"))

    def found(q: str) -> set[int]:
        return {int(pk) for pk in ids(client.get("/api/users", {"q": q}))}

    assert found("name:ada") == {ada.pk}
    assert found("affiliation:engine") == {ada.pk}
    assert found("ada OR hopper") == {ada.pk, grace.pk}
    assert found("gr*") == {grace.pk}
    assert found("orcid:0000-0002-1825-0097") == {grace.pk}
    assert found("email:ada") == {ada.pk}
    # Grace's address is not public: no query reveals it, in a field or not
    assert found("email:navy") == set()
    assert found("navy") == set()
    assert found("_exists_:email") == {ada.pk}
    assert_query_error(client.get("/api/users", {"q": 'name:"ada'}), "position")
    assert_query_error(client.get("/api/users", {"q": "password:x"}), "Unknown field 'password'")
    assert client.get("/api/users", {"size": 101}).status_code == 400


def test_requests_query_language():
    owner = new_user("owner")
    community = make_community(owner, title="Lab")
    joiner = new_user("joiner")
    membership, _, _ = make_request(
        "community-membership-request", community=community, creator_user=joiner, member_user=joiner
    )
    request_act(actor=joiner, request_id=membership.pk, action="submit")
    client = client_for(owner)

    def found(q: str) -> set[str]:
        return set(ids(client.get("/api/requests", {"q": q})))

    assert found("") == {str(membership.pk)}
    assert found("type:community-membership-request AND status:submitted") == {str(membership.pk)}
    assert found("status:declined") == set()
    assert found("NOT type:community-invitation") == {str(membership.pk)}
    assert found("created:[2000 TO 2999]") == {str(membership.pk)}
    assert_query_error(client.get("/api/requests", {"q": "type:(a OR"}), "position")
    assert_query_error(client.get("/api/requests", {"q": "receiver:me"}), "Unknown field 'receiver'")
    assert client.get("/api/requests", {"page": 11, "size": 1000}).status_code == 400
