"""OAI sets: /api/oaipmh/sets (admins manage, anyone reads), membership follows queries, admin, formats."""

from __future__ import annotations

import pytest

from oaipmh.models import OAIItem, OAISet, OAISetMembership
from records.services import oai_identifier
from tests.oaipmh.helpers import harvest
from tests.records.conftest import publish, valid_document

pytestmark = pytest.mark.django_db

NEW_SET = {"spec": "ocean", "name": "Ocean data", "description": "Oceanography", "search_pattern": "ocean"}


def members(spec: str, *, removed: bool = False) -> set[str]:
    """Records in the set (REMOVED: records that left it)."""
    rows = OAISetMembership.objects.filter(oai_set__spec=spec, removed=removed)
    return set(rows.values_list("record_id", flat=True))


def test_formats_endpoint_lists_the_oai_formats(api_client):
    response = api_client.get("/api/oaipmh/formats")
    assert response.status_code == 200
    ids = [hit["id"] for hit in response.json()["hits"]["hits"]]
    assert ids == ["oai_dc", "oai_datacite", "datacite", "marcxml"]


def test_anyone_reads_the_sets(api_client):
    response = api_client.get("/api/oaipmh/sets")
    assert response.status_code == 200
    hits = response.json()["hits"]["hits"]
    assert [h["spec"] for h in hits] == ["openaire", "openaire_data"]
    detail = api_client.get(f"/api/oaipmh/sets/{hits[0]['id']}").json()
    assert detail["search_pattern"] == "resource_type.id:publication"
    assert "set=openaire" in detail["links"]["oai-listrecords"]
    assert api_client.get("/api/oaipmh/sets/999999").status_code == 404


def test_creating_a_set_materializes_its_members_and_restamps_them(
    admin_client_api, user, celery_eager, django_capture_on_commit_callbacks, client
):
    ocean = publish(user, valid_document(title="Ocean floor maps"))
    publish(user, valid_document(title="Desert soil samples"))
    before = OAIItem.objects.get(record_id=ocean.pk).datestamp
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_api.post("/api/oaipmh/sets", NEW_SET, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["spec"] == "ocean"
    assert members("ocean") == {ocean.pk}
    item = OAIItem.objects.get(record_id=ocean.pk)
    assert item.datestamp > before and "ocean" in item.set_specs
    _, found = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="ocean")
    assert found == [oai_identifier(ocean.pk)]


def test_changing_the_pattern_moves_records_in_and_out(
    admin_client_api, user, celery_eager, django_capture_on_commit_callbacks
):
    ocean = publish(user, valid_document(title="Ocean floor maps"))
    desert = publish(user, valid_document(title="Desert soil samples"))
    with django_capture_on_commit_callbacks(execute=True):
        set_id = admin_client_api.post("/api/oaipmh/sets", NEW_SET, format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_api.put(
            f"/api/oaipmh/sets/{set_id}", {"name": "Deserts", "search_pattern": "desert"}, format="json"
        )
    assert response.status_code == 200
    assert members("ocean") == {desert.pk}
    assert members("ocean", removed=True) == {ocean.pk}
    assert OAIItem.objects.get(record_id=ocean.pk).set_specs == ["openaire_data"]


def test_new_records_join_matching_sets_when_published(admin_client_api, user, celery_eager):
    admin_client_api.post("/api/oaipmh/sets", NEW_SET, format="json")
    record = publish(user, valid_document(title="Ocean currents"))
    assert members("ocean") == {record.pk}


def test_the_spec_cannot_change(admin_client_api):
    oai_set = OAISet.objects.get(spec="openaire")
    response = admin_client_api.put(f"/api/oaipmh/sets/{oai_set.pk}", {"spec": "renamed"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "spec"
    assert OAISet.objects.filter(spec="openaire").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_SET, "spec": "has:colon"}, "spec"),
        ({**NEW_SET, "spec": "has space"}, "spec"),
        ({**NEW_SET, "spec": "openaire"}, "spec"),
        ({k: v for k, v in NEW_SET.items() if k != "spec"}, "spec"),
        ({**NEW_SET, "search_pattern": "  "}, "search_pattern"),
        ({**NEW_SET, "name": 5}, "name"),
        ({**NEW_SET, "colour": "blue"}, "colour"),
    ],
)
def test_bad_sets_are_400_with_the_field_and_nothing_written(admin_client_api, body, field):
    count = OAISet.objects.count()
    response = admin_client_api.post("/api/oaipmh/sets", body, format="json")
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert OAISet.objects.count() == count


def test_a_body_that_is_not_an_object_is_400(admin_client_api):
    response = admin_client_api.post("/api/oaipmh/sets", [1, 2], format="json")
    assert response.status_code == 400


def test_only_admins_write(api_client, owner_client):
    oai_set = OAISet.objects.get(spec="openaire")
    assert api_client.post("/api/oaipmh/sets", NEW_SET, format="json").status_code == 401
    assert owner_client.post("/api/oaipmh/sets", NEW_SET, format="json").status_code == 403
    assert owner_client.put(f"/api/oaipmh/sets/{oai_set.pk}", {"name": "x"}, format="json").status_code == 403
    assert owner_client.delete(f"/api/oaipmh/sets/{oai_set.pk}").status_code == 403
    assert api_client.delete(f"/api/oaipmh/sets/{oai_set.pk}").status_code == 401
    assert OAISet.objects.get(pk=oai_set.pk).name == "OpenAIRE publications"


def test_deleting_a_set_restamps_its_former_members(admin_client_api, user):
    record = publish(user)
    before = OAIItem.objects.get(record_id=record.pk).datestamp
    oai_set = OAISet.objects.get(spec="openaire_data")
    assert admin_client_api.delete(f"/api/oaipmh/sets/{oai_set.pk}").status_code == 204
    item = OAIItem.objects.get(record_id=record.pk)
    assert item.set_specs == [] and item.datestamp > before
    assert admin_client_api.delete(f"/api/oaipmh/sets/{oai_set.pk}").status_code == 404


def test_admin_site_creates_sets_through_the_services(
    client, admin_user, user, celery_eager, django_capture_on_commit_callbacks
):
    record = publish(user, valid_document(title="Ocean floor maps"))
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/oaipmh/oaiset/add/", {**NEW_SET})
    assert response.status_code == 302
    assert members("ocean") == {record.pk}
    oai_set = OAISet.objects.get(spec="ocean")
    page = client.get(f"/admin/oaipmh/oaiset/{oai_set.pk}/change/")
    assert page.status_code == 200
    assert b'name="spec"' not in page.content  # immutable: shown read-only


def test_a_set_query_materializes_every_match_beyond_the_search_windows(
    admin_client_api, user, celery_eager, django_capture_on_commit_callbacks, settings, client
):
    """The search backend's candidate window and result cap must not cut a set's membership."""
    settings.SEARCH_CANDIDATE_WINDOW = 3
    settings.SEARCH_MAX_RESULT_WINDOW = 5
    settings.OAI_PAGE_SIZE = 4
    ocean = [publish(user, valid_document(title=f"Ocean survey {n}")) for n in range(12)]
    publish(user, valid_document(title="Desert soil samples"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_api.post("/api/oaipmh/sets", NEW_SET, format="json")
    assert response.status_code == 201
    assert members("ocean") == {r.pk for r in ocean}
    _, found = harvest(client, "ListIdentifiers", metadataPrefix="oai_dc", set="ocean")
    assert sorted(found) == sorted(oai_identifier(r.pk) for r in ocean)
    later = publish(user, valid_document(title="Ocean survey, the last one"))  # joins when published
    assert later.pk in members("ocean")
