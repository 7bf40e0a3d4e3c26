"""One policy, two questions: what a user may read must be exactly what filter_visible shows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from records import services
from records.models import Draft, Record
from records.permissions import draft_policy, record_policy
from tests.records.conftest import publish, valid_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(user, other_user, admin_user):
    """Records and drafts in every state, and every kind of user."""
    published = publish(user)
    restricted = valid_document()
    restricted["access"] = {"record": "restricted", "files": "restricted"}
    publish(user, restricted)
    deleted = publish(user)
    services.record_delete(actor=admin_user, record_id=deleted.pk, removal_reason="spam")
    edit = services.record_edit(actor=user, record_id=published.pk)
    new_draft, _ = services.draft_create(actor=user, data=valid_document())
    others_draft, _ = services.draft_create(actor=other_user, data=valid_document())
    users = {"anonymous": AnonymousUser(), "owner": user, "stranger": other_user, "admin": admin_user}
    return users, [edit, new_draft, others_draft]


@pytest.mark.parametrize("who", ["anonymous", "owner", "stranger", "admin"])
def test_record_read_and_filter_agree(world, who):
    users, _ = world
    user = users[who]
    visible = set(record_policy.filter_visible(user, Record.objects.all()).values_list("pk", flat=True))
    for record in Record.objects.select_related("parent"):
        assert (record.pk in visible) == record_policy.can(user, "read", record), (who, record.pk)
        # Deleted records are listed for nobody; admins may open them one by one.
        assert record_policy.can(user, "read_deleted", record) == (who == "admin")
    # published public + published restricted (owner, admin) ; never the deleted one
    assert len(visible) == {"anonymous": 1, "owner": 2, "stranger": 1, "admin": 2}[who]


def test_restricted_files_are_for_owner_and_admin(user, other_user, admin_user):
    document = valid_document()
    document["access"] = {"record": "public", "files": "restricted"}
    record = publish(user, document)
    open_record = publish(user)
    readers = (AnonymousUser(), other_user, user, admin_user)
    assert [record_policy.can(u, "read", record) for u in readers] == [True, True, True, True]
    assert [record_policy.can(u, "read_files", record) for u in readers] == [False, False, True, True]
    assert record_policy.can(AnonymousUser(), "read_files", open_record)


def _readable_by_scope(scope, record) -> bool:
    restricted = record.json.get("access", {}).get("record") == "restricted"
    return scope.everything or not restricted or bool(scope.principals & record_policy.record_readers(record))


@pytest.mark.parametrize("who", ["anonymous", "owner", "stranger", "admin"])
def test_read_scope_agrees_with_can_read(world, who):
    """Search backends filter with read_scope + record_readers: it must give the same answer."""
    users, _ = world
    user = users[who]
    scope = record_policy.read_scope(user)
    for record in Record.objects.filter(deletion_status="P").select_related("parent"):
        assert _readable_by_scope(scope, record) == record_policy.can(user, "read", record), (who, record.pk)


@pytest.mark.parametrize("who", ["anonymous", "owner", "stranger", "admin"])
def test_draft_read_and_filter_agree(world, who):
    users, drafts = world
    user = users[who]
    visible = set(draft_policy.filter_visible(user, Draft.objects.all()).values_list("pk", flat=True))
    for draft in Draft.objects.select_related("parent"):
        assert (draft.pk in visible) == draft_policy.can(user, "read", draft), (who, draft.pk)
    expected = {"anonymous": 0, "owner": 2, "stranger": 1, "admin": 3}[who]
    assert len(visible) == expected
