"""E-mails of every request type and event: recipients, subject, only after commit, opt-out.

The community has an owner, a manager and a curator; the curator has turned e-mails off in
every case below except where noted, so each case also proves the opt-out.
"""

from __future__ import annotations

import pytest
from django.core import mail

from tests.communities.factories import add_member, make_community, make_request, new_user
from workflows.models import NotificationPreference
from workflows.services import comment_create, request_act, request_act_as_system

pytestmark = pytest.mark.django_db

NAMES = {
    "community-invitation": "Community invitation",
    "community-membership-request": "Membership request",
    "community-submission": "Community submission",
    "community-inclusion": "Community inclusion",
}
# Which side hears about each event: the side that did not act; for expiry and comments both
# sides (a comment goes to everyone in the conversation but its author).
EVENTS = {
    "submitted": ("submit", "creator", ("receiver",), "New {name}: {title}"),
    "accepted": ("accept", "receiver", ("creator",), "Accepted: {title}"),
    "declined": ("decline", "receiver", ("creator",), "Declined: {title}"),
    "cancelled": ("cancel", "creator", ("receiver",), "Cancelled: {title}"),
    "expired": ("expire", None, ("creator", "receiver"), "Expired: {title}"),
    "commented-by-creator": ("comment", "creator", ("creator", "receiver"), "New comment on {title}"),
    "commented-by-receiver": ("comment", "receiver", ("creator", "receiver"), "New comment on {title}"),
}


@pytest.fixture
def world():
    owner, manager, curator = new_user("owner"), new_user("manager"), new_user("curator")
    community = make_community(owner, title="Ocean Lab")
    add_member(community, manager, "manager")
    add_member(community, curator, "curator")
    return community, owner, manager, curator


def _side_users(type_id, side, creator, receiver, staff):
    """Who stands for SIDE: the user, or the community's staff (managers+ for membership types)."""
    owner, manager, curator = staff
    community_side = {
        "community-invitation": "creator",
        "community-membership-request": "receiver",
        "community-submission": "receiver",
        "community-inclusion": "receiver",
    }[type_id]
    if side != community_side:
        return {creator if side == "creator" else receiver}
    if type_id in ("community-invitation", "community-membership-request"):
        return {owner, manager}
    return {owner, manager, curator}


@pytest.mark.parametrize("type_id", list(NAMES))
@pytest.mark.parametrize("event", list(EVENTS))
def test_who_gets_which_email_after_commit(
    world, type_id, event, django_capture_on_commit_callbacks, eager_celery
):
    community, owner, manager, curator = world
    request, creator, receiver = make_request(
        type_id, community=community, creator_user=new_user("depositor"), member_user=new_user("joiner")
    )
    NotificationPreference.objects.create(user=curator, email_enabled=False)
    action, acting_side, audience, subject = EVENTS[event]
    if action != "submit":
        request_act(actor=creator, request_id=request.pk, action="submit")
    request.refresh_from_db()
    actor = {"creator": creator, "receiver": receiver, None: None}[acting_side]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        if action == "comment":
            comment_create(actor=actor, request_id=request.pk, content="<p>A question</p>")
        elif action == "expire":
            request_act_as_system(request_id=request.pk, action="expire")
        else:
            request_act(actor=actor, request_id=request.pk, action=action)
    assert mail.outbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    expected = set()
    for side in audience:
        expected |= _side_users(type_id, side, creator, receiver, (owner, manager, curator))
    expected.discard(actor)
    expected.discard(curator)  # opted out
    title = request.title or f"request #{request.number}"
    want = "[Repono] " + subject.format(name=NAMES[type_id], title=title)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in expected)
    assert {m.subject for m in mail.outbox} <= {want}
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees the other recipients
    assert all(f"/me/requests/{request.pk}" in m.body for m in mail.outbox)


def test_a_failed_action_sends_nothing(world, django_capture_on_commit_callbacks, eager_celery):
    community, owner, manager, curator = world
    request, creator, receiver = make_request(
        "community-submission", community=community, creator_user=new_user("d"), member_user=new_user("j")
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception, match="Cannot accept"):
        request_act_as_system(request_id=request.pk, action="accept")  # still 'created'
    assert mail.outbox == []
