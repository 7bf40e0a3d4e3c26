"""Two independent OAI-PMH clients from PyPI (Sickle, oaipmh-scythe) harvest a live server.

What they harvest must equal exactly what the database says harvesters may see: the public
records, plus deleted headers for deleted and restricted-since-public ones; with and without sets
and date ranges; and a harvest while records are being published misses nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from oaipmh_scythe import Scythe
from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch

from oaipmh.models import OAIItem, OAISetMembership
from records.services import oai_identifier
from tests.oaipmh.conftest import make_restricted
from tests.records.conftest import publish, valid_document

LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def expected(
    spec: str | None = None, start: datetime | None = None, end: datetime | None = None
) -> dict[str, bool]:
    """identifier → deleted, straight from the database (in a set: records that left it are deleted)."""
    if spec is None:
        items = OAIItem.objects.all()
        if start is not None:
            items = items.filter(datestamp__gte=start)
        if end is not None:
            items = items.filter(datestamp__lt=end)
        return {oai_identifier(i.record_id): i.deleted for i in items}
    rows = OAISetMembership.objects.filter(oai_set__spec=spec)
    if start is not None:
        rows = rows.filter(datestamp__gte=start)
    if end is not None:
        rows = rows.filter(datestamp__lt=end)
    deleted = dict(OAIItem.objects.values_list("record_id", "deleted"))
    return {oai_identifier(r.record_id): r.removed or deleted[r.record_id] for r in rows}


def sickle_harvest(url: str, verb: str = "ListIdentifiers", **params) -> dict[str, bool]:
    client = Sickle(url)
    method = getattr(client, verb)
    found: dict[str, bool] = {}
    try:
        for item in method(metadataPrefix="oai_dc", ignore_deleted=False, **params):
            header = item.header if verb == "ListRecords" else item
            assert header.identifier not in found, f"duplicate {header.identifier}"
            found[header.identifier] = header.deleted
    except NoRecordsMatch:
        pass
    return found


def scythe_harvest(url: str, verb: str = "list_identifiers", **params) -> dict[str, bool]:
    found: dict[str, bool] = {}
    with Scythe(url) as client:
        try:
            for item in getattr(client, verb)(metadata_prefix="oai_dc", ignore_deleted=False, **params):
                header = item.header if verb == "list_records" else item
                assert header.identifier not in found, f"duplicate {header.identifier}"
                found[header.identifier] = header.deleted
        except Exception as exc:  # oaipmh_scythe.NoRecordsMatch
            if type(exc).__name__ != "NoRecordsMatch":
                raise
    return found


@pytest.fixture
def populated(user, admin_user, settings):
    """Seven public records across types, a deleted one, a restricted-later one, a never-public one."""
    from records import services

    settings.OAI_PAGE_SIZE = 3
    types = [
        "dataset",
        "dataset",
        "dataset",
        "publication-article",
        "publication-preprint",
        "software",
        "image",
    ]
    public = [
        publish(user, valid_document(title=f"Record {n}", resource_type={"id": t}))
        for n, t in enumerate(types)
    ]
    deleted = publish(user)
    services.record_delete(actor=admin_user, record_id=deleted.pk, removal_reason="spam")
    restricted = make_restricted(user, publish(user).pk)
    publish(user, valid_document() | {"access": {"record": "restricted", "files": "public"}})
    return {"public": public, "deleted": [deleted, restricted]}


@LIVE
def test_both_harvesters_get_exactly_the_public_records_and_deleted_headers(live_server, populated):
    url = f"{live_server.url}/oai2d"
    truth = expected()
    assert truth == {oai_identifier(r.pk): False for r in populated["public"]} | {
        oai_identifier(r.pk): True for r in populated["deleted"]
    }
    assert sickle_harvest(url) == truth
    assert sickle_harvest(url, "ListRecords") == truth
    assert scythe_harvest(url) == truth
    assert scythe_harvest(url, "list_records") == truth


@LIVE
@pytest.mark.parametrize("spec", ["openaire_data", "openaire"])
def test_both_harvesters_agree_with_the_database_on_sets(live_server, populated, spec):
    url = f"{live_server.url}/oai2d"
    truth = expected(spec)
    assert truth  # the fixture puts records in both sets
    assert sickle_harvest(url, set=spec) == truth
    assert scythe_harvest(url, set_=spec) == truth


@LIVE
def test_both_harvesters_agree_with_the_database_on_a_community_set(live_server, populated, user):
    """A community's system set, with a record that left the community (a deleted header there)."""
    from communities import services as community_services
    from communities.selectors import public_community_sets
    from tests.communities.factories import make_community

    lab = make_community(user, slug="lab", title="Ocean Lab")
    make_community(user, slug="hidden", visibility="restricted")
    for record in [*populated["public"][:4], populated["deleted"][1]]:
        community_services.record_include(actor=user, record_id=record.pk, community_id=lab.pk)
    leaving = populated["public"][0]
    community_services.record_communities_remove(
        actor=user, record_id=leaving.pk, data={"communities": [{"id": "lab"}]}
    )
    url = f"{live_server.url}/oai2d"
    truth = expected("community-lab")
    assert truth[oai_identifier(leaving.pk)] is True
    assert truth[oai_identifier(populated["deleted"][1].pk)] is True  # restricted: deleted header
    present = sorted(i for i, deleted in truth.items() if not deleted)
    assert present == sorted(oai_identifier(r.pk) for r in populated["public"][1:4])
    ((spec, ids),) = public_community_sets()  # what the communities app says is public in it
    assert spec == "community-lab" and sorted(oai_identifier(i) for i in ids) == present
    assert sickle_harvest(url, set="community-lab") == truth
    assert sickle_harvest(url, "ListRecords", set="community-lab") == truth
    assert scythe_harvest(url, set_="community-lab") == truth
    assert [s.setSpec for s in Sickle(url).ListSets()] == ["community-lab", "openaire", "openaire_data"]


@LIVE
def test_both_harvesters_agree_with_the_database_on_date_ranges(live_server, populated):
    url = f"{live_server.url}/oai2d"
    days = [datetime(2024, 3, d, 12, 0, 0, tzinfo=UTC) for d in range(1, 10)]
    for day, item in zip(days, OAIItem.objects.order_by("record_id"), strict=False):
        OAIItem.objects.filter(pk=item.pk).update(datestamp=day)
        OAISetMembership.objects.filter(record_id=item.pk).update(datestamp=day)
    start, end = datetime(2024, 3, 3, tzinfo=UTC), datetime(2024, 3, 7, tzinfo=UTC)
    truth = expected(start=start, end=end)
    assert len(truth) == 4
    assert sickle_harvest(url, **{"from": "2024-03-03", "until": "2024-03-06"}) == truth
    assert scythe_harvest(url, from_="2024-03-03T00:00:00Z", until="2024-03-06T23:59:59Z") == truth
    in_set = expected("openaire_data", start=start, end=end)
    assert sickle_harvest(url, set="openaire_data", **{"from": "2024-03-03", "until": "2024-03-06"}) == in_set


@LIVE
def test_a_harvest_while_records_are_published_misses_nothing(live_server, populated, user):
    """Publish between the pages a harvester fetches; then harvest incrementally from its responseDate."""
    url = f"{live_server.url}/oai2d"
    client = Sickle(url)
    iterator = client.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False)
    response_date = iterator.oai_response.xml.findtext("{http://www.openarchives.org/OAI/2.0/}responseDate")
    seen: set[str] = set()
    published = []
    for n, header in enumerate(iterator):
        seen.add(header.identifier)
        if n % 2 == 0:
            published.append(publish(user, valid_document(title=f"Published during the harvest {n}")))
    seen |= set(sickle_harvest(url, **{"from": response_date}))
    assert seen == set(expected())
    assert {oai_identifier(r.pk) for r in published} <= seen
