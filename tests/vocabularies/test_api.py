"""GET /api/vocabularies/{type} and /api/vocabularies/{type}/{id}."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

BASE = "http://testserver/api/vocabularies"
ITEM_KEYS = {"id", "title", "props", "tags", "type", "created", "updated", "revision_id", "links"}


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


class TestSearch:
    def test_default_page(self, api_client):
        response = api_client.get("/api/vocabularies/resourcetypes")
        assert response.status_code == 200
        body = response.json()
        assert body["hits"]["total"] == 44
        assert len(body["hits"]["hits"]) == 10
        assert body["aggregations"] == {}
        assert body["sortBy"] == "title"
        titles = [hit["title"]["en"].lower() for hit in body["hits"]["hits"]]
        assert titles == sorted(titles)
        assert body["links"]["self"] == f"{BASE}/resourcetypes?sort=title&page=1&size=10"
        assert body["links"]["next"] == f"{BASE}/resourcetypes?sort=title&page=2&size=10"
        assert "prev" not in body["links"]

    def test_hit_shape(self, api_client):
        hits = api_client.get("/api/vocabularies/resourcetypes", {"q": "photo"}).json()["hits"]["hits"]
        assert len(hits) == 1
        hit = hits[0]
        assert set(hit) == ITEM_KEYS
        assert hit["id"] == "image-photo"
        assert hit["title"] == {"en": "Photo"}
        assert hit["type"] == "resourcetypes"
        assert hit["props"]["datacite_general"] == "Image"
        assert hit["revision_id"] == 1
        assert hit["links"] == {"self": f"{BASE}/resourcetypes/image-photo"}

    def test_optional_fields_appear_when_set(self, api_client):
        hit = api_client.get("/api/vocabularies/removalreasons", {"q": "spam"}).json()["hits"]["hits"][0]
        assert hit["description"] == {"en": "The record is spam or advertising."}
        hit = api_client.get("/api/vocabularies/resourcetypes", {"q": "dataset"}).json()["hits"]["hits"][0]
        assert hit["icon"] == "table"

    def test_q_and_links_keep_the_query(self, api_client):
        q = "Creative Commons Attribution 4.0 International"
        body = api_client.get("/api/vocabularies/licenses", {"q": q, "size": 5}).json()
        hits = body["hits"]["hits"]
        assert hits[0]["id"] == "cc-by-4.0"
        assert body["hits"]["total"] > 5  # also the -sa, -nc, ... variants
        assert all(hit["id"].startswith("cc-by") for hit in hits)
        assert body["sortBy"] == "bestmatch"
        assert query_of(body["links"]["next"])["page"] == ["2"]
        assert query_of(body["links"]["self"]) == {
            "q": [q],
            "sort": ["bestmatch"],
            "page": ["1"],
            "size": ["5"],
        }

    def test_suggest_puts_the_best_match_first(self, api_client):
        body = api_client.get("/api/vocabularies/languages", {"suggest": "Engl"}).json()
        assert body["hits"]["hits"][0]["id"] == "eng"
        assert query_of(body["links"]["self"])["suggest"] == ["Engl"]

    def test_no_match(self, api_client):
        body = api_client.get("/api/vocabularies/languages", {"q": "klingonish"}).json()
        assert body["hits"] == {"hits": [], "total": 0}
        assert "next" not in body["links"]

    def test_paging(self, api_client):
        first = api_client.get("/api/vocabularies/resourcetypes", {"size": 20, "sort": "id"}).json()
        second = api_client.get(first["links"]["next"]).json()
        third = api_client.get(second["links"]["next"]).json()
        ids = [hit["id"] for page in (first, second, third) for hit in page["hits"]["hits"]]
        assert len(ids) == 44 == len(set(ids))
        assert ids == sorted(ids)
        assert second["links"]["prev"] == first["links"]["self"]
        assert "next" not in third["links"]

    def test_largest_allowed_window(self, api_client):
        response = api_client.get("/api/vocabularies/languages", {"page": 100, "size": 100})
        assert response.status_code == 200
        body = response.json()
        assert body["hits"]["hits"] == [] and body["hits"]["total"] == 7923
        assert "next" not in body["links"]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"size": 101}, "size"),
            ({"size": 0}, "size"),
            ({"size": "ten"}, "size"),
            ({"page": 0}, "page"),
            ({"page": "x"}, "page"),
            ({"page": 101, "size": 100}, "page"),
            ({"sort": "popularity"}, "sort"),
        ],
    )
    def test_bad_parameters(self, api_client, params, field):
        response = api_client.get("/api/vocabularies/languages", params)
        assert response.status_code == 400
        body = response.json()
        assert body["status"] == 400
        assert [error["field"] for error in body["errors"]] == [field]

    def test_unknown_type(self, api_client):
        response = api_client.get("/api/vocabularies/colours")
        assert response.status_code == 404
        assert response.json() == {"status": 404, "message": "Vocabulary type 'colours' does not exist."}

    def test_query_count_is_bounded(self, api_client, django_assert_max_num_queries):
        with django_assert_max_num_queries(3):
            response = api_client.get("/api/vocabularies/languages", {"size": 100})
        assert len(response.json()["hits"]["hits"]) == 100


class TestItem:
    def test_term(self, api_client):
        response = api_client.get("/api/vocabularies/licenses/cc-by-4.0")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == ITEM_KEYS
        assert body["title"] == {"en": "Creative Commons Attribution 4.0 International"}
        assert body["props"]["scheme"] == "spdx"
        assert body["links"]["self"] == f"{BASE}/licenses/cc-by-4.0"
        assert api_client.get(body["links"]["self"]).json() == body

    def test_deprecated_term_still_resolves(self, api_client):
        body = api_client.get("/api/vocabularies/licenses/gpl-2.0+").json()
        assert body["id"] == "gpl-2.0+"
        assert api_client.get(body["links"]["self"]).status_code == 200

    def test_authenticated_users_see_the_same(self, api_client, owner_client):
        url = "/api/vocabularies/languages/eng"
        assert owner_client.get(url).json() == api_client.get(url).json()

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("/api/vocabularies/languages/xx", "Vocabulary term 'xx' does not exist in 'languages'."),
            ("/api/vocabularies/colours/red", "Vocabulary type 'colours' does not exist."),
        ],
    )
    def test_not_found(self, api_client, url, message):
        response = api_client.get(url)
        assert response.status_code == 404
        assert response.json() == {"status": 404, "message": message}

    def test_read_only(self, api_client):
        assert api_client.post("/api/vocabularies/languages", {}, format="json").status_code == 405
        assert api_client.delete("/api/vocabularies/languages/eng").status_code == 405


def test_openapi_describes_parameters_and_responses():
    schema = SchemaGenerator(patterns=[path("api/", include("repository.vocabularies.urls"))]).get_schema(
        request=None, public=True
    )
    search = schema["paths"]["/api/vocabularies/{vocabulary_type}"]["get"]
    assert {p["name"] for p in search["parameters"]} == {
        "vocabulary_type",
        "q",
        "suggest",
        "page",
        "size",
        "sort",
    }
    size = next(p for p in search["parameters"] if p["name"] == "size")
    assert size["schema"]["maximum"] == 100
    assert set(search["responses"]) == {"200", "400", "404", "406"}
    result = schema["components"]["schemas"]["VocabularySearchResult"]
    assert set(result["properties"]) == {"hits", "aggregations", "sortBy", "links"}
    term = schema["components"]["schemas"]["VocabularyTerm"]
    assert set(term["properties"]) == ITEM_KEYS | {"description", "icon"}
    item = schema["paths"]["/api/vocabularies/{vocabulary_type}/{term_id}"]["get"]
    assert set(item["responses"]) == {"200", "404", "406"}
