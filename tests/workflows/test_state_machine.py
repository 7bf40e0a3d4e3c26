"""The one state machine of every request type: legal transitions only, by the right party."""

from __future__ import annotations

import pytest

from communities.models import CommunityRecord, Membership
from records.models import Draft, Record
from repository.exceptions import NotFound, PermissionDenied, ValidationError
from tests.communities.factories import make_community, make_request, new_user
from workflows.models import RequestEvent, RequestStatus
from workflows.registry import request_types
from workflows.services import TRANSITIONS, request_act, request_act_as_system

pytestmark = pytest.mark.django_db

TYPE_IDS = sorted(t.type_id for t in request_types())
ACTIONS = list(TRANSITIONS)
# How to bring a fresh (created) request into each status.
PATHS = {
    RequestStatus.CREATED: [],
    RequestStatus.SUBMITTED: ["submit"],
    RequestStatus.ACCEPTED: ["submit", "accept"],
    RequestStatus.DECLINED: ["submit", "decline"],
    RequestStatus.CANCELLED: ["submit", "cancel"],
    RequestStatus.EXPIRED: ["submit", "expire"],
}


def test_every_request_type_is_covered():
    assert TYPE_IDS == [
        "community-inclusion",
        "community-invitation",
        "community-membership-request",
        "community-submission",
    ]


@pytest.fixture
def setting():
    owner = new_user("owner")
    community = make_community(owner)
    return community, new_user("creator"), new_user("joiner")


def _bring_to(request, status, creator, receiver):
    for action in PATHS[status]:
        if action == "expire":
            request_act_as_system(request_id=request.pk, action="expire")
        else:
            actor = receiver if action in ("accept", "decline") else creator
            request_act(actor=actor, request_id=request.pk, action=action)
    request.refresh_from_db()
    assert request.status == status
    return request


@pytest.mark.parametrize("type_id", TYPE_IDS)
@pytest.mark.parametrize("status", list(PATHS))
@pytest.mark.parametrize("action", ACTIONS)
def test_only_legal_transitions(setting, type_id, status, action):
    community, creator_user, joiner = setting
    request, creator, receiver = make_request(
        type_id, community=community, creator_user=creator_user, member_user=joiner
    )
    request = _bring_to(request, status, creator, receiver)
    source, target = TRANSITIONS[action]
    events_before = RequestEvent.objects.filter(request=request).count()
    if status == source:
        request_act_as_system(request_id=request.pk, action=action)
        request.refresh_from_db()
        assert request.status == target
        assert RequestEvent.objects.filter(request=request).count() == events_before + 1
    else:
        with pytest.raises(ValidationError, match=f"Cannot {action}"):
            request_act_as_system(request_id=request.pk, action=action)
        request.refresh_from_db()
        assert request.status == status
        assert RequestEvent.objects.filter(request=request).count() == events_before


@pytest.mark.parametrize("type_id", TYPE_IDS)
def test_only_the_receiver_accepts_and_declines_only_the_creator_cancels(setting, type_id):
    community, creator_user, joiner = setting
    request, creator, receiver = make_request(
        type_id, community=community, creator_user=creator_user, member_user=joiner
    )
    outsider = new_user("outsider")
    with pytest.raises(PermissionDenied):
        request_act(actor=receiver, request_id=request.pk, action="submit")
    with pytest.raises(NotFound):
        request_act(actor=outsider, request_id=request.pk, action="submit")
    request_act(actor=creator, request_id=request.pk, action="submit")
    for action in ("accept", "decline"):
        with pytest.raises(PermissionDenied):
            request_act(actor=creator, request_id=request.pk, action=action)
        with pytest.raises(NotFound):
            request_act(actor=outsider, request_id=request.pk, action=action)
    with pytest.raises(PermissionDenied):
        request_act(actor=receiver, request_id=request.pk, action="cancel")
    with pytest.raises(NotFound):
        request_act(actor=receiver, request_id=request.pk, action="expire")  # the system's only
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    request_act(actor=receiver, request_id=request.pk, action="accept")
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED


def test_accepting_an_invitation_makes_a_member_with_the_offered_role(setting):
    community, creator_user, joiner = setting
    request, creator, receiver = make_request(
        "community-invitation", community=community, creator_user=creator_user, member_user=joiner
    )
    request.payload = {"role": "curator"}
    request.save(update_fields=["payload"])
    request_act(actor=creator, request_id=request.pk, action="submit")
    request_act(actor=joiner, request_id=request.pk, action="accept")
    assert Membership.objects.get(community=community, user=joiner).role == "curator"


def test_declining_a_membership_request_makes_no_member(setting):
    community, creator_user, joiner = setting
    request, creator, receiver = make_request(
        "community-membership-request", community=community, creator_user=creator_user, member_user=joiner
    )
    request_act(actor=joiner, request_id=request.pk, action="submit")
    request_act(actor=receiver, request_id=request.pk, action="decline")
    assert not Membership.objects.filter(community=community, user=joiner).exists()


def test_accepting_a_submission_publishes_the_draft_into_the_community(setting):
    community, creator_user, joiner = setting
    request, creator, receiver = make_request(
        "community-submission", community=community, creator_user=creator_user, member_user=joiner
    )
    request_act(actor=creator, request_id=request.pk, action="submit")
    request_act(actor=receiver, request_id=request.pk, action="accept")
    record = Record.objects.get(pk=request.topic_id)
    assert not Draft.objects.filter(pk=record.pk).exists()
    link = CommunityRecord.objects.get(parent_id=record.parent_id)
    assert link.community == community and link.is_default


def test_a_failing_hook_undoes_the_whole_action(setting):
    """Accepting a submission whose draft is gone is refused and leaves the request submitted."""
    community, creator_user, joiner = setting
    request, creator, receiver = make_request(
        "community-submission", community=community, creator_user=creator_user, member_user=joiner
    )
    request_act(actor=creator, request_id=request.pk, action="submit")
    Draft.objects.filter(pk=request.topic_id).delete()
    events = RequestEvent.objects.filter(request=request).count()
    with pytest.raises(Exception, match="no longer exists"):
        request_act(actor=receiver, request_id=request.pk, action="accept")
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert RequestEvent.objects.filter(request=request).count() == events
