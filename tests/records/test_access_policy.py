"""The access policy with grants, groups and secret links: can() and filter_visible() agree."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time

from records import services
from records.access import services as access
from records.access.links import presenting
from records.models import Draft, Record
from records.permissions import draft_policy, record_policy
from repository.exceptions import NotFound, PermissionDenied, ValidationError
from tests.records.access_helpers import (
    grant,
    link,
    make_group,
    make_user,
    publish,
    restricted_document,
    valid_document,
)

pytestmark = pytest.mark.django_db

LEVELS = ("view", "preview", "edit", "manage")


@pytest.fixture
def shared(user, admin_user):
    """A restricted record with an open draft, shared at every level with users, a group and links."""
    record = publish(user, restricted_document())
    services.record_edit(actor=user, record_id=record.pk)
    people = {"owner": user, "admin": admin_user, "stranger": make_user("stranger@example.org")}
    for level in LEVELS:
        people[level] = make_user(f"{level}@example.org")
        grant(user, record.pk, people[level], level)
    people["member"] = make_user("member@example.org")
    grant(user, record.pk, make_group("Lab", people["member"]), "preview")
    links = {level: link(user, record.pk, level) for level in ("view", "preview", "edit")}
    return record, people, links


EXPECTED = {  # who: (read record, read draft, edit, manage)
    "owner": (True, True, True, True),
    "admin": (True, True, True, True),
    "stranger": (False, False, False, False),
    "view": (True, False, False, False),
    "preview": (True, True, False, False),
    "edit": (True, True, True, False),
    "manage": (True, True, True, True),
    "member": (True, True, False, False),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_level_allows_exactly_its_actions(shared, who):
    record, people, _ = shared
    user = people[who]
    draft = Draft.objects.get(pk=record.pk)
    got = (
        record_policy.can(user, "read", record),
        draft_policy.can(user, "read", draft),
        record_policy.can(user, "edit", record) and draft_policy.can(user, "update", draft),
        record_policy.can(user, "manage", record),
    )
    assert got == EXPECTED[who]
    assert record_policy.can(user, "read_files", record) == EXPECTED[who][0]
    visible = record_policy.filter_visible(user, Record.objects.all()).filter(pk=record.pk).exists()
    assert visible == EXPECTED[who][0]
    assert draft_policy.filter_visible(user, Draft.objects.all()).filter(pk=record.pk).exists() == got[1]
    readable_by_scope = bool(record_policy.read_scope(user).principals & record_policy.record_readers(record))
    assert (record_policy.read_scope(user).everything or readable_by_scope) == EXPECTED[who][0]


@pytest.mark.parametrize(
    ("level", "member", "anonymous"),
    [
        ("view", (True, False, False), (True, False, False)),
        ("preview", (True, True, False), (True, True, False)),
        ("edit", (True, True, True), (True, True, False)),  # editing through a link needs an account
    ],
)
def test_a_secret_link_grants_exactly_its_level(shared, level, member, anonymous):
    record, people, links = shared
    draft = Draft.objects.get(pk=record.pk)
    for user, expected in ((people["stranger"], member), (AnonymousUser(), anonymous)):
        assert not record_policy.can(user, "read", record)
        with presenting(links[level].token):
            got = (
                record_policy.can(user, "read", record),
                draft_policy.can(user, "read", draft),
                draft_policy.can(user, "update", draft),
            )
            assert got == expected
            assert record_policy.filter_visible(user, Record.objects.filter(pk=record.pk)).exists()
            assert draft_policy.filter_visible(user, Draft.objects.filter(pk=record.pk)).exists() == got[1]
            assert not record_policy.can(user, "manage", record)
            scope = record_policy.read_scope(user)
            assert scope.principals & record_policy.record_readers(record)


def test_a_link_works_only_for_its_own_record(shared, user):
    _, _, links = shared
    other = publish(user, restricted_document())
    with presenting(links["edit"].token):
        assert not record_policy.can(AnonymousUser(), "read", other)
        assert not record_policy.filter_visible(AnonymousUser(), Record.objects.filter(pk=other.pk)).exists()


def test_link_expiry_at_the_boundary(user):
    record = publish(user, restricted_document())
    start = timezone.now()
    secret = link(user, record.pk, "view", expires_at=(start + datetime.timedelta(days=2)).isoformat())
    with freeze_time(secret.expires_at - datetime.timedelta(microseconds=1)), presenting(secret.token):
        assert record_policy.can(AnonymousUser(), "read", record)
        assert record_policy.filter_visible(AnonymousUser(), Record.objects.all()).filter(pk=record.pk)
    with freeze_time(secret.expires_at), presenting(secret.token) as links:
        assert links == ()
        assert not record_policy.can(AnonymousUser(), "read", record)
        assert not record_policy.read_scope(AnonymousUser()).principals


def test_grant_expiry_at_the_boundary(user):
    record = publish(user, restricted_document())
    reader = make_user("reader@example.org")
    row = grant(
        user, record.pk, reader, "view", expires_at=(timezone.now() + datetime.timedelta(hours=1)).isoformat()
    )
    indexed = record_policy.record_readers(record)  # what a search index stored at grant time
    assert f"user:{reader.pk}" not in indexed  # a grant with an expiry is its own principal
    with freeze_time(row.expires_at - datetime.timedelta(microseconds=1)):
        assert record_policy.can(reader, "read", record)
        assert record_policy.filter_visible(reader, Record.objects.filter(pk=record.pk)).exists()
        assert indexed & record_policy.read_scope(reader).principals == {f"grant:user:{row.pk}"}
    with freeze_time(row.expires_at):
        assert not record_policy.can(reader, "read", record)
        assert not record_policy.filter_visible(reader, Record.objects.filter(pk=record.pk)).exists()
        assert not indexed & record_policy.read_scope(reader).principals  # the stale index matches no more
        assert f"grant:user:{row.pk}" not in record_policy.record_readers(record)


def test_group_grant_expiry_at_the_boundary_in_every_backend_filter(user):
    record = publish(user, restricted_document())
    reader = make_user("reader@example.org")
    lab = make_group("Lab", reader)
    row = grant(
        user, record.pk, lab, "view", expires_at=(timezone.now() + datetime.timedelta(days=1)).isoformat()
    )
    forever = publish(user, restricted_document())
    grant(user, forever.pk, lab, "view")
    indexed = record_policy.record_readers(record)
    assert indexed == {f"user:{user.pk}", f"grant:group:{row.pk}"}
    assert f"group:{lab.pk}" in record_policy.record_readers(forever)  # no expiry: the group itself
    with freeze_time(row.expires_at - datetime.timedelta(microseconds=1)):
        scope = record_policy.read_scope(reader).principals
        assert f"grant:group:{row.pk}" in scope and f"group:{lab.pk}" in scope
        assert set(record_policy.filter_visible(reader, Record.objects.all())) == {record, forever}
    with freeze_time(row.expires_at):
        scope = record_policy.read_scope(reader).principals
        assert not indexed & scope
        assert f"group:{lab.pk}" in scope
        assert set(record_policy.filter_visible(reader, Record.objects.all())) == {forever}
        assert not record_policy.can(reader, "read", record)


def test_deleted_link_and_grant_stop_at_once(shared, user):
    record, people, links = shared
    with presenting(links["view"].token):
        assert record_policy.can(AnonymousUser(), "read", record)
    access.link_delete(actor=user, record_id=record.pk, link_id=str(links["view"].pk))
    with presenting(links["view"].token):
        assert not record_policy.can(AnonymousUser(), "read", record)
    access.grant_delete(
        actor=user, record_id=record.pk, subject=access.Subject("user", str(people["view"].pk))
    )
    assert not record_policy.can(people["view"], "read", record)


def test_files_restricted_on_a_public_record(user, other_user):
    record = publish(user, restricted_document() | {"access": {"record": "public", "files": "restricted"}})
    assert record_policy.can(other_user, "read", record)
    assert not record_policy.can(other_user, "read_files", record)
    grant(user, record.pk, other_user, "view")
    assert record_policy.can(other_user, "read_files", record)


def test_grants_cover_every_version(user, other_user):
    first = publish(user, restricted_document())
    grant(user, first.pk, other_user, "view")
    draft = services.record_new_version(actor=user, record_id=first.pk)
    document = valid_document(publication_date="2025-01-01")
    document["access"] = {"record": "restricted", "files": "restricted"}
    services.draft_update(actor=user, draft_id=draft.pk, data=document)
    second = services.draft_publish(actor=user, draft_id=draft.pk)
    assert record_policy.can(other_user, "read", second)


def test_managing_needs_sight_then_the_manage_level(shared, user):
    record, people, _ = shared
    with pytest.raises(NotFound):
        access.link_create(actor=people["stranger"], record_id=record.pk, permission="view")
    with pytest.raises(PermissionDenied):
        access.link_create(actor=people["edit"], record_id=record.pk, permission="view")
    created = access.link_create(actor=people["manage"], record_id=record.pk, permission="view")
    assert created.parent_id == record.parent_id


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"permission": "owner"}, "permission"),
        ({"permission": "view", "subject": access.Subject("user", "999999")}, "subject.id"),
        ({"permission": "view", "subject": access.Subject("robot", "1")}, "subject.type"),
        ({"permission": "view", "expires_at": "2001-01-01"}, "expires_at"),
        ({"permission": "view", "expires_at": "soon"}, "expires_at"),
    ],
)
def test_bad_grants_are_refused_and_nothing_is_written(user, other_user, kwargs, field):
    record = publish(user)
    kwargs.setdefault("subject", access.Subject("user", str(other_user.pk)))
    with pytest.raises(ValidationError) as error:
        access.grant_create(actor=user, record_id=record.pk, **kwargs)
    assert [e.field for e in error.value.errors] == [field]
    assert not record.parent.user_grants.exists()


def test_the_owner_cannot_be_granted_and_a_subject_only_once(user, other_user):
    record = publish(user)
    with pytest.raises(ValidationError):
        grant(user, record.pk, user, "view")
    grant(user, record.pk, other_user, "view")
    with pytest.raises(ValidationError):
        grant(user, record.pk, other_user, "edit")


def test_access_changes_tell_followers(user, other_user, django_capture_on_commit_callbacks):
    from records.signals import records_changed

    record = publish(user, restricted_document())
    seen = []

    def receiver(sender, record_ids, action, **kwargs):
        seen.append((record_ids, action))

    records_changed.connect(receiver)
    try:
        grant(user, record.pk, other_user, "view")
        link(user, record.pk, "view")
    finally:
        records_changed.disconnect(receiver)
    assert seen == [([record.pk], "access"), ([record.pk], "access")]


# --- the access section of a record ----------------------------------------------


def _embargoed(until: str, *, record: str = "restricted", files: str = "restricted") -> dict:
    document = valid_document()
    document["access"] = {
        "record": record,
        "files": files,
        "embargo": {"active": True, "until": until, "reason": "Paper under review"},
    }
    return document


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (_embargoed("2999-01-01", record="public", files="public"), "access.embargo"),
        (_embargoed("2001-01-01"), "access.embargo.until"),
    ],
)
def test_embargo_rules(user, document, field):
    draft, errors = services.draft_create(actor=user, data=document)
    assert [e.field for e in errors] == [field]
    with pytest.raises(ValidationError):
        services.draft_publish(actor=user, draft_id=draft.pk)
    assert not Record.objects.exists()


def test_embargo_ending_today_is_refused_and_tomorrow_is_fine(user):
    today = timezone.now().date()
    _, errors = services.draft_create(actor=user, data=_embargoed(today.isoformat()))
    assert [e.field for e in errors] == ["access.embargo.until"]
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    _, errors = services.draft_create(actor=user, data=_embargoed(tomorrow, record="public"))
    assert errors == []


def test_instance_switches(user):
    no_files = valid_document()  # files.enabled is false
    with override_settings(RECORDS_ALLOW_RESTRICTED=False, RECORDS_ALLOW_METADATA_ONLY=False):
        _, errors = services.draft_create(
            actor=user, data=restricted_document() | {"files": {"enabled": True}}
        )
        assert [e.field for e in errors] == ["access.record"]
        _, errors = services.draft_create(actor=user, data=no_files)
        assert [e.field for e in errors] == ["files.enabled"]
    _, errors = services.draft_create(actor=user, data=no_files)
    assert errors == []


def test_embargo_is_lifted_on_its_day_with_a_controlled_clock(user):
    with freeze_time("2026-03-01T12:00:00Z"):
        record = publish(user, _embargoed("2026-03-10", record="public"))
        published_at = record.updated
        assert record.json["access"]["embargo"]["active"] is True
        assert not record_policy.can(AnonymousUser(), "read_files", record)
    with freeze_time("2026-03-09T23:59:59Z"):
        assert services.record_lift_embargoes() == []
    with freeze_time("2026-03-10T00:00:01Z"):
        assert services.record_lift_embargoes() == [record.pk]
    record.refresh_from_db()
    assert record.json["access"]["files"] == "public"
    assert record.json["access"]["embargo"] == {
        "active": False,
        "until": "2026-03-10",
        "reason": "Paper under review",
    }
    assert record.updated > published_at  # the datestamp harvesters see moves
    assert record_policy.can(AnonymousUser(), "read_files", record)


def test_expired_grants_are_purged_and_search_told(user, other_user):
    from records.access.tasks import purge_expired_grants
    from records.signals import records_changed

    record = publish(user, restricted_document())
    expiry = timezone.now() + datetime.timedelta(days=1)
    grant(user, record.pk, other_user, "view", expires_at=expiry.isoformat())
    keeper = make_user("keeper@example.org")
    grant(user, record.pk, keeper, "view")
    seen = []

    def receiver(sender, record_ids, action, **kwargs):
        seen.append((record_ids, action))

    records_changed.connect(receiver)
    try:
        assert purge_expired_grants.apply().get() == []
        with freeze_time(expiry):
            assert purge_expired_grants.apply().get() == [record.parent_id]
    finally:
        records_changed.disconnect(receiver)
    assert seen == [([record.pk], "access")]
    assert list(record.parent.user_grants.values_list("user_id", flat=True)) == [keeper.pk]


def test_grants_are_guardian_object_permissions(user, other_user):
    from guardian.shortcuts import get_objects_for_user, get_perms

    record = publish(user, restricted_document())
    member = make_user("member@example.org")
    grant(user, record.pk, other_user, "edit")
    grant(user, record.pk, make_group("Lab", member), "view")
    parent = record.parent
    assert other_user.has_perm("records.access_edit", parent)
    assert not other_user.has_perm("records.access_manage", parent)
    assert get_perms(member, parent) == ["access_view"]
    assert list(get_objects_for_user(other_user, "records.access_edit", klass=type(parent))) == [parent]


def test_bulk_readers_equal_one_by_one(shared, user, django_assert_max_num_queries):
    record, _, _ = shared
    others = [publish(user, restricted_document()), publish(user)]
    records = list(
        Record.objects.select_related("parent").filter(pk__in=[record.pk] + [r.pk for r in others])
    )
    with django_assert_max_num_queries(4):  # user grants, group grants, links, communities
        bulk = record_policy.records_readers(records)
    assert bulk == {r.pk: record_policy.record_readers(r) for r in records}
    assert len(bulk[record.pk]) == 1 + 4 + 1 + 3  # owner, four users, the group, three links
