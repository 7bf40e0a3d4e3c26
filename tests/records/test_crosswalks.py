"""Crosswalks: every export format of a rich and of a minimal record validates and carries the metadata."""

from __future__ import annotations

import pytest
from lxml import etree

from records.crosswalks import (
    datacite_json,
    datacite_xml,
    marcxml,
    oai_datacite,
    oai_dc,
    prepare_documents,
    record_document,
)
from tests.records.conftest import publish, valid_document
from tests.xml_validation import assert_valid

DC = "{http://purl.org/dc/elements/1.1/}"
DATACITE = "{http://datacite.org/schema/kernel-4}"
MARC = "{http://www.loc.gov/MARC21/slim}"


def rich_document() -> dict:
    """A record using every metadata field the schema has."""
    return valid_document(
        resource_type={"id": "publication-article"},
        additional_titles=[
            {"title": "Profils de température", "type": {"id": "translated-title"}, "lang": {"id": "fra"}}
        ],
        additional_descriptions=[
            {"description": "<p>Measured &amp; calibrated.</p>", "type": {"id": "methods"}}
        ],
        creators=[
            {
                "person_or_org": {
                    "type": "personal",
                    "given_name": "Ada",
                    "family_name": "Lovelace",
                    "identifiers": [{"scheme": "orcid", "identifier": "0000-0002-1825-0097"}],
                },
                "affiliations": [{"name": "Analytical Engine Institute"}],
            },
            {"person_or_org": {"type": "organizational", "name": "Argo Consortium"}},
        ],
        contributors=[
            {"person_or_org": {"type": "personal", "family_name": "Babbage"}, "role": {"id": "datacurator"}}
        ],
        rights=[{"id": "cc-by-4.0"}],
        subjects=[{"subject": "oceanography"}],
        languages=[{"id": "eng"}],
        dates=[{"date": "2023-01/2023-06", "type": {"id": "collected"}, "description": "cruise"}],
        version="v2",
        publisher="Zenodo",
        identifiers=[{"identifier": "1234", "scheme": "other"}],
        related_identifiers=[
            {"identifier": "10.1234/related", "scheme": "doi", "relation_type": {"id": "iscitedby"}},
            {"identifier": "https://example.org/x", "scheme": "url", "relation_type": {"id": "references"}},
        ],
        sizes=["12 MB"],
        formats=["text/csv"],
        locations={
            "features": [
                {"place": "North Atlantic", "geometry": {"type": "Point", "coordinates": [-30.5, 45.25]}}
            ]
        },
        funding=[
            {"funder": {"name": "European Commission"}, "award": {"title": {"en": "Argo"}, "number": "123"}}
        ],
    )


@pytest.fixture
def rich(user):
    document = rich_document()
    document["pids"] = {"doi": {"identifier": "10.5281/zenodo.123", "provider": "external"}}
    record = publish(user, document)
    doc = record_document(record)
    prepare_documents([doc])
    return doc


@pytest.fixture
def minimal(user):
    doc = record_document(publish(user))
    prepare_documents([doc])
    return doc


def test_datacite_xml_of_a_rich_record_is_valid_kernel_4_7_with_its_metadata(rich):
    root = assert_valid("datacite", datacite_xml(rich))
    identifier = root.find(f"{DATACITE}identifier")
    assert (identifier.get("identifierType"), identifier.text) == ("DOI", "10.5281/zenodo.123")
    assert root.find(f"{DATACITE}resourceType").get("resourceTypeGeneral") == "JournalArticle"
    names = [e.text for e in root.iter(f"{DATACITE}creatorName")]
    assert names == ["Lovelace, Ada", "Argo Consortium"]
    assert root.find(f".//{DATACITE}contributor").get("contributorType") == "DataCurator"
    assert root.find(f".//{DATACITE}nameIdentifier").text == "0000-0002-1825-0097"
    assert root.find(f"{DATACITE}publicationYear").text == "2024"
    related = root.find(f".//{DATACITE}relatedIdentifier")
    assert (related.get("relationType"), related.get("relatedIdentifierType")) == ("IsCitedBy", "DOI")
    rights = {(r.get("rightsIdentifier"), r.get("rightsURI")) for r in root.iter(f"{DATACITE}rights")}
    assert (None, "info:eu-repo/semantics/openAccess") in rights
    assert any(identifier == "cc-by-4.0" for identifier, _ in rights)
    abstract = root.find(f".//{DATACITE}description[@descriptionType='Abstract']")
    assert abstract.text == "Profiles measured by Argo floats."
    point = root.find(f".//{DATACITE}geoLocationPoint")
    assert point.find(f"{DATACITE}pointLatitude").text == "45.25"


def test_datacite_xml_also_validates_against_older_kernels_it_claims_compatibility_with(minimal):
    assert_valid("datacite", datacite_xml(minimal), datacite_version="4.5")


def test_datacite_json_says_what_the_xml_says(rich):
    data = datacite_json(rich)
    assert data["doi"] == "10.5281/zenodo.123"
    assert data["types"]["resourceTypeGeneral"] == "JournalArticle"
    assert data["types"]["resourceType"]  # the vocabulary's title when DataCite has no finer type
    assert data["creators"][0]["nameIdentifiers"][0]["nameIdentifierScheme"] == "ORCID"
    assert data["titles"][1] == {
        "title": "Profils de température",
        "titleType": "TranslatedTitle",
        "lang": "fra",
    }
    assert data["fundingReferences"] == [
        {"funderName": "European Commission", "awardNumber": "123", "awardTitle": "Argo"}
    ]


def test_a_record_without_doi_is_identified_by_its_landing_page(minimal):
    root = assert_valid("datacite", datacite_xml(minimal))
    identifier = root.find(f"{DATACITE}identifier")
    assert identifier.get("identifierType") == "URL"
    assert identifier.text.endswith(f"/records/{minimal['id']}")
    assert root.find(f"{DATACITE}publisher").text == "(:unav)"


def test_oai_datacite_wraps_the_kernel(rich):
    root = assert_valid("oai_datacite", oai_datacite(rich, datacentre="REPONO"))
    assert root.find(".//{http://schema.datacite.org/oai/oai-1.1/}schemaVersion").text == "4.7"


def test_dublin_core_is_valid_and_openaire_flavoured(rich):
    root = assert_valid("oai_dc", oai_dc(rich))
    values = {}
    for element in root:
        values.setdefault(etree.QName(element).localname, []).append(element.text)
    assert values["creator"] == ["Lovelace, Ada", "Argo Consortium"]
    assert "info:eu-repo/semantics/article" in values["type"]
    assert "info:eu-repo/semantics/openAccess" in values["rights"]
    assert "https://doi.org/10.5281/zenodo.123" in values["identifier"]
    assert values["language"] == ["eng"]
    assert values["coverage"] == ["North Atlantic"]


def test_marcxml_is_valid_marc21_slim(rich):
    root = assert_valid("marc21", marcxml(rich))
    fields = {f.get("tag"): f for f in root.iter(f"{MARC}datafield")}
    dois = [
        f
        for f in root.iter(f"{MARC}datafield")
        if f.get("tag") == "024" and f.find(f"{MARC}subfield[@code='2']").text == "doi"
    ]
    assert [f.find(f"{MARC}subfield[@code='a']").text for f in dois] == ["10.5281/zenodo.123"]
    assert fields["245"].find(f"{MARC}subfield[@code='a']").text == rich["metadata"]["title"]
    assert fields["100"].find(f"{MARC}subfield[@code='a']").text == "Lovelace, Ada"
    assert root.find(f"{MARC}controlfield[@tag='001']").text == rich["id"]


def test_text_xml_cannot_carry_is_dropped_not_a_crash(minimal):
    minimal["metadata"]["title"] = "Bell \x07 character"
    for crosswalk, kind in ((datacite_xml, "datacite"), (oai_dc, "oai_dc"), (marcxml, "marc21")):
        assert_valid(kind, crosswalk(minimal))
