"""Facets: InvenioRDM's aggregation shape, counts over what the caller may see, filters as parameters."""

from __future__ import annotations


def search(client, **params) -> dict:
    response = client.get("/api/records", params)
    assert response.status_code == 200, response.json()
    return response.json()


def buckets(body: dict, name: str) -> dict[str, int]:
    return {bucket["key"]: bucket["doc_count"] for bucket in body["aggregations"][name]["buckets"]}


def test_aggregation_shape_and_labels(api_client, corpus):
    body = search(api_client)
    assert set(body["aggregations"]) == {
        "resource_type",
        "access_status",
        "language",
        "subject",
        "file_type",
        "publication_date",
        "community",
    }
    resource_types = body["aggregations"]["resource_type"]
    assert resource_types["label"] == "Resource types"
    image = next(b for b in resource_types["buckets"] if b["key"] == "image")
    assert image == {
        "key": "image",
        "doc_count": 2,
        "label": "Image",
        "is_selected": False,
        "inner": {
            "buckets": [
                {"key": "image-figure", "doc_count": 1, "label": "Figure", "is_selected": False},
                {"key": "image-photo", "doc_count": 1, "label": "Photo", "is_selected": False},
            ]
        },
    }
    assert buckets(body, "resource_type") == {"image": 2, "dataset": 1, "software": 1}
    languages = {b["key"]: (b["doc_count"], b["label"]) for b in body["aggregations"]["language"]["buckets"]}
    assert languages == {"eng": (2, "English"), "fra": (1, "French")}
    assert buckets(body, "access_status") == {"open": 4}
    assert body["aggregations"]["access_status"]["buckets"][0]["label"] == "Open"
    assert buckets(body, "subject") == {
        "Climate change": 2,
        "Glaciology": 1,
        "Marine biology": 1,
        "Oceanography": 1,
    }
    years = body["aggregations"]["publication_date"]["buckets"]
    assert [(b["key"], b["doc_count"]) for b in years] == [("2021", 1), ("2020", 1), ("2019", 1), ("2018", 1)]
    assert body["aggregations"]["file_type"]["buckets"] == []  # no files yet


def test_counts_follow_the_query(api_client, corpus):
    body = search(api_client, q="glacier")
    assert buckets(body, "resource_type") == {"dataset": 1, "image": 1}
    assert buckets(body, "language") == {"eng": 1}


def test_counts_include_only_what_the_caller_may_see(api_client, owner_client, admin_client_api, corpus):
    anonymous = search(api_client)
    assert "deu" not in buckets(anonymous, "language")
    assert "Secret subject" not in buckets(anonymous, "subject")
    assert "restricted" not in buckets(anonymous, "access_status")
    owner = search(owner_client)
    assert buckets(owner, "language")["deu"] == 1
    assert buckets(owner, "access_status") == {"open": 4, "restricted": 1}
    image = next(b for b in owner["aggregations"]["resource_type"]["buckets"] if b["key"] == "image")
    assert image["doc_count"] == 3
    assert buckets(search(admin_client_api), "subject")["Secret subject"] == 1


def test_facet_filters(api_client, corpus):
    def titles(**params):
        return {hit["metadata"]["title"] for hit in search(api_client, **params)["hits"]["hits"]}

    assert titles(resource_type="image") == {"Coral reef photographs", "Glacier figure"}
    assert titles(resource_type="image::image-photo") == {"Coral reef photographs"}
    assert titles(language="eng") == {
        "Glacier melt observations in Greenland",
        "Ocean circulation model software",
    }
    assert titles(language=["eng", "fra"], q="ocean OR coral") == {
        "Coral reef photographs",
        "Ocean circulation model software",
    }
    assert titles(language="eng", resource_type="software") == {"Ocean circulation model software"}
    assert titles(subject="Climate change", publication_date="2019") == {
        "Glacier melt observations in Greenland"
    }
    assert titles(publication_date="2020..2021") == {"Coral reef photographs", "Glacier figure"}
    assert titles(access_status="restricted") == set()
    body = search(api_client, resource_type="image::image-photo")
    image = next(b for b in body["aggregations"]["resource_type"]["buckets"] if b["key"] == "image")
    assert image["inner"]["buckets"][1] | {"is_selected": True} == image["inner"]["buckets"][1]
    assert body["hits"]["total"] == 1
    # the counts do not shrink with the selection (InvenioRDM's post_filter), so other choices stay visible
    assert buckets(body, "resource_type") == {"image": 2, "dataset": 1, "software": 1}
    assert "resource_type=image%3A%3Aimage-photo" in body["links"]["self"]


def test_bad_facet_filter_is_400(api_client, corpus):
    response = api_client.get("/api/records", {"publication_date": "last year"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "publication_date"


def test_file_type_facet_from_file_entries(user, api_client, db):
    from records.search_indexes import record_terms

    terms = record_terms({"files": {"entries": {"data.CSV": {}, "readme.md": {}, "archive.tar.gz": {}}}})
    assert {value for field, value in terms if field == "file_type"} == {"csv", "md", "gz"}


def test_search_page_shows_facets_with_links(client, corpus):
    html = client.get("/search", {"q": "glacier"}).content.decode()
    assert "Resource types" in html
    assert 'data-facet="resource_type" data-key="image"' in html
    assert 'href="?q=glacier&amp;resource_type=image"' in html
    selected = client.get("/search", {"q": "glacier", "resource_type": "image"}).content.decode()
    assert 'aria-current="true" class="selected" data-facet="resource_type" data-key="image"' in selected
    assert "Glacier figure" in selected and "Glacier melt" not in selected
    assert 'href="?q=glacier"' in selected  # the link that removes the filter


def test_the_partial_facet_index_covers_every_facet():
    """Facet counts read the partial index: it must hold the rows of every facet's term field."""
    from records.search_indexes import RECORD_INDEX
    from records.search_models import FACET_TERM_FIELDS

    assert set(FACET_TERM_FIELDS) == {facet.term_field for facet in RECORD_INDEX.facets}
