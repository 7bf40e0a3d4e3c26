"""Who may do what with communities: the policy reads roles (owner > manager > curator > reader).

Readers see the community (also when restricted) and its restricted records; curators also
curate (accept/decline submissions, remove records); managers also manage members below owner
and the community's settings; owners everything, including deletion. Admins may do everything.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from communities.models import (
    ROLE_RANK,
    Community,
    MemberPolicy,
    Membership,
    MembersVisibility,
    ReviewPolicy,
    Role,
    SubmissionPolicy,
    Visibility,
)
from repository.permissions import Policy, UserLike, is_admin


def is_active_user(user: UserLike) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def memberships_of(user: UserLike) -> QuerySet:
    """The memberships that count for USER: their own and those of their groups."""
    if not is_active_user(user):
        return Membership.objects.none()
    return Membership.objects.filter(Q(user=user) | Q(group__in=user.groups.all()))


def user_role(user: UserLike, community: Community) -> str | None:
    """USER's strongest role in COMMUNITY (direct or through a group), or None."""
    roles = memberships_of(user).filter(community=community).values_list("role", flat=True)
    return max(roles, key=lambda role: ROLE_RANK[role], default=None)


def has_role(user: UserLike, community: Community, minimum: str) -> bool:
    role = user_role(user, community)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def community_ids_with_role(user: UserLike, minimum: str) -> list[str]:
    """Ids (as strings) of the communities where USER has at least role MINIMUM."""
    roles = [role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[minimum]]
    ids = memberships_of(user).filter(role__in=roles).values_list("community_id", flat=True)
    return sorted({str(pk) for pk in ids})


class CommunityPolicy(Policy):
    """Communities."""

    actions = (
        "create",
        "read",
        "read_deleted",
        "update",
        "rename",
        "delete",
        "restore",
        "feature",
        "read_members",
        "read_hidden_members",
        "manage_members",
        "join",
        "submit_record",
        "publish_directly",
        "curate",
    )

    def can_create(self, user: UserLike, community: Community | None) -> bool:
        return is_active_user(user)

    def can_read(self, user: UserLike, community: Community) -> bool:
        if community.is_deleted:
            return False
        if community.visibility == Visibility.PUBLIC or is_admin(user):
            return True
        return user_role(user, community) is not None

    def can_read_deleted(self, user: UserLike, community: Community | None) -> bool:
        return is_admin(user)

    def _at_least(self, user: UserLike, community: Community, minimum: str) -> bool:
        if community.is_deleted:
            return False
        return is_admin(user) or has_role(user, community, minimum)

    def can_update(self, user: UserLike, community: Community) -> bool:
        return self._at_least(user, community, Role.MANAGER)

    can_manage_members = can_update

    def can_rename(self, user: UserLike, community: Community) -> bool:
        return self._at_least(user, community, Role.OWNER)

    can_delete = can_rename

    def can_restore(self, user: UserLike, community: Community) -> bool:
        return community.is_deleted and (is_admin(user) or has_role(user, community, Role.OWNER))

    def can_feature(self, user: UserLike, community: Community | None) -> bool:
        return is_admin(user)

    def can_curate(self, user: UserLike, community: Community) -> bool:
        return self._at_least(user, community, Role.CURATOR)

    def can_read_members(self, user: UserLike, community: Community) -> bool:
        if not self.can_read(user, community):
            return False
        return community.members_visibility == MembersVisibility.PUBLIC or self.can_read_hidden_members(
            user, community
        )

    def can_read_hidden_members(self, user: UserLike, community: Community) -> bool:
        return self._at_least(user, community, Role.READER)

    def can_join(self, user: UserLike, community: Community) -> bool:
        return (
            is_active_user(user)
            and self.can_read(user, community)
            and community.member_policy == MemberPolicy.OPEN
            and user_role(user, community) is None
        )

    def can_submit_record(self, user: UserLike, community: Community) -> bool:
        if not (is_active_user(user) and self.can_read(user, community)):
            return False
        if community.record_submission_policy == SubmissionPolicy.OPEN:
            return True
        return self._at_least(user, community, Role.READER)

    def can_publish_directly(self, user: UserLike, community: Community) -> bool:
        """Include a record without review: curators+ when review is open, any member for 'members'."""
        if community.review_policy == ReviewPolicy.OPEN:
            return self._at_least(user, community, Role.CURATOR)
        if community.review_policy == ReviewPolicy.MEMBERS:
            return self._at_least(user, community, Role.READER)
        return False

    def filter_visible(self, user: UserLike, queryset: QuerySet) -> QuerySet:
        queryset = queryset.filter(is_deleted=False)
        if is_admin(user):
            return queryset
        public = Q(visibility=Visibility.PUBLIC)
        if is_active_user(user):
            return queryset.filter(public | Q(pk__in=memberships_of(user).values("community_id")))
        return queryset.filter(public)


community_policy = CommunityPolicy()
