"""The OAI item table follows every record change a harvester must see, in the same transaction."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from oaipmh.models import OAIItem, OAISetMembership
from records import services
from records.models import Record
from tests.oaipmh.conftest import make_restricted
from tests.records.conftest import publish, valid_document
from tests.records.test_import import generated_lines, run_import, write_lines


def item(record) -> OAIItem:
    return OAIItem.objects.get(record_id=record.pk)


def test_publishing_creates_a_public_item_in_its_default_set(user):
    record = publish(user)
    assert item(record).deleted is False
    assert item(record).set_specs == ["openaire_data"]
    assert OAISetMembership.objects.filter(record_id=record.pk, oai_set__spec="openaire_data").exists()


def test_every_change_gets_a_newer_datestamp(user, admin_user):
    record = publish(user)
    stamps = [item(record).datestamp]
    draft = services.record_edit(actor=user, record_id=record.pk)
    services.draft_update(actor=user, draft_id=draft.pk, data=dict(draft.json) | {})
    services.draft_publish(actor=user, draft_id=draft.pk)
    stamps.append(item(record).datestamp)
    services.record_delete(actor=admin_user, record_id=record.pk, removal_reason="spam")
    stamps.append(item(record).datestamp)
    assert item(record).deleted is True
    services.record_restore(actor=admin_user, record_id=record.pk)
    stamps.append(item(record).datestamp)
    assert item(record).deleted is False
    assert stamps == sorted(stamps) and len(set(stamps)) == 4


def test_a_record_that_becomes_restricted_is_deleted_for_harvesters(user):
    record = make_restricted(user, publish(user).pk)
    assert item(record).deleted is True


def test_a_record_never_public_is_not_announced(user):
    record = publish(user, valid_document() | {"access": {"record": "restricted", "files": "public"}})
    assert not OAIItem.objects.filter(record_id=record.pk).exists()


def test_an_embargo_lift_makes_the_record_public_for_harvesters(user):
    document = valid_document() | {
        "access": {
            "record": "restricted",
            "files": "restricted",
            "embargo": {"active": True, "until": "2999-01-01", "reason": None},
        }
    }
    record = publish(user, document)
    assert not OAIItem.objects.filter(record_id=record.pk).exists()
    services.record_lift_embargoes(today=datetime.date(2999, 1, 2))
    assert item(record).deleted is False


def test_a_change_of_resource_type_moves_the_record_between_sets(user):
    record = publish(user)
    draft = services.record_edit(actor=user, record_id=record.pk)
    document = dict(draft.json)
    document["metadata"] = dict(document["metadata"], resource_type={"id": "publication-preprint"})
    services.draft_update(actor=user, draft_id=draft.pk, data=document)
    services.draft_publish(actor=user, draft_id=draft.pk)
    assert item(record).set_specs == ["openaire"]
    rows = OAISetMembership.objects.filter(record_id=record.pk).values_list("oai_set__spec", "removed")
    assert sorted(rows) == [("openaire", False), ("openaire_data", True)]  # left openaire_data


@pytest.mark.django_db
def test_bulk_import_creates_items(tmp_path):
    run_import(write_lines(tmp_path / "lines.jsonl", generated_lines(6)))
    assert OAIItem.objects.filter(deleted=False).count() == Record.objects.count() == 6
    memberships = set(OAISetMembership.objects.values_list("oai_set__spec", "record_id"))
    datasets = Record.objects.filter(json__metadata__resource_type__id="dataset")
    assert {("openaire_data", r.pk) for r in datasets} <= memberships


@pytest.mark.django_db
def test_oai_rebuild_backfills_records_written_before_oaipmh_existed(user):
    record = publish(user)
    OAIItem.objects.all().delete()
    OAISetMembership.objects.all().delete()
    out = StringIO()
    call_command("oai_rebuild", stdout=out, verbosity=0)
    assert "1 OAI items written" in out.getvalue()
    assert item(record).set_specs == ["openaire_data"]
