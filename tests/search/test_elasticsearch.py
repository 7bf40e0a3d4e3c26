"""The Elasticsearch backend: the request JSON (pure, every run) and, with a live cluster, the same behaviour.

The live tests run when ELASTICSEARCH_URL points at an Elasticsearch 9 cluster and are reported
as skipped otherwise: no fake server, no patched client.
"""

from __future__ import annotations

import os
import uuid

import pytest

from records.permissions import ReadScope
from records.search_indexes import RECORD_INDEX
from repository.search.base import SearchParams
from repository.search.database import parse_request_query
from repository.search.elasticsearch_body import facet_counts, scope_filter, search_body
from repository.search.facets import selected_values

PUBLISHED = {"term": {"deletion_status": "P"}}


def body_for(**params) -> dict:
    search = SearchParams(**params)
    return search_body(
        RECORD_INDEX,
        parse_request_query(RECORD_INDEX, search),
        search,
        selected=selected_values(RECORD_INDEX, search.filters),
        base_filters=[PUBLISHED],
        max_window=10_000,
    )


def test_access_filter_from_the_read_scope():
    assert scope_filter(ReadScope(everything=True, principals=frozenset())) is None
    assert scope_filter(ReadScope(everything=False, principals=frozenset())) == {
        "bool": {"should": [{"term": {"public": True}}], "minimum_should_match": 1}
    }
    assert scope_filter(ReadScope(everything=False, principals=frozenset({"user:7"}))) == {
        "bool": {
            "should": [{"term": {"public": True}}, {"terms": {"readers": ["user:7"]}}],
            "minimum_should_match": 1,
        }
    }


def test_search_body_for_an_anonymous_query_with_facets():
    anonymous = ReadScope(everything=False, principals=frozenset())
    body = body_for(
        q="type:image",
        page=2,
        size=10,
        scope=anonymous,
        latest_only=True,
        filters=(("language", "ENG"), ("resource_type", "image::image-photo"), ("language", "fra")),
    )
    assert body["query"] == {
        "bool": {
            "must": [{"term": {"resource_type": {"value": "image", "case_insensitive": True}}}],
            "filter": [
                PUBLISHED,
                {"term": {"is_latest": True}},
                {"bool": {"should": [{"term": {"public": True}}], "minimum_should_match": 1}},
            ],
        }
    }
    assert body["post_filter"] == {
        "bool": {
            "filter": [
                {"terms": {"language": ["eng", "fra"]}},
                {"terms": {"resource_type": ["image-photo"]}},
            ]
        }
    }
    assert body["from_"] == 10 and body["size"] == 10 and body["track_total_hits"] == 10_000
    assert body["sort"] == ["_score", {"created": "desc"}, {"id": "desc"}]
    assert body["aggs"]["resource_type"] == {"terms": {"field": "resource_type", "size": 500}}
    assert body["aggs"]["subject"] == {"terms": {"field": "subject_exact", "size": 10}}
    assert body["aggs"]["publication_date"] == {
        "terms": {"field": "year", "size": 50, "order": {"_key": "desc"}}
    }


def test_search_body_sorts_and_suggest():
    admin = ReadScope(everything=True, principals=frozenset())
    assert body_for(scope=admin)["sort"] == [{"created": "desc"}, {"id": "desc"}]
    assert body_for(scope=admin, sort="title")["sort"] == [{"title.sort": "asc"}, {"id": "asc"}]
    assert body_for(scope=admin, sort="version")["sort"][0] == {"index": "desc"}
    body = body_for(scope=admin, suggest="ada lov", aggregate=False)
    assert "aggs" not in body
    assert body["query"]["bool"]["filter"] == [PUBLISHED]
    assert body["query"]["bool"]["must"] == [
        {
            "bool": {
                "must": [
                    {
                        "bool": {
                            "should": [
                                {"match": {"title": {"query": "ada", "operator": "and"}}},
                                {"match": {"creators": {"query": "ada", "operator": "and"}}},
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                    {
                        "bool": {
                            "should": [
                                {"match_phrase_prefix": {"title": {"query": "lov"}}},
                                {"match_phrase_prefix": {"creators": {"query": "lov"}}},
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                ]
            }
        }
    ]


def test_facet_counts_from_a_response():
    response = {
        "language": {"buckets": [{"key": "eng", "doc_count": 3}]},
        "publication_date": {"buckets": []},
    }
    assert facet_counts(response) == {"language": [("eng", 3)], "publication_date": []}


def test_record_document_and_mapping(user):
    from records.search_documents import RECORD_ADAPTER, record_document
    from tests.records.conftest import publish, valid_document

    record = publish(user, valid_document(languages=[{"id": "eng"}], resource_type={"id": "image-photo"}))
    document = record_document(record)
    assert document["readers"] == [f"user:{user.pk}"] and document["public"] is True
    assert document["resource_type"] == ["image", "image-photo"] and document["language"] == ["eng"]
    assert document["title"] == record.title and document["is_latest"] is True
    assert document["creators"] == ["Lovelace, Ada"]
    assert document["publication_date"] == "2024-05-01"
    properties = RECORD_ADAPTER.mapping()["properties"]
    assert set(document) <= set(properties)  # explicit mapping: no field left to dynamic mapping
    assert properties["readers"] == {"type": "keyword"}
    assert properties["title"]["fields"]["sort"] == {"type": "keyword", "normalizer": "lowercase"}


# --- live cluster -------------------------------------------------------------------------------------

live = pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="ELASTICSEARCH_URL is not set")


@pytest.fixture
def elasticsearch_backend(monkeypatch, settings):
    from repository.search.elasticsearch import ElasticsearchSearchBackend

    settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    backend = ElasticsearchSearchBackend(prefix=f"test-{uuid.uuid4().hex[:8]}-")
    for target in (
        "repository.search.get_backend",
        "records.services.get_backend",
        "records.bulk.write.get_backend",
        "records.search_maintenance.get_backend",
        "records.api.views.get_backend",
        "records.views.get_backend",
    ):
        monkeypatch.setattr(target, lambda: backend)
    yield backend
    backend.client.indices.delete(index=f"{backend.prefix}*", ignore_unavailable=True)


@pytest.mark.elasticsearch
@live
def test_live_search_facets_access_and_rebuild(api_client, owner_client, corpus, elasticsearch_backend):
    from records.models import Record
    from records.search_maintenance import search_check, search_queue_drain

    elasticsearch_backend.rebuild(Record)
    search_queue_drain()
    elasticsearch_backend.client.indices.refresh(index=f"{elasticsearch_backend.prefix}*")
    body = api_client.get("/api/records", {"q": "glacier"}).json()
    assert {hit["metadata"]["title"] for hit in body["hits"]["hits"]} == {
        "Glacier melt observations in Greenland",
        "Glacier figure",
    }
    assert "deu" not in {b["key"] for b in body["aggregations"]["language"]["buckets"]}
    owner = owner_client.get("/api/records", {"q": "glacier"}).json()
    assert "Glacier secret cores" in {hit["metadata"]["title"] for hit in owner["hits"]["hits"]}
    assert not search_check().drift
    first = elasticsearch_backend.versions(
        Record._meta and __import__("records.search_indexes").search_indexes.RECORD_INDEX
    )
    elasticsearch_backend.rebuild(Record)  # zero downtime: a new version, the alias switched
    second = elasticsearch_backend.versions(__import__("records.search_indexes").search_indexes.RECORD_INDEX)
    assert first != second and len(second) == 1
    assert api_client.get("/api/records", {"q": "glacier"}).json()["hits"]["total"] == 2
