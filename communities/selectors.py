"""Reads of communities as a user may see them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from communities.models import Community, CommunityRecord, FeaturedCommunity, SlugRedirect, Visibility
from communities.permissions import community_policy
from repository.exceptions import Gone, NotFound
from repository.permissions import UserLike


@dataclass(frozen=True)
class Lookup:
    """A community found by id or slug; ``moved`` when an old slug was used."""

    community: Community
    moved: bool = False


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def community_find(id_or_slug: str) -> Lookup | None:
    """The community with this id, slug or old slug (deleted ones too), without permission checks."""
    pk = _parse_uuid(id_or_slug)
    community = Community.objects.filter(pk=pk).first() if pk else None
    if community is None:
        community = Community.objects.filter(slug=id_or_slug).first()
    if community is not None:
        return Lookup(community)
    redirect = SlugRedirect.objects.select_related("community").filter(slug=id_or_slug).first()
    return Lookup(redirect.community, moved=True) if redirect else None


def community_lookup(actor: UserLike, id_or_slug: str) -> Lookup:
    """A community the actor may read: 404 when unknown or invisible, 410 with tombstone when deleted."""
    found = community_find(id_or_slug)
    if found is None:
        raise NotFound("Community not found.")
    community = found.community
    if community.is_deleted:
        if community_policy.can(actor, "read_deleted", community) or community_policy.can(
            actor, "restore", community
        ):
            return found
        raise Gone("The community has been deleted.", tombstone=community.tombstone or {})
    if not community_policy.can(actor, "read", community):
        raise NotFound("Community not found.")
    return found


def community_get(actor: UserLike, id_or_slug: str) -> Community:
    """A community the actor may read (see community_lookup)."""
    return community_lookup(actor, id_or_slug).community


def featured_communities(actor: UserLike) -> QuerySet:
    """Communities featured now (start date passed) that the actor may see, most recent first."""
    now = timezone.now()
    featured = FeaturedCommunity.objects.filter(start_date__lte=now)
    return community_policy.filter_visible(actor, Community.objects.filter(featured__in=featured)).distinct()


def community_parent_ids(community: Community) -> QuerySet:
    """Parent ids of the records included in COMMUNITY."""
    return CommunityRecord.objects.filter(community=community).values("parent_id")


def public_community_sets() -> list[tuple[str, list[str]]]:
    """Every public community as an OAI-PMH set: (``community-<slug>``, ids of its published records).

    For the OAI-PMH endpoint; only public (and not deleted) records count.
    """
    from records.models import Record

    result = []
    for community in Community.objects.filter(is_deleted=False, visibility=Visibility.PUBLIC).order_by(
        "slug"
    ):
        records = Record.objects.filter(
            parent_id__in=community_parent_ids(community), deletion_status="P"
        ).exclude(json__access__record="restricted")
        result.append((f"community-{community.slug}", sorted(records.values_list("pk", flat=True))))
    return result
