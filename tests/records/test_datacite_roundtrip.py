"""DataCite's official 4.7 examples: imported (DataCite XML → record), published, exported again, valid.

What the export says must equal what the example said, except for the losses docs/oai-pmh.md lists.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from records import services
from records.crosswalks import datacite_xml, prepare_documents, record_document
from records.crosswalks.datacite_import import record_from_datacite
from tests.xml_validation import SCHEMAS, assert_valid

EXAMPLES = sorted((SCHEMAS / "datacite-4.7" / "example").glob("*.xml"))
NS = {"d": "http://datacite.org/schema/kernel-4"}
# resourceTypeGeneral values our resource type vocabulary has no term for, or maps to another general type.
LOSSY_TYPES = {
    "Award",
    "Instrument",
    "Project",
    "Service",
    "Sound",
    "StudyRegistration",
    "Collection",
    "InteractiveResource",
    "Poster",
    "Presentation",
}


def words(root: etree._Element, path: str) -> list[str]:
    return sorted(
        " ".join(e.text.split()) for e in root.xpath(path, namespaces=NS) if e.text and e.text.strip()
    )


def summary(root: etree._Element) -> dict:
    """What a reader of the record sees, in a form both sides can be compared on."""
    return {
        "doi": words(root, "d:identifier[@identifierType='DOI']"),
        "titles": words(root, "d:titles/d:title"),
        "creators": words(root, "d:creators/d:creator/d:creatorName"),
        "contributors": words(root, "d:contributors/d:contributor/d:contributorName"),
        "publisher": words(root, "d:publisher"),
        "year": words(root, "d:publicationYear"),
        "subjects": words(root, "d:subjects/d:subject"),
        "sizes": words(root, "d:sizes/d:size"),
        "formats": words(root, "d:formats/d:format"),
        "version": words(root, "d:version"),
        "descriptions": words(root, "d:descriptions/d:description"),
        "places": words(root, "d:geoLocations/d:geoLocation/d:geoLocationPlace"),
        "funders": words(root, "d:fundingReferences/d:fundingReference/d:funderName"),
        "awards": words(root, "d:fundingReferences/d:fundingReference/d:awardNumber"),
    }


def related(root: etree._Element) -> set[str]:
    """Related identifiers, DOIs in their normalized form (bare, lower case) as we store them."""
    values = root.xpath("d:relatedIdentifiers/d:relatedIdentifier/text()", namespaces=NS)
    return {v.strip().lower().removeprefix("https://doi.org/") for v in values}


def test_every_official_example_is_there():
    assert len(EXAMPLES) >= 17


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_official_example_round_trips(user, path: Path):
    original = etree.parse(str(path)).getroot()
    imported = record_from_datacite(path.read_bytes())
    draft, errors = services.draft_create(actor=user, data=imported.document)
    assert errors == [], errors
    record = services.draft_publish(actor=user, draft_id=draft.pk)
    document = record_document(record)
    prepare_documents([document])
    exported = assert_valid("datacite", datacite_xml(document))

    before, after = summary(original), summary(exported)
    assert after["doi"] == [d.lower() for d in before["doi"]]
    for key in (
        "titles",
        "creators",
        "contributors",
        "publisher",
        "year",
        "subjects",
        "sizes",
        "formats",
        "version",
        "places",
        "funders",
        "awards",
    ):
        assert after[key] == before[key], key
    assert before["descriptions"] == after["descriptions"]
    general = original.find("d:resourceType", NS).get("resourceTypeGeneral")
    if general not in LOSSY_TYPES:
        assert exported.find("d:resourceType", NS).get("resourceTypeGeneral") == general
    related_before = related(original)
    related_after = related(exported)
    assert related_after <= related_before
    if len(related_after) < len(related_before):
        assert any("related identifiers" in lost for lost in imported.lost)


def test_what_is_lost_is_reported():
    imported = record_from_datacite(
        (SCHEMAS / "datacite-4.7/example/datacite-example-full-v4.xml").read_bytes()
    )
    assert "relatedItems (no equivalent: related identifiers carry the link only)" in imported.lost
    assert "publisher identifier" in imported.lost
