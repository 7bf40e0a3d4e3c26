"""What the OAI-PMH endpoint will use: public community sets and the signals that say they changed."""

from __future__ import annotations

import pytest

from communities import services
from communities.selectors import public_community_sets
from communities.signals import community_changed, community_membership_changed, community_records_changed
from tests.communities.factories import make_community, new_user, restricted_document
from tests.records.conftest import publish
from workflows.services import request_act

pytestmark = pytest.mark.django_db


def test_public_communities_are_sets_of_their_public_records():
    owner = new_user("owner")
    lab = make_community(owner, slug="lab", review_policy="open")
    make_community(owner, slug="secret", visibility="restricted")
    shown, hidden = publish(owner), publish(owner, restricted_document())
    for record in (shown, hidden):
        services.record_include(actor=owner, record_id=record.pk, community_id=lab.pk)
    assert public_community_sets() == [("community-lab", [shown.pk])]


def test_signals_are_sent_when_sets_or_members_change():
    seen = []

    def remember(sender, **kwargs):
        seen.append(kwargs)

    for signal in (community_changed, community_membership_changed, community_records_changed):
        signal.connect(remember, dispatch_uid="test-oai-hooks")
    try:
        owner = new_user("owner")
        lab = make_community(owner, slug="lab")
        record = publish(owner)
        services.record_include(actor=owner, record_id=record.pk, community_id=lab.pk)
        invitee = new_user("invitee")
        (invitation,) = services.invitation_create(
            actor=owner, community_id=lab.pk, members=[{"type": "user", "id": str(invitee.pk)}], role="reader"
        )
        assert not any(s.get("signal") is community_membership_changed for s in seen)
        request_act(actor=invitee, request_id=invitation.pk, action="accept")
        services.community_rename(actor=owner, community_id=lab.pk, slug="lab-2")
    finally:
        for signal in (community_changed, community_membership_changed, community_records_changed):
            signal.disconnect(dispatch_uid="test-oai-hooks")
    community_id = str(lab.pk)
    assert {"community_id": community_id, "action": "created", "signal": community_changed} in seen
    assert {
        "community_id": community_id,
        "parent_ids": [record.parent_id],
        "action": "added",
        "signal": community_records_changed,
    } in seen
    assert {"community_id": community_id, "action": "renamed", "signal": community_changed} in seen
    assert {"community_id": community_id, "signal": community_membership_changed} in seen
