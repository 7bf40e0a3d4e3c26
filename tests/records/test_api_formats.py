"""REST content negotiation: records and search results in the crosswalk formats, 406 otherwise."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from records import services
from tests.records.conftest import publish, valid_document
from tests.xml_validation import assert_valid

XML_FORMATS = [
    ("application/vnd.datacite.datacite+xml", "datacite-xml", "datacite"),
    ("application/x-dc+xml", "dublincore", "oai_dc"),
    ("application/marcxml+xml", "marcxml", "marc21"),
]


@pytest.mark.parametrize(("media_type", "shortcut", "kind"), XML_FORMATS)
def test_a_record_in_each_xml_format_by_accept_and_by_shortcut(
    api_client, record, media_type, shortcut, kind
):
    by_accept = api_client.get(f"/api/records/{record.pk}", HTTP_ACCEPT=media_type)
    by_format = api_client.get(f"/api/records/{record.pk}?format={shortcut}")
    for response in (by_accept, by_format):
        assert response.status_code == 200
        assert response["Content-Type"].startswith(media_type)
        root = assert_valid(kind, response.content)
        assert record.title in "".join(root.itertext())


def test_datacite_json(api_client, record):
    response = api_client.get(
        f"/api/records/{record.pk}", HTTP_ACCEPT="application/vnd.datacite.datacite+json"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.datacite.datacite+json")
    body = json.loads(response.content)
    assert body["titles"] == [{"title": record.title}]
    assert body["types"]["resourceTypeGeneral"] == "Dataset"


def test_json_stays_the_default(api_client, record):
    for accept in (None, "application/json", "*/*"):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        response = api_client.get(f"/api/records/{record.pk}", **headers)
        assert response.status_code == 200
        assert response.json()["id"] == record.pk


@pytest.mark.parametrize(
    ("accept", "query"), [("application/pdf", ""), ("text/html", ""), (None, "?format=bibtex")]
)
def test_unsupported_types_are_406_in_the_error_shape(api_client, record, accept, query):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = api_client.get(f"/api/records/{record.pk}{query}", **headers)
    assert response.status_code == 406
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["status"] == 406


def test_errors_stay_json_when_xml_was_asked_for(api_client, user, admin_user, record):
    restricted = publish(user, valid_document() | {"access": {"record": "restricted", "files": "restricted"}})
    response = api_client.get(f"/api/records/{restricted.pk}?format=datacite-xml")
    assert response.status_code == 404
    assert response.json()["status"] == 404
    services.record_delete(actor=admin_user, record_id=record.pk, removal_reason="spam")
    response = api_client.get(f"/api/records/{record.pk}", HTTP_ACCEPT="application/x-dc+xml")
    assert response.status_code == 410
    assert "tombstone" in response.json()


def test_search_results_in_marcxml_are_a_valid_collection_of_the_visible_hits(api_client, user):
    public = [publish(user, valid_document(title=f"Public dataset {n}")) for n in range(3)]
    publish(
        user, valid_document(title="Hidden dataset") | {"access": {"record": "restricted", "files": "public"}}
    )
    response = api_client.get("/api/records?format=marcxml&size=10")
    assert response.status_code == 200
    root = assert_valid("marc21", response.content)
    ids = root.xpath(
        "//m:controlfield[@tag='001']/text()", namespaces={"m": "http://www.loc.gov/MARC21/slim"}
    )
    assert sorted(ids) == sorted(r.pk for r in public)


@pytest.mark.parametrize(("media_type", "shortcut", "kind"), XML_FORMATS[:2])
def test_search_results_in_other_xml_formats_wrap_valid_records(api_client, user, media_type, shortcut, kind):
    publish(user)
    response = api_client.get("/api/records", HTTP_ACCEPT=media_type)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == "records" and root.get("total") == "1"
    assert len(root) == 1
    assert_valid(kind, root[0])


def test_search_results_in_datacite_json(api_client, user):
    publish(user)
    response = api_client.get("/api/records?format=datacite-json")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["hits"]["total"] == 1
    assert body["hits"]["hits"][0]["types"]["resourceTypeGeneral"] == "Dataset"
