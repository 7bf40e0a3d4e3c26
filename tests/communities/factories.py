"""Helpers that build communities, members and requests through the services."""

from __future__ import annotations

from rest_framework.test import APIClient

from accounts.services import token_create, user_create
from communities import services
from communities.models import Membership
from records import services as record_services
from tests.records.conftest import publish, valid_document
from workflows.services import request_create

_counter = {"n": 0}


def new_user(name: str = "user", **kwargs):
    """A fresh user with a unique e-mail address."""
    _counter["n"] += 1
    return user_create(email=f"{name}{_counter['n']}@example.org", password="correct-horse-battery", **kwargs)


def client_for(user) -> APIClient:
    client = APIClient()
    _, raw = token_create(user=user, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def make_community(owner, slug: str | None = None, title: str = "Ocean Lab", **access):
    """A community owned by OWNER, with access settings overridden by keyword."""
    _counter["n"] += 1
    return services.community_create(
        actor=owner,
        data={
            "slug": slug or f"community-{_counter['n']}",
            "metadata": {"title": title, "description": "Ocean data", "type": {"id": "project"}},
            "access": access,
        },
    )


def add_member(community, user, role: str) -> Membership:
    """Make USER a member with ROLE directly (what an accepted invitation does)."""
    return Membership.objects.create(community=community, user=user, role=role)


def restricted_document() -> dict:
    document = valid_document()
    document["access"] = {"record": "restricted", "files": "restricted"}
    return document


def make_draft(owner, document: dict | None = None):
    draft, errors = record_services.draft_create(actor=owner, data=document or valid_document())
    assert errors == []
    return draft


def make_request(type_id: str, *, community, creator_user, member_user):
    """A request of TYPE_ID in status 'created', with real entities; returns (request, creator, receiver).

    ``creator_user`` acts for the creator side, ``member_user`` is a user who is not yet a member.
    """
    owner = community.memberships.get(role="owner").user
    if type_id == "community-invitation":
        request = request_create(
            actor=owner,
            type_id=type_id,
            created_by={"community": str(community.pk)},
            receiver={"user": str(member_user.pk)},
            topic={"community": str(community.pk)},
            payload={"role": "reader"},
        )
        return request, owner, member_user
    if type_id == "community-membership-request":
        request = request_create(
            actor=member_user,
            type_id=type_id,
            created_by={"user": str(member_user.pk)},
            receiver={"community": str(community.pk)},
            topic={"community": str(community.pk)},
        )
        return request, member_user, owner
    if type_id == "community-submission":
        draft = make_draft(creator_user)
        request = services.review_create_or_update(
            actor=creator_user, draft_id=draft.pk, data={"receiver": {"community": str(community.pk)}}
        )
        return request, creator_user, owner
    if type_id == "community-inclusion":
        record = publish(creator_user)
        request = request_create(
            actor=creator_user,
            type_id=type_id,
            created_by={"user": str(creator_user.pk)},
            receiver={"community": str(community.pk)},
            topic={"record": record.pk},
        )
        return request, creator_user, owner
    raise AssertionError(f"no factory for request type {type_id}")


def include(community, record) -> None:
    """Include RECORD (every version) in COMMUNITY through the service (search terms follow)."""
    from django.db import transaction

    from communities.services.records import include_parent

    with transaction.atomic():
        include_parent(community, record.parent_id)
