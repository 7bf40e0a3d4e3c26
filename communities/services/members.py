"""Members and roles: invitations, groups, role changes, removal, leaving, membership requests.

Invariants kept here: a community always has at least one owner; nobody changes their own
role; managers cannot touch owners nor make anyone an owner.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from communities.models import ROLE_RANK, Community, Membership, Role
from communities.permissions import community_policy, user_role
from communities.services.communities import visible_community
from communities.signals import community_membership_changed
from repository.exceptions import Conflict, FieldError, NotFound, PermissionDenied, ValidationError
from repository.ids import parse_row_id
from repository.permissions import UserLike, is_admin
from workflows.models import Request, RequestStatus
from workflows.services import request_create

INVITATION_TYPE = "community-invitation"
MEMBERSHIP_REQUEST_TYPE = "community-membership-request"
INVITATION_EXPIRY = timedelta(days=30)
MAX_MEMBERS_PER_CALL = 100


def _changed(community: Community) -> None:
    community_membership_changed.send(sender=Community, community_id=str(community.pk))


def clean_role(value: object, field: str = "role") -> str:
    if value not in Role.values:
        raise ValidationError(errors=[FieldError(field, [f"Must be one of: {', '.join(Role.values)}."])])
    return value


def clean_members(value: object, allowed_types: tuple[str, ...] = ("user", "group")) -> list[tuple[str, str]]:
    """``[{"type": "user", "id": "3"}, ...]`` → [("user", "3"), ...] (distinct, at most 100)."""
    if not isinstance(value, list) or not value:
        raise ValidationError(errors=[FieldError("members", ["Must be a non-empty list."])])
    if len(value) > MAX_MEMBERS_PER_CALL:
        raise ValidationError(errors=[FieldError("members", [f"At most {MAX_MEMBERS_PER_CALL} at a time."])])
    result = []
    for index, item in enumerate(value):
        kind = item.get("type") if isinstance(item, dict) else None
        member_id = item.get("id") if isinstance(item, dict) else None
        if kind not in allowed_types:
            raise ValidationError(
                errors=[FieldError(f"members.{index}.type", [f"Must be one of: {', '.join(allowed_types)}."])]
            )
        if parse_row_id(member_id) is None:
            raise ValidationError(errors=[FieldError(f"members.{index}.id", ["Must be a numeric id."])])
        if (kind, str(member_id)) not in result:
            result.append((kind, str(member_id)))
    return result


def _check_may_grant(actor: UserLike, community: Community, role: str) -> None:
    """Managers give roles up to manager; only owners (and admins) make owners."""
    if is_admin(actor):
        return
    actor_role = user_role(actor, community)
    if role == Role.OWNER and actor_role != Role.OWNER:
        raise PermissionDenied("Only owners can make someone an owner.")
    if actor_role is None or ROLE_RANK[role] > ROLE_RANK[actor_role]:
        raise PermissionDenied("You cannot give a role above your own.")


def _check_may_touch(actor: UserLike, community: Community, membership: Membership) -> None:
    """Managers cannot change or remove owners; nobody changes their own role here."""
    if membership.user_id is not None and membership.user_id == getattr(actor, "pk", None):
        raise PermissionDenied("You cannot change your own membership this way.")
    if is_admin(actor):
        return
    if membership.role == Role.OWNER and user_role(actor, community) != Role.OWNER:
        raise PermissionDenied("Managers cannot change or remove owners.")


def _memberships(community: Community, members: list[tuple[str, str]]) -> list[Membership]:
    rows = []
    for index, (kind, member_id) in enumerate(members):
        filters = {"user_id": int(member_id)} if kind == "user" else {"group_id": int(member_id)}
        row = Membership.objects.select_for_update().filter(community=community, **filters).first()
        if row is None:
            raise ValidationError(
                errors=[FieldError(f"members.{index}", ["Not a member of this community."])]
            )
        rows.append(row)
    return rows


def _check_owners_left(community: Community) -> None:
    if not Membership.objects.filter(community=community, role=Role.OWNER).exists():
        raise Conflict("A community must keep at least one owner.")


@transaction.atomic
def member_add_groups(
    *, actor: UserLike, community_id: object, members: object, role: object, visible: object = True
) -> list[Membership]:
    """Add groups directly with a role (managers+); users are invited instead."""
    community = visible_community(actor, community_id, "manage_members")
    pairs = clean_members(members, allowed_types=("group",))
    role = clean_role(role)
    if not isinstance(visible, bool):
        raise ValidationError(errors=[FieldError("visible", ["Must be true or false."])])
    _check_may_grant(actor, community, role)
    created = []
    for index, (_, group_id) in enumerate(pairs):
        group = Group.objects.filter(pk=int(group_id)).first()
        if group is None:
            raise ValidationError(errors=[FieldError(f"members.{index}.id", ["No such group."])])
        if Membership.objects.filter(community=community, group=group).exists():
            raise ValidationError(errors=[FieldError(f"members.{index}", ["Already a member."])])
        created.append(
            Membership.objects.create(community=community, group=group, role=role, visible=visible)
        )
    _changed(community)
    return created


@transaction.atomic
def member_update(
    *, actor: UserLike, community_id: object, members: object, role: object = None, visible: object = None
) -> None:
    """Change members' role (managers+, within the invariants) and/or visibility (also oneself)."""
    community = get_visible_for_members(actor, community_id)
    rows = _memberships(community, clean_members(members))
    if role is None and visible is None:
        raise ValidationError(errors=[FieldError("role", ["Give a role or a visibility to change."])])
    if visible is not None and not isinstance(visible, bool):
        raise ValidationError(errors=[FieldError("visible", ["Must be true or false."])])
    if role is not None:
        role = clean_role(role)
        community_policy.require(actor, "manage_members", community)
        _check_may_grant(actor, community, role)
    now = timezone.now()
    for row in rows:
        is_self = row.user_id is not None and row.user_id == actor.pk
        if role is not None:
            _check_may_touch(actor, community, row)
            row.role = role
        if visible is not None and not is_self:
            community_policy.require(actor, "manage_members", community)
            _check_may_touch(actor, community, row)
        if visible is not None:
            row.visible = visible
        row.updated = now
        row.save(update_fields=["role", "visible", "updated"])
    _check_owners_left(community)
    _changed(community)


def get_visible_for_members(actor: UserLike, community_id: object) -> Community:
    """The locked community, readable by the actor, who must be a member or may manage members."""
    community = visible_community(actor, community_id, "read")
    if user_role(actor, community) is None and not community_policy.can(actor, "manage_members", community):
        raise PermissionDenied("Not allowed to change members.")
    return community


@transaction.atomic
def member_remove(*, actor: UserLike, community_id: object, members: object) -> None:
    """Remove members (managers+; owners only by owners); at least one owner stays."""
    community = visible_community(actor, community_id, "manage_members")
    rows = _memberships(community, clean_members(members))
    for row in rows:
        _check_may_touch(actor, community, row)
        row.delete()
    _check_owners_left(community)
    _changed(community)


@transaction.atomic
def member_leave(*, actor: UserLike, community_id: object) -> None:
    """Leave a community (any member but the last owner)."""
    community = visible_community(actor, community_id, "read")
    row = Membership.objects.select_for_update().filter(community=community, user=actor).first()
    if row is None:
        raise ValidationError("You are not a member of this community.")
    row.delete()
    _check_owners_left(community)
    _changed(community)


def open_request(type_id: str, community: Community, user_id: int) -> Request | None:
    """The submitted invitation (to USER_ID) or membership request (from USER_ID) of COMMUNITY."""
    filters = {"created_by_type": "user", "created_by_id": str(user_id)}
    if type_id == INVITATION_TYPE:
        filters = {"receiver_type": "user", "receiver_id": str(user_id)}
    return Request.objects.filter(
        type=type_id,
        topic_type="community",
        topic_id=str(community.pk),
        status=RequestStatus.SUBMITTED,
        **filters,
    ).first()


@transaction.atomic
def invitation_create(
    *,
    actor: UserLike,
    community_id: object,
    members: object,
    role: object,
    message: object = None,
    visible: object = True,
) -> list[Request]:
    """Invite users (managers+) with a role: one invitation request each, expiring after 30 days."""
    community = visible_community(actor, community_id, "manage_members")
    pairs = clean_members(members, allowed_types=("user",))
    role = clean_role(role)
    if not isinstance(visible, bool):
        raise ValidationError(errors=[FieldError("visible", ["Must be true or false."])])
    _check_may_grant(actor, community, role)
    if message is not None and not isinstance(message, str):
        raise ValidationError(errors=[FieldError("message", ["Must be a string."])])
    invitations = []
    for index, (_, user_id) in enumerate(pairs):
        user = get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
        if user is None:
            raise ValidationError(errors=[FieldError(f"members.{index}.id", ["No such user."])])
        if Membership.objects.filter(community=community, user=user).exists():
            raise ValidationError(errors=[FieldError(f"members.{index}", ["Already a member."])])
        if open_request(INVITATION_TYPE, community, user.pk) is not None:
            raise ValidationError(errors=[FieldError(f"members.{index}", ["Already invited."])])
        invitations.append(
            request_create(
                actor=actor,
                type_id=INVITATION_TYPE,
                created_by={"community": str(community.pk)},
                receiver={"user": str(user.pk)},
                topic={"community": str(community.pk)},
                title=f"Invitation to join {community.title}",
                payload={"role": role, "visible": visible},
                expires_at=timezone.now() + INVITATION_EXPIRY,
                submit=True,
                comment=message or None,
            )
        )
    return invitations


@transaction.atomic
def invitation_update(*, actor: UserLike, community_id: object, members: object, role: object) -> None:
    """Change the role offered by open invitations (managers+)."""
    community = visible_community(actor, community_id, "manage_members")
    pairs = clean_members(members, allowed_types=("user",))
    role = clean_role(role)
    _check_may_grant(actor, community, role)
    for index, (_, user_id) in enumerate(pairs):
        request = open_request(INVITATION_TYPE, community, int(user_id))
        if request is None:
            raise ValidationError(errors=[FieldError(f"members.{index}", ["No open invitation."])])
        request.payload = {**request.payload, "role": role}
        request.updated = timezone.now()
        request.revision_id += 1
        request.save(update_fields=["payload", "updated", "revision_id"])


@transaction.atomic
def membership_request_create(*, actor: UserLike, community_id: object, message: object = None) -> Request:
    """Ask to join a community whose member policy is open; its managers accept or decline."""
    community = visible_community(actor, community_id, "read")
    if user_role(actor, community) is not None:
        raise ValidationError("You are already a member of this community.")
    community_policy.require(actor, "join", community)
    if open_request(MEMBERSHIP_REQUEST_TYPE, community, actor.pk) is not None:
        raise ValidationError("You have already asked to join this community.")
    if message is not None and not isinstance(message, str):
        raise ValidationError(errors=[FieldError("message", ["Must be a string."])])
    return request_create(
        actor=actor,
        type_id=MEMBERSHIP_REQUEST_TYPE,
        created_by={"user": str(actor.pk)},
        receiver={"community": str(community.pk)},
        topic={"community": str(community.pk)},
        title=f"Request to join {community.title}",
        submit=True,
        comment=message or None,
    )


def membership_from_request(request: Request, role: str, visible: bool = True) -> Membership:
    """Make the request's user a member (used by invitation and membership-request types)."""
    community = Community.objects.select_for_update().filter(pk=request.topic_id, is_deleted=False).first()
    if community is None:
        raise NotFound("Community not found.")
    user_id = int(request.receiver_id if request.type == INVITATION_TYPE else request.created_by_id)
    if Membership.objects.filter(community=community, user_id=user_id).exists():
        raise Conflict("Already a member of this community.")
    membership = Membership.objects.create(community=community, user_id=user_id, role=role, visible=visible)
    _changed(community)
    return membership
