"""What community roles add to record access, in the terms of the record policy.

Readers (and every stronger role) of a community read its restricted records; curators and
above of a community edit (metadata and files) the drafts submitted to it for review, for as
long as the review request is open (submitted). While it is open, nobody publishes or discards
the draft directly: accepting the request publishes it (``draft_locked_by_review``). For search backends the
community readers are the principal ``"community:<id>:reader"``, stored with each record of the
community (``parents_community_readers``) and held by its members (``community_principals_of``).
The record policy (records.access.principals) asks these functions; nothing here decides alone.
"""

from __future__ import annotations

from django.db.models import Q

from communities.models import ROLE_RANK, CommunityRecord, Role
from communities.permissions import memberships_of
from repository.permissions import UserLike
from workflows.models import Request, RequestStatus

SUBMISSION_TYPE = "community-submission"


def community_principal(community_id: object) -> str:
    """The principal of a community's readers (every member role includes reading)."""
    return f"community:{community_id}:reader"


def _member_communities(user: UserLike, minimum: str = Role.READER):
    """A lazy queryset of the ids of the (non-deleted) communities USER has MINIMUM role in."""
    roles = [role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[minimum]]
    return (
        memberships_of(user)
        .filter(role__in=roles, community__is_deleted=False)
        .order_by()
        .values_list("community_id", flat=True)
        .distinct()
    )


def _member_community_ids(user: UserLike, minimum: str = Role.READER) -> list:
    return list(_member_communities(user, minimum))


def community_principals_of(user: UserLike) -> frozenset[str]:
    """The community principals USER acts as: one per (non-deleted) community they are a member of."""
    return frozenset(community_principal(pk) for pk in _member_community_ids(user))


def parents_community_readers(parent_ids: list[str]) -> dict[str, set[str]]:
    """{parent id: community reader principals} for the communities each parent belongs to."""
    readers: dict[str, set[str]] = {pid: set() for pid in parent_ids}
    links = CommunityRecord.objects.filter(parent_id__in=parent_ids, community__is_deleted=False)
    for parent_id, community_id in links.values_list("parent_id", "community_id"):
        readers[parent_id].add(community_principal(community_id))
    return readers


def parents_readable_q(user: UserLike, prefix: str = "parent") -> Q:
    """A Q over PREFIX (a path to records.Parent): parents in a community USER is a member of."""
    # A subquery, not a list: list filters stay one statement (no query per request here).
    parents = CommunityRecord.objects.filter(community_id__in=_member_communities(user)).values("parent_id")
    return Q(**{f"{prefix}_id__in": parents})


def reads_parent(user: UserLike, parent_id: str) -> bool:
    """USER reads PARENT_ID's restricted records through a community membership (one query)."""
    return CommunityRecord.objects.filter(
        community_id__in=_member_communities(user), parent_id=parent_id
    ).exists()


def _reviewed_draft_ids(user: UserLike, curated: list | None = None):
    ids = [str(pk) for pk in (curated if curated is not None else _member_community_ids(user, Role.CURATOR))]
    return Request.objects.filter(
        type=SUBMISSION_TYPE,
        status=RequestStatus.SUBMITTED,
        receiver_type="community",
        receiver_id__in=ids,
    ).values("topic_id")


def parents_reviewed_q(user: UserLike, prefix: str = "parent") -> Q:
    """A Q over PREFIX: parents of drafts submitted for review to a community USER curates (edit level)."""
    from records.models import Draft

    curated = _member_community_ids(user, Role.CURATOR)
    if not curated:
        return Q(pk__in=[])
    parents = Draft.objects.filter(pk__in=_reviewed_draft_ids(user, curated)).values("parent_id")
    return Q(**{f"{prefix}_id__in": parents})


def reviews_parent(user: UserLike, parent_id: str) -> bool:
    """USER curates a community to which a draft of PARENT_ID is submitted (edit level on it)."""
    from records.models import Draft

    curated = _member_community_ids(user, Role.CURATOR)
    if not curated:
        return False
    return Draft.objects.filter(pk__in=_reviewed_draft_ids(user, curated), parent_id=parent_id).exists()


def draft_locked_by_review(draft_id: str) -> str | None:
    """Why DRAFT_ID may not be published or discarded directly now (None when it may).

    A draft whose review request is open waits for the community: accepting the request
    publishes it; the submitter cancels the request to publish or discard it themselves.
    """
    from communities.models import Community

    review = (
        Request.objects.filter(
            type=SUBMISSION_TYPE, status=RequestStatus.SUBMITTED, topic_type="record", topic_id=draft_id
        )
        .values_list("receiver_id", flat=True)
        .first()
    )
    if review is None:
        return None
    title = Community.objects.filter(pk=review).values_list("title", flat=True).first() or "a community"
    return (
        f"The draft is in review by {title}: it is published when a curator accepts the review; "
        "cancel the review to publish or delete it yourself."
    )
