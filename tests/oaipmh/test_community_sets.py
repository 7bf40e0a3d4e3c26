"""Community sets (community-<slug>) and records leaving sets, through the protocol (XSD-validated).

A selective harvester of a set must learn that a record left it: the record's next harvest of
that set (from = the previous responseDate) shows it as a deleted header with that set, while
the unrestricted harvest shows the record itself with its new set specs (docs/adr/0011).
"""

from __future__ import annotations

import pytest

from communities import services as community_services
from oaipmh.models import OAIItem, OAISet, OAISetMembership
from records import services
from records.services import oai_identifier
from tests.communities.factories import make_community
from tests.oaipmh.helpers import NS, deleted_identifiers, error_codes, harvest, identifiers, oai
from tests.records.conftest import publish, valid_document

pytestmark = pytest.mark.django_db


def set_specs(root) -> list[str]:
    return root.xpath("//o:ListSets/o:set/o:setSpec/text()", namespaces=NS)


def header_of(root, record) -> dict:
    """The header of RECORD in a response: deleted flag and set specs."""
    (header,) = root.xpath(f"//o:header[o:identifier='{oai_identifier(record.pk)}']", namespaces=NS)
    return {
        "deleted": header.get("status") == "deleted",
        "sets": header.xpath("o:setSpec/text()", namespaces=NS),
    }


def response_date(root) -> str:
    return root.findtext("o:responseDate", namespaces=NS)


def include(user, community, *records):
    for record in records:
        community_services.record_include(actor=user, record_id=record.pk, community_id=community.pk)


def remove(user, community, record):
    result = community_services.record_communities_remove(
        actor=user, record_id=record.pk, data={"communities": [{"id": str(community.pk)}]}
    )
    assert not result.get("errors"), result


@pytest.fixture
def lab(user):
    return make_community(user, slug="lab", title="Ocean Lab")


def test_a_public_community_is_a_set_with_its_title_and_description(client, user, lab):
    make_community(user, slug="secret", title="Secret", visibility="restricted")
    root = oai(client, verb="ListSets")
    assert set_specs(root) == ["community-lab", "openaire", "openaire_data"]
    (entry,) = root.xpath("//o:set[o:setSpec='community-lab']", namespaces=NS)
    assert entry.findtext("o:setName", namespaces=NS) == "Ocean Lab"
    assert entry.xpath(".//dc:description/text()", namespaces=NS) == ["Ocean data"]
    assert OAISet.objects.get(spec="community-lab").system


def test_records_included_are_harvested_in_the_community_set(client, user, lab):
    inside, outside = publish(user), publish(user)
    include(user, lab, inside)
    _, found = harvest(client, "ListRecords", metadataPrefix="oai_dc", set="community-lab")
    assert found == [oai_identifier(inside.pk)]
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=oai_identifier(inside.pk))
    assert header_of(root, inside)["sets"] == ["community-lab", "openaire_data"]
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=oai_identifier(outside.pk))
    assert header_of(root, outside)["sets"] == ["openaire_data"]


def test_a_new_version_joins_the_community_of_its_parent(client, user, lab):
    record = publish(user)
    include(user, lab, record)
    draft = services.record_new_version(actor=user, record_id=record.pk)
    services.draft_update(actor=user, draft_id=draft.pk, data=valid_document(title="Version two"))
    version = services.draft_publish(actor=user, draft_id=draft.pk)
    _, found = harvest(client, metadataPrefix="oai_dc", set="community-lab")
    assert sorted(found) == sorted([oai_identifier(record.pk), oai_identifier(version.pk)])


def test_a_record_removed_from_a_community_is_announced_to_that_sets_harvesters(client, user, lab):
    staying, leaving = publish(user), publish(user)
    include(user, lab, staying, leaving)
    first = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="community-lab")
    assert sorted(identifiers(first)) == sorted([oai_identifier(staying.pk), oai_identifier(leaving.pk)])
    assert deleted_identifiers(first) == []
    remove(user, lab, leaving)
    since = response_date(first)
    second = oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="community-lab", **{"from": since})
    assert header_of(second, leaving) == {"deleted": True, "sets": ["community-lab"]}
    assert (
        second.xpath(
            f"//o:record[o:header/o:identifier='{oai_identifier(leaving.pk)}']/o:metadata", namespaces=NS
        )
        == []
    )
    everything = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": since})
    assert header_of(everything, leaving) == {"deleted": False, "sets": ["openaire_data"]}
    # persistent: a full harvest of the set still says so; later edits do not announce it again
    _, found = harvest(client, metadataPrefix="oai_dc", set="community-lab")
    full = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="community-lab")
    assert header_of(full, leaving)["deleted"] and oai_identifier(leaving.pk) in found
    departure = OAISetMembership.objects.get(record_id=leaving.pk, oai_set__spec="community-lab")
    draft = services.record_edit(actor=user, record_id=leaving.pk)
    services.draft_update(actor=user, draft_id=draft.pk, data=valid_document(title="Edited"))
    services.draft_publish(actor=user, draft_id=draft.pk)
    assert OAIItem.objects.get(record_id=leaving.pk).datestamp > departure.datestamp
    again = OAISetMembership.objects.get(record_id=leaving.pk, oai_set__spec="community-lab")
    assert (again.removed, again.datestamp) == (True, departure.datestamp)


def test_a_record_coming_back_is_a_member_again(client, user, lab):
    record = publish(user)
    include(user, lab, record)
    remove(user, lab, record)
    include(user, lab, record)
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="community-lab")
    assert header_of(root, record) == {"deleted": False, "sets": ["community-lab", "openaire_data"]}


def test_a_record_leaving_a_custom_set_is_announced_in_two_harvests(client, user):
    record = publish(user)  # a dataset: in openaire_data
    first = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="openaire_data")
    assert header_of(first, record) == {"deleted": False, "sets": ["openaire_data"]}
    draft = services.record_edit(actor=user, record_id=record.pk)
    document = dict(draft.json)
    document["metadata"] = dict(document["metadata"], resource_type={"id": "publication-article"})
    services.draft_update(actor=user, draft_id=draft.pk, data=document)
    services.draft_publish(actor=user, draft_id=draft.pk)
    since = {"from": response_date(first)}
    left = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="openaire_data", **since)
    assert header_of(left, record) == {"deleted": True, "sets": ["openaire_data"]}
    joined = oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="openaire", **since)
    assert header_of(joined, record) == {"deleted": False, "sets": ["openaire"]}


def test_renaming_a_community_moves_its_records_to_the_new_spec(client, user, lab):
    record = publish(user)
    include(user, lab, record)
    before = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="community-lab")
    community_services.community_rename(actor=user, community_id=lab.pk, slug="ocean-lab")
    assert set_specs(oai(client, verb="ListSets")) == ["community-ocean-lab", "openaire", "openaire_data"]
    since = {"from": response_date(before)}
    moved = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **since)
    assert header_of(moved, record) == {"deleted": False, "sets": ["community-ocean-lab", "openaire_data"]}
    _, found = harvest(client, metadataPrefix="oai_dc", set="community-ocean-lab")
    assert found == [oai_identifier(record.pk)]
    gone = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="community-lab")
    assert error_codes(gone) == ["noRecordsMatch"]


def test_a_retitled_community_renames_its_set(client, user, lab):
    community_services.community_update(
        actor=user,
        community_id=lab.pk,
        data={
            "metadata": {
                "title": "Sea Lab",
                "description": "<p>Sea <b>data</b></p>",
                "type": {"id": "project"},
            }
        },
    )
    (entry,) = oai(client, verb="ListSets").xpath("//o:set[o:setSpec='community-lab']", namespaces=NS)
    assert entry.findtext("o:setName", namespaces=NS) == "Sea Lab"
    assert entry.xpath(".//dc:description/text()", namespaces=NS) == ["Sea data"]


@pytest.mark.parametrize("how", ["restricted", "deleted"])
def test_a_community_becoming_restricted_or_deleted_loses_its_set(client, user, lab, how):
    record = publish(user)
    include(user, lab, record)
    before = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    if how == "restricted":
        community_services.community_update(
            actor=user,
            community_id=lab.pk,
            data={"metadata": {"title": "Ocean Lab"}, "access": {"visibility": "restricted"}},
        )
    else:
        community_services.community_delete(actor=user, community_id=lab.pk)
    assert set_specs(oai(client, verb="ListSets")) == ["openaire", "openaire_data"]
    assert error_codes(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="community-lab")) == [
        "noRecordsMatch"
    ]
    after = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": response_date(before)})
    assert header_of(after, record) == {"deleted": False, "sets": ["openaire_data"]}


def test_a_restored_community_gets_its_set_back(client, user, lab):
    community_services.community_delete(actor=user, community_id=lab.pk)
    community_services.community_restore(actor=user, community_id=lab.pk)
    assert "community-lab" in set_specs(oai(client, verb="ListSets"))
    record = publish(user)
    include(user, lab, record)
    _, found = harvest(client, metadataPrefix="oai_dc", set="community-lab")
    assert found == [oai_identifier(record.pk)]


def test_community_sets_are_not_editable_through_the_api(admin_client_api, lab):
    oai_set = OAISet.objects.get(spec="community-lab")
    response = admin_client_api.put(f"/api/oaipmh/sets/{oai_set.pk}", {"name": "Mine"}, format="json")
    assert response.status_code == 403
    assert admin_client_api.delete(f"/api/oaipmh/sets/{oai_set.pk}").status_code == 403
    assert OAISet.objects.get(pk=oai_set.pk).name == "Ocean Lab"
    assert admin_client_api.get(f"/api/oaipmh/sets/{oai_set.pk}").json()["system_created"] is True
    taken = {"spec": "community-other", "name": "x", "search_pattern": "x"}
    response = admin_client_api.post("/api/oaipmh/sets", taken, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["spec"]


def test_oai_rebuild_recreates_community_sets(user, lab):
    from django.core.management import call_command

    record = publish(user)
    include(user, lab, record)
    OAISet.objects.filter(system=True).delete()
    call_command("oai_rebuild", verbosity=0)
    assert OAIItem.objects.get(record_id=record.pk).set_specs == ["community-lab", "openaire_data"]


def test_a_set_left_by_a_community_removed_without_its_signal_gives_way(client, user, lab):
    from communities.models import Community

    record = publish(user)
    include(user, lab, record)
    Community.objects.filter(pk=lab.pk).delete()  # a raw delete: no community_changed
    successor = make_community(user, slug="lab", title="Successor Lab")
    root = oai(client, verb="ListSets")
    (entry,) = root.xpath("//o:set[o:setSpec='community-lab']", namespaces=NS)
    assert entry.findtext("o:setName", namespaces=NS) == "Successor Lab"
    assert OAISet.objects.get(spec="community-lab").community_id == successor.pk
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=oai_identifier(record.pk))
    assert "community-lab" not in header_of(root, record)["sets"]
