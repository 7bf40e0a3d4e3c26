"""Services: the draft → publish → version workflow, PIDs, revisions, deletion."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from freezegun import freeze_time

from records import selectors, services
from records.models import Draft, Parent, PersistentIdentifier, PIDStatus, Record, RecordRevision
from repository.exceptions import (
    Conflict,
    Gone,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationError,
)
from repository.ids import normalize_id
from tests.records.conftest import publish, valid_document

pytestmark = pytest.mark.django_db


def test_draft_create_reserves_ids_and_keeps_invalid_metadata(user):
    draft, errors = services.draft_create(actor=user, data={"metadata": {"title": "ab"}})
    assert normalize_id(draft.pk) == draft.pk
    assert draft.json["metadata"]["title"] == "ab"
    fields = {e.field for e in errors}
    assert {"metadata.title", "metadata.creators", "metadata.resource_type"} <= fields
    pid = PersistentIdentifier.objects.get(scheme="recid", value=draft.pk)
    assert pid.status == PIDStatus.NEW
    assert Parent.objects.get(pk=draft.parent_id).owner == user


def test_anonymous_cannot_create(db):
    with pytest.raises(PermissionDenied):
        services.draft_create(actor=AnonymousUser(), data=valid_document())


def test_body_must_be_an_object(user):
    with pytest.raises(ValidationError):
        services.draft_create(actor=user, data=["not", "an", "object"])


def test_publish_registers_pids_revision_and_projection(user):
    draft, _ = services.draft_create(
        actor=user,
        data={**valid_document(), "pids": {"doi": {"identifier": "10.1234/ABC", "provider": "external"}}},
    )
    record = services.draft_publish(actor=user, draft_id=draft.pk)
    assert record.pk == draft.pk
    assert not Draft.objects.filter(pk=draft.pk).exists()
    statuses = {
        (p.scheme, p.value): p.status
        for p in PersistentIdentifier.objects.filter(object_id__in=[record.pk, record.parent_id])
    }
    assert statuses[("recid", record.pk)] == PIDStatus.REGISTERED
    assert statuses[("recid", record.parent_id)] == PIDStatus.REGISTERED
    assert statuses[("oai", f"oai:127.0.0.1:{record.pk}")] == PIDStatus.REGISTERED
    assert statuses[("doi", "10.1234/abc")] == PIDStatus.REGISTERED
    revision = RecordRevision.objects.get(record=record)
    assert (revision.revision_id, revision.action, revision.user) == (1, "publish", user)
    assert record.title == "Ocean temperature profiles of the North Atlantic"
    assert "lovelace" in record.search_text.lower() and "argo" in record.search_text.lower()


def test_publish_refuses_invalid_draft_and_writes_nothing(user):
    draft, errors = services.draft_create(actor=user, data=valid_document(title="ab"))
    assert errors
    with pytest.raises(ValidationError) as excinfo:
        services.draft_publish(actor=user, draft_id=draft.pk)
    assert "metadata.title" in {e.field for e in excinfo.value.errors}
    assert not Record.objects.exists()
    assert Draft.objects.filter(pk=draft.pk).exists()
    assert PersistentIdentifier.objects.get(scheme="recid", value=draft.pk).status == PIDStatus.NEW


def test_description_is_sanitized_on_save(user):
    draft, _ = services.draft_create(
        actor=user, data=valid_document(description='<p onclick="x()">Hi<script>alert(1)</script></p>')
    )
    description = draft.json["metadata"]["description"]
    assert "<script" not in description and "onclick" not in description and "Hi" in description


def test_other_users_drafts_do_not_exist_for_them(user, other_user):
    draft, _ = services.draft_create(actor=user, data=valid_document())
    with pytest.raises(NotFound):
        services.draft_update(actor=other_user, draft_id=draft.pk, data=valid_document())
    with pytest.raises(NotFound):
        services.draft_publish(actor=other_user, draft_id=draft.pk)
    with pytest.raises(NotFound):
        selectors.draft_get(other_user, draft.pk)


def test_update_with_stale_revision_is_refused(user):
    draft, _ = services.draft_create(actor=user, data=valid_document())
    services.draft_update(
        actor=user, draft_id=draft.pk, data=valid_document(title="Second title"), revision_id=1
    )
    with pytest.raises(PreconditionFailed):
        services.draft_update(
            actor=user, draft_id=draft.pk, data=valid_document(title="Third"), revision_id=1
        )
    assert Draft.objects.get(pk=draft.pk).json["metadata"]["title"] == "Second title"


def test_edit_publish_creates_new_revision_same_id(user, record):
    draft = services.record_edit(actor=user, record_id=record.pk)
    assert draft.pk == record.pk and draft.fork_version_id == 1
    assert services.record_edit(actor=user, record_id=record.pk).pk == draft.pk  # idempotent
    services.draft_update(actor=user, draft_id=draft.pk, data=valid_document(title="A corrected title"))
    edited = services.draft_publish(actor=user, draft_id=draft.pk)
    assert (edited.pk, edited.revision_id, edited.title) == (record.pk, 2, "A corrected title")
    assert list(edited.revisions.order_by("revision_id").values_list("revision_id", flat=True)) == [1, 2]
    assert edited.revisions.get(revision_id=1).json["metadata"]["title"] == record.title
    assert edited.updated > record.updated


def test_stranger_cannot_edit(other_user, record):
    with pytest.raises(PermissionDenied):
        services.record_edit(actor=other_user, record_id=record.pk)


def test_new_version_rules(user, record):
    draft = services.record_new_version(actor=user, record_id=record.pk)
    assert draft.pk != record.pk and draft.parent_id == record.parent_id
    assert draft.index == 2
    assert "publication_date" not in draft.json["metadata"]
    assert draft.json["pids"] == {}
    # Only one next-version draft at a time.
    assert services.record_new_version(actor=user, record_id=record.pk).pk == draft.pk
    with pytest.raises(ValidationError):
        services.draft_publish(actor=user, draft_id=draft.pk)  # publication_date is required again
    services.draft_update(actor=user, draft_id=draft.pk, data=valid_document(version="v2"))
    second = services.draft_publish(actor=user, draft_id=draft.pk)
    record.refresh_from_db()
    assert second.is_latest and not record.is_latest
    assert selectors.latest_version(AnonymousUser(), record.pk).pk == second.pk
    assert selectors.latest_version(AnonymousUser(), record.parent_id).pk == second.pk


def test_delete_new_draft_releases_ids(user):
    draft, _ = services.draft_create(actor=user, data=valid_document())
    services.draft_delete(actor=user, draft_id=draft.pk)
    assert not PersistentIdentifier.objects.filter(value__in=[draft.pk, draft.parent_id]).exists()
    assert not Parent.objects.filter(pk=draft.parent_id).exists()


def test_delete_edit_draft_keeps_record(user, record):
    services.record_edit(actor=user, record_id=record.pk)
    services.draft_delete(actor=user, draft_id=record.pk)
    assert Record.objects.filter(pk=record.pk).exists()
    assert PersistentIdentifier.objects.get(scheme="recid", value=record.pk).status == PIDStatus.REGISTERED


def test_record_delete_and_restore(user, admin_user, record):
    with pytest.raises(PermissionDenied):
        services.record_delete(actor=user, record_id=record.pk, removal_reason="spam")
    with pytest.raises(ValidationError):
        services.record_delete(actor=admin_user, record_id=record.pk, removal_reason="no-such-reason")
    services.record_delete(
        actor=admin_user, record_id=record.pk, removal_reason="spam", note="Spam.", citation_text="Cite me"
    )
    with pytest.raises(Gone) as excinfo:
        selectors.record_get(AnonymousUser(), record.pk)
    assert excinfo.value.tombstone["removal_reason"] == {"id": "spam"}
    assert excinfo.value.tombstone["citation_text"] == "Cite me"
    assert selectors.record_get(admin_user, record.pk).is_deleted  # admins still see it
    assert set(PersistentIdentifier.objects.filter(object_id=record.pk).values_list("status", flat=True)) == {
        PIDStatus.DELETED
    }
    with pytest.raises(Conflict):
        services.record_delete(actor=admin_user, record_id=record.pk, removal_reason="spam")
    restored = services.record_restore(actor=admin_user, record_id=record.pk)
    assert restored.revision_id == 3 and restored.is_latest and restored.tombstone is None
    assert list(restored.revisions.order_by("revision_id").values_list("action", flat=True)) == [
        "publish",
        "delete",
        "restore",
    ]
    assert selectors.record_get(AnonymousUser(), record.pk).pk == record.pk


def test_deleting_latest_version_moves_latest_back(user, admin_user, record):
    draft = services.record_new_version(actor=user, record_id=record.pk)
    services.draft_update(actor=user, draft_id=draft.pk, data=valid_document())
    second = services.draft_publish(actor=user, draft_id=draft.pk)
    services.record_delete(actor=admin_user, record_id=second.pk, removal_reason="spam")
    record.refresh_from_db()
    assert record.is_latest


def test_doi_is_unique_and_cannot_change(user):
    doc = {**valid_document(), "pids": {"doi": {"identifier": "10.1234/same", "provider": "external"}}}
    first = publish(user, doc)
    draft, _ = services.draft_create(actor=user, data=doc)
    with pytest.raises(ValidationError) as excinfo:
        services.draft_publish(actor=user, draft_id=draft.pk)
    assert excinfo.value.errors[0].field == "pids.doi"
    edit = services.record_edit(actor=user, record_id=first.pk)
    _, errors = services.draft_update(actor=user, draft_id=edit.pk, data=valid_document())
    assert "pids.doi" in {e.field for e in errors}
    with pytest.raises(ValidationError):
        services.draft_publish(actor=user, draft_id=edit.pk)


def test_pid_resolution(user, admin_user, record):
    anonymous = AnonymousUser()
    assert selectors.resolve_pid(anonymous, "recid", record.pk.upper()).record.pk == record.pk
    assert selectors.resolve_pid(anonymous, "recid", record.parent_id).redirect_to == record.pk
    draft, _ = services.draft_create(actor=user, data=valid_document())
    with pytest.raises(NotFound):
        selectors.resolve_pid(anonymous, "recid", draft.pk)  # reserved, not yet published
    with pytest.raises(NotFound):
        selectors.resolve_pid(anonymous, "doi", "10.9999/nothing")
    target = publish(user)
    PersistentIdentifier.objects.filter(scheme="recid", value=record.pk).update(
        status=PIDStatus.REDIRECTED,
        redirect_to=PersistentIdentifier.objects.get(scheme="recid", value=target.pk),
    )
    assert selectors.resolve_pid(anonymous, "recid", record.pk).redirect_to == target.pk
    services.record_delete(actor=admin_user, record_id=target.pk, removal_reason="spam")
    with pytest.raises(Gone):
        selectors.resolve_pid(anonymous, "recid", target.pk)


def test_lift_expired_embargo(user):
    yesterday = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    document = valid_document()
    document["access"] = {
        "record": "public",
        "files": "restricted",
        "embargo": {"active": True, "until": yesterday, "reason": "Pending publication"},
    }
    with freeze_time(timezone.now() - datetime.timedelta(days=10)):  # published before its end date
        record = publish(user, document)
    future = publish(
        user,
        {**document, "access": {**document["access"], "embargo": {"active": True, "until": "2999-01-01"}}},
    )
    assert services.record_lift_embargoes() == [record.pk]
    record.refresh_from_db()
    assert record.json["access"]["files"] == "public"
    assert record.json["access"]["embargo"]["active"] is False
    assert record.revision_id == 2
    future.refresh_from_db()
    assert future.json["access"]["embargo"]["active"] is True


def test_id_collision_is_retried(user, record, monkeypatch):
    from repository import ids

    fresh = ids.generate_id()
    sequence = iter([record.pk, record.parent_id, fresh, ids.generate_id()])
    monkeypatch.setattr(services, "generate_id", lambda: next(sequence))
    draft, _ = services.draft_create(actor=user, data=valid_document())
    assert fresh in {draft.pk, draft.parent_id}  # the two colliding ids were skipped
    assert PersistentIdentifier.objects.filter(scheme="recid", value=record.pk).count() == 1


def test_pid_scheme_and_value_are_unique(record):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PersistentIdentifier.objects.create(scheme="recid", value=record.pk, status=PIDStatus.NEW)
