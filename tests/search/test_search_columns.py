"""The columns search reads instead of JSON: the restricted flag and the facet values of each record.

They are projections: whatever changes what they derive from (the document, files, community
inclusion) must leave them equal to a fresh projection, and the migration that filled them on
existing data must agree with the code that keeps them current.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from records import admin_services
from records.models import Record
from records.search_indexes import facet_entries, search_rows
from records.search_models import FACET_SEPARATOR, RecordSearchFacets
from tests.communities.factories import include, make_community, new_user
from tests.records.conftest import publish, valid_document

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("records.migrations.0007_search_read_scope_facets")


def stored_facets(record_id: str) -> str:
    return RecordSearchFacets.objects.get(record_id=record_id).facets


def stored_array(record_id: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_facets FROM records_record WHERE id = %s", [record_id])
        return cursor.fetchone()[0]


def assert_current(record_id: str) -> None:
    """The stored facet row (and PostgreSQL array) equal the projection of the record as it is now."""
    document = Record.objects.filter(pk=record_id).values_list("pk", "json").get()
    _, facets = search_rows([document])
    assert [(record_id, stored_facets(record_id))] == facets
    if connection.vendor == "postgresql":
        assert stored_array(record_id) == facets[0][1].split(FACET_SEPARATOR)


def edit(admin_user, record: Record, **metadata) -> Record:
    record.refresh_from_db()
    document = {**record.json, "metadata": {**record.json["metadata"], **metadata}}
    admin_services.record_admin_update(
        actor=admin_user, record_id=record.pk, document=document, revision_id=record.revision_id
    )
    record.refresh_from_db()
    return record


def test_facet_values_follow_edits_and_community_inclusion(user, admin_user):
    record = publish(user, valid_document(languages=[{"id": "eng"}], subjects=[{"subject": "Tides"}]))
    assert "language=eng" in stored_facets(record.pk).split(FACET_SEPARATOR)
    assert_current(record.pk)
    record = edit(admin_user, record, languages=[{"id": "fra"}])
    entries = stored_facets(record.pk).split(FACET_SEPARATOR)
    assert "language=fra" in entries and "language=eng" not in entries
    assert_current(record.pk)
    community = make_community(new_user("curator"), slug="tides", title="Tides")
    include(community, record)
    assert f"community={community.pk}" in stored_facets(record.pk).split(FACET_SEPARATOR)
    assert_current(record.pk)


def test_facet_counts_and_selection_follow_an_edit(api_client, user, admin_user):
    record = publish(user, valid_document(title="Tidal survey", languages=[{"id": "eng"}]))
    body = api_client.get("/api/records", {"q": "tidal", "language": "eng"}).json()
    assert [hit["id"] for hit in body["hits"]["hits"]] == [record.pk]
    edit(admin_user, record, languages=[{"id": "fra"}])
    assert api_client.get("/api/records", {"q": "tidal", "language": "eng"}).json()["hits"]["total"] == 0
    body = api_client.get("/api/records", {"q": "tidal", "language": "fra"}).json()
    assert [hit["id"] for hit in body["hits"]["hits"]] == [record.pk]
    buckets = body["aggregations"]["language"]["buckets"]
    assert [(bucket["key"], bucket["doc_count"]) for bucket in buckets] == [("fra", 1)]


def test_migration_fills_the_same_facet_rows_as_the_code(user):
    records = [
        publish(user, valid_document(title=f"Survey {n}", languages=[{"id": "eng"}, {"id": "deu"}]))
        for n in range(3)
    ]
    written = dict(RecordSearchFacets.objects.values_list("record_id", "facets"))
    RecordSearchFacets.objects.all().delete()
    with connection.cursor() as cursor:
        MIGRATION.fill_facets(None, SimpleNamespace(connection=connection, execute=cursor.execute))
    assert dict(RecordSearchFacets.objects.values_list("record_id", "facets")) == written
    assert set(written) == {record.pk for record in records}


def test_facet_entries_leave_out_values_holding_the_separator():
    terms = [("language", "eng"), ("subject.exact", f"a{FACET_SEPARATOR}b"), ("creator", "lovelace")]
    assert facet_entries(terms) == "language=eng"


def test_restricted_flag_follows_the_document(api_client, user, admin_user):
    record = publish(user, valid_document(title="Sealed logbook"))
    record.refresh_from_db()
    assert record.search_restricted is False
    access = {**record.json["access"], "record": "restricted", "files": "restricted"}
    document = {**record.json, "access": access}
    admin_services.record_admin_update(
        actor=admin_user, record_id=record.pk, document=document, revision_id=record.revision_id
    )
    record.refresh_from_db()
    assert record.search_restricted is True
    assert api_client.get("/api/records", {"q": "sealed"}).json()["hits"]["total"] == 0


def test_reindex_rebuilds_facet_rows_and_arrays(api_client, user):
    """A full reindex restores facet rows that were lost or wrong, so counts and selections heal."""
    from records.search_maintenance import search_reindex

    tidal = publish(user, valid_document(title="Tidal survey", languages=[{"id": "eng"}]))
    other = publish(user, valid_document(title="Tidal gauge", languages=[{"id": "fra"}, {"id": "deu"}]))
    RecordSearchFacets.objects.filter(record_id=tidal.pk).delete()
    RecordSearchFacets.objects.filter(record_id=other.pk).update(facets="language=ita")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            update = "UPDATE records_record SET search_facets = %s WHERE id = %s"
            cursor.execute(update, [[], tidal.pk])
            cursor.execute(update, [["language=ita"], other.pk])
    buckets = api_client.get("/api/records", {"q": "tidal"}).json()["aggregations"]["language"]["buckets"]
    assert sorted((bucket["key"], bucket["doc_count"]) for bucket in buckets) == [("ita", 1)]

    search_reindex()

    assert_current(tidal.pk)
    assert_current(other.pk)
    body = api_client.get("/api/records", {"q": "tidal", "language": "eng"}).json()
    assert [hit["id"] for hit in body["hits"]["hits"]] == [tidal.pk]
    buckets = api_client.get("/api/records", {"q": "tidal"}).json()["aggregations"]["language"]["buckets"]
    assert sorted((bucket["key"], bucket["doc_count"]) for bucket in buckets) == [
        ("deu", 1),
        ("eng", 1),
        ("fra", 1),
    ]
