"""Restoring a deleted community brings back the records it had (ADR 0010)."""

from __future__ import annotations

import pytest

from communities import services
from communities.models import CommunityRecord, RemovedCommunityRecord
from communities.selectors import public_community_sets
from communities.signals import community_changed, community_records_changed
from records import services as record_services
from tests.communities.factories import client_for, make_community, new_user, restricted_document
from tests.records.conftest import publish, valid_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals_seen():
    seen = []

    def remember(sender, signal, **kwargs):
        seen.append((signal, kwargs))

    for signal in (community_changed, community_records_changed):
        signal.connect(remember, dispatch_uid="test-restore")
    yield seen
    for signal in (community_changed, community_records_changed):
        signal.disconnect(dispatch_uid="test-restore")


def _community_ids(client, record_id):
    hits = client.get(f"/api/records/{record_id}/communities").json()["hits"]["hits"]
    return [(hit["slug"], hit["is_default"]) for hit in hits]


def _records_in(client, community, query=""):
    response = client.get(f"/api/communities/{community.pk}/records", {"q": query} if query else {})
    assert response.status_code == 200, response.json()
    return sorted(hit["id"] for hit in response.json()["hits"]["hits"])


def test_restore_brings_back_the_records_with_their_branding(
    api_client, signals_seen, django_capture_on_commit_callbacks
):
    owner = new_user("owner")
    lab = make_community(owner, slug="lab", review_policy="open")
    other = make_community(owner, slug="other", review_policy="open")
    only_lab = publish(owner, valid_document(title="Plankton counts"))
    shared = publish(owner, valid_document(title="Salinity series"))
    with django_capture_on_commit_callbacks(execute=True):
        services.record_include(actor=owner, record_id=only_lab.pk, community_id=lab.pk)
        services.record_include(actor=owner, record_id=shared.pk, community_id=lab.pk)
        services.record_include(actor=owner, record_id=shared.pk, community_id=other.pk)
    assert _records_in(api_client, lab) == sorted([only_lab.pk, shared.pk])
    assert _records_in(api_client, lab, "plankton") == [only_lab.pk]

    with django_capture_on_commit_callbacks(execute=True):
        services.community_delete(actor=owner, community_id=lab.pk)
    assert _community_ids(api_client, only_lab.pk) == []
    assert _community_ids(api_client, shared.pk) == [("other", True)]  # the default moved
    assert ("community-lab", [only_lab.pk, shared.pk]) not in public_community_sets()
    signals_seen.clear()

    with django_capture_on_commit_callbacks(execute=True):
        restored = client_for(owner).post(f"/api/communities/{lab.pk}/restore")
    assert restored.status_code == 200, restored.json()
    assert _community_ids(api_client, only_lab.pk) == [("lab", True)]
    assert sorted(_community_ids(api_client, shared.pk)) == [("lab", False), ("other", True)]
    assert _records_in(api_client, lab) == sorted([only_lab.pk, shared.pk])
    assert _records_in(api_client, lab, "plankton") == [only_lab.pk]
    sets = dict(public_community_sets())
    assert sorted(sets["community-lab"]) == sorted([only_lab.pk, shared.pk])
    community_id = str(lab.pk)
    assert (community_changed, {"community_id": community_id, "action": "restored"}) in signals_seen
    added = [
        kwargs
        for signal, kwargs in signals_seen
        if signal is community_records_changed and kwargs["action"] == "added"
    ]
    assert len(added) == 1 and added[0]["community_id"] == community_id
    assert sorted(added[0]["parent_ids"]) == sorted([only_lab.parent_id, shared.parent_id])
    assert not RemovedCommunityRecord.objects.exists()


def test_restore_leaves_out_records_that_no_longer_fit_or_were_removed(api_client):
    owner = new_user("owner")
    secret = make_community(owner, slug="secret", visibility="restricted", review_policy="open")
    stays = publish(owner, restricted_document())
    opened = publish(owner, restricted_document())
    for record in (stays, opened):
        services.record_include(actor=owner, record_id=record.pk, community_id=secret.pk)
    services.community_delete(actor=owner, community_id=secret.pk)
    # while the community is deleted, one record became public: it cannot come back
    draft = record_services.record_edit(actor=owner, record_id=opened.pk)
    document = restricted_document()
    document["access"] = {"record": "public", "files": "public"}
    record_services.draft_update(actor=owner, draft_id=draft.pk, data=document)
    record_services.draft_publish(actor=owner, draft_id=draft.pk)
    services.community_restore(actor=owner, community_id=secret.pk)
    assert list(CommunityRecord.objects.filter(community=secret).values_list("parent_id", flat=True)) == [
        stays.parent_id
    ]
    reader = new_user("reader")
    secret.memberships.create(user=reader, role="reader")
    assert _records_in(client_for(reader), secret) == [stays.pk]
    assert client_for(new_user("x")).get(f"/api/communities/{secret.pk}/records").status_code == 404
    # deleting again and restoring again is stable
    services.community_delete(actor=owner, community_id=secret.pk)
    services.community_restore(actor=owner, community_id=secret.pk)
    assert list(CommunityRecord.objects.filter(community=secret).values_list("parent_id", flat=True)) == [
        stays.parent_id
    ]
