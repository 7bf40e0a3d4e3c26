"""The communities' part in the generic requests: the community entity and four request types."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db.models import Q

from communities.models import ROLE_RANK, Community, Membership, Role
from communities.permissions import community_ids_with_role
from repository.permissions import UserLike, is_admin
from workflows.models import Request
from workflows.registry import EntityResolver, RequestType, cached, register_entity, register_type


class CommunityResolver(EntityResolver):
    """A community acts through its curators, managers and owners (directly or by group)."""

    type_key = "community"

    def exists(self, entity_id: str) -> bool:
        try:
            pk = uuid.UUID(entity_id)
        except ValueError:
            return False
        return Community.objects.filter(pk=pk, is_deleted=False).exists()

    def ids_for(self, user: UserLike) -> list[str]:
        return community_ids_with_role(user, Role.CURATOR)

    def users(self, entity_id: str, minimum: str = Role.CURATOR) -> list:
        roles = [role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[minimum]]
        memberships = Membership.objects.filter(community_id=entity_id, role__in=roles)
        return list(
            get_user_model()
            .objects.filter(
                Q(pk__in=memberships.values("user_id")) | Q(groups__in=memberships.values("group_id")),
                is_active=True,
            )
            .distinct()
        )

    def label(self, entity_id: str) -> str:
        community = Community.objects.filter(pk=entity_id).first()
        return community.title if community else f"community {entity_id}"


def _managers_act(actor: UserLike, community_id: str) -> bool:
    if is_admin(actor):
        return True
    managed = cached(
        ("managed", getattr(actor, "pk", None)), lambda: community_ids_with_role(actor, Role.MANAGER)
    )
    return community_id in managed


def _managers(request: Request, side: str) -> list | None:
    """The community side of a membership workflow is its managers and owners (curators cannot act)."""
    type_key, entity_id = (
        (request.created_by_type, request.created_by_id)
        if side == "creator"
        else (request.receiver_type, request.receiver_id)
    )
    if type_key != "community":
        return None
    return CommunityResolver().users(entity_id, minimum=Role.MANAGER)


class InvitationType(RequestType):
    """A community invites a user; the user accepts (becoming a member) or declines."""

    def party_users(self, request: Request, side: str) -> list:
        managers = _managers(request, side)
        return managers if managers is not None else super().party_users(request, side)

    def can_cancel(self, actor: UserLike, request: Request) -> bool:
        return _managers_act(actor, request.created_by_id)

    def on_accept(self, request: Request, actor: UserLike) -> None:
        from communities.services.members import membership_from_request

        membership_from_request(
            request,
            role=request.payload.get("role", Role.READER),
            visible=request.payload.get("visible", True),
        )


class MembershipRequestType(RequestType):
    """A user asks to join an open community; its managers accept (reader role) or decline."""

    def party_users(self, request: Request, side: str) -> list:
        managers = _managers(request, side)
        return managers if managers is not None else super().party_users(request, side)

    def can_accept(self, actor: UserLike, request: Request) -> bool:
        return _managers_act(actor, request.receiver_id)

    def on_accept(self, request: Request, actor: UserLike) -> None:
        from communities.services.members import membership_from_request

        membership_from_request(request, role=Role.READER)


class SubmissionType(RequestType):
    """A draft submitted to a community for review; accepting publishes it into the community."""

    def on_accept(self, request: Request, actor: UserLike) -> None:
        from communities.services.records import accept_submission

        accept_submission(request, actor)


class InclusionType(RequestType):
    """A published record proposed to a community; accepting includes it."""

    def on_accept(self, request: Request, actor: UserLike) -> None:
        from communities.services.records import accept_inclusion

        accept_inclusion(request, actor)


def register() -> None:
    """Register the community entity and the community request types with the workflows app."""
    from datetime import timedelta

    register_entity(CommunityResolver())
    register_type(
        InvitationType(
            type_id="community-invitation",
            name="Community invitation",
            creator_types=("community",),
            receiver_types=("user",),
            topic_types=("community",),
            expires_after=timedelta(days=30),
        )
    )
    register_type(
        MembershipRequestType(
            type_id="community-membership-request",
            name="Membership request",
            creator_types=("user",),
            receiver_types=("community",),
            topic_types=("community",),
        )
    )
    register_type(
        SubmissionType(
            type_id="community-submission",
            name="Community submission",
            creator_types=("user",),
            receiver_types=("community",),
            topic_types=("record",),
        )
    )
    register_type(
        InclusionType(
            type_id="community-inclusion",
            name="Community inclusion",
            creator_types=("user",),
            receiver_types=("community",),
            topic_types=("record",),
        )
    )
