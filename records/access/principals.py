"""Who a user is, for the policy: their access level on a parent and the principals they act as.

Principals are strings search backends can store and match: ``"user:<id>"``,
``"group:<id>"``, ``"link:<uuid>"`` and ``"community:<id>:reader"`` (members of a community
read its restricted records; its curators edit drafts submitted to it while the review is open:
communities.access).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet, Value
from django.utils import timezone

from records.access import levels
from records.access.links import presented_links
from records.access.models import ParentGroupGrant, ParentUserGrant, SecretLink, active_q
from repository.permissions import UserLike, is_admin


def user_principal(user_id: int) -> str:
    return f"user:{user_id}"


def group_principal(group_id: int) -> str:
    return f"group:{group_id}"


def link_principal(link_id: str) -> str:
    return f"link:{link_id}"


def expiring_grant_principal(subject_type: str, grant_id: int) -> str:
    """One grant that has an expiry: ``"grant:user:<grant id>"`` or ``"grant:group:<grant id>"``.

    Search indexes store this principal instead of ``user:<id>``/``group:<id>`` for a grant with
    an expiry, and ``principals_of`` hands it out only while the grant is active, so an index
    stops matching the grantee the instant the grant expires, without waiting for a reindex.
    """
    return f"grant:{subject_type}:{grant_id}"


def is_member(user: UserLike) -> bool:
    """An authenticated, active user (anonymous visitors and disabled accounts are not)."""
    return bool(user and user.is_authenticated and user.is_active)


def link_level_cap(user: UserLike) -> str:
    """Anonymous link holders may view and preview; editing through a link needs an account."""
    return levels.EDIT if is_member(user) else levels.PREVIEW


def access_level(user: UserLike, parent) -> int:
    """USER's level on PARENT as a rank (levels.NONE when none): admins and owners manage."""
    if is_admin(user) or (is_member(user) and parent.owner_id == user.pk):
        return levels.rank(levels.MANAGE)
    best = levels.NONE
    cap = levels.rank(link_level_cap(user))
    for link in presented_links():
        if link.parent_id == parent.pk:
            best = max(best, min(levels.rank(link.permission), cap))
    if not is_member(user):
        return best
    now = timezone.now()
    grants = (
        ParentUserGrant.objects.filter(active_q(now=now), content_object_id=parent.pk, user=user)
        .values_list("permission__codename", flat=True)
        .union(
            ParentGroupGrant.objects.filter(
                active_q(now=now), content_object_id=parent.pk, group__user=user
            ).values_list("permission__codename", flat=True)
        )
    )
    for name in grants:
        best = max(best, levels.rank(levels.level_of_codename(name)))
    if best < levels.rank(levels.EDIT):
        from communities import access as community_access

        if community_access.reviews_parent(user, parent.pk):
            best = levels.rank(levels.EDIT)
        elif best < levels.rank(levels.VIEW) and community_access.reads_parent(user, parent.pk):
            best = levels.rank(levels.VIEW)
    return best


def parents_granted(user: UserLike, level: str, *, prefix: str = "parent") -> Q:
    """A Q over PREFIX (a path to records.Parent) matching the parents USER has LEVEL or more on.

    Owners, grants to the user or their groups, and presented secret links; not admins
    (callers let admins see everything before asking).
    """
    condition = Q(pk__in=[])
    cap = levels.rank(link_level_cap(user))
    link_parents = [
        link.parent_id
        for link in presented_links()
        if min(levels.rank(link.permission), cap) >= levels.rank(level)
    ]
    if link_parents:
        condition |= Q(**{f"{prefix}_id__in": link_parents})
    if not is_member(user):
        return condition
    now = timezone.now()
    codenames = levels.codenames_at_least(level)
    user_grants: QuerySet = ParentUserGrant.objects.filter(
        active_q(now=now), user=user, permission__codename__in=codenames
    ).values("content_object_id")
    group_grants: QuerySet = ParentGroupGrant.objects.filter(
        active_q(now=now), group__user=user, permission__codename__in=codenames
    ).values("content_object_id")
    condition = (
        condition
        | Q(**{f"{prefix}__owner": user})
        | Q(**{f"{prefix}_id__in": user_grants})
        | Q(**{f"{prefix}_id__in": group_grants})
    )
    from communities import access as community_access

    if levels.rank(level) <= levels.rank(levels.VIEW):
        condition |= community_access.parents_readable_q(user, prefix)
    if levels.rank(level) <= levels.rank(levels.EDIT):
        condition |= community_access.parents_reviewed_q(user, prefix)
    return condition


def principals_of(user: UserLike) -> frozenset[str]:
    """The principals USER acts as now: themselves, their groups, the secret links they present.

    Also one principal per grant with an expiry that is still active now (``expiring_grant_principal``),
    to themselves or to one of their groups: expiry is decided at query time, never by the index.
    """
    principals = {link_principal(link.id) for link in presented_links()}
    if is_member(user):
        principals.add(user_principal(user.pk))
        principals.update(group_principal(gid) for gid in user.groups.values_list("pk", flat=True))
        principals.update(active_expiring_grant_principals(user))
        from communities.access import community_principals_of

        principals.update(community_principals_of(user))
    return frozenset(principals)


def active_expiring_grant_principals(user: UserLike, *, now=None) -> set[str]:
    """The ``expiring_grant_principal`` of every grant with an expiry USER holds, active at NOW."""
    now = now or timezone.now()
    rows = (
        ParentUserGrant.objects.filter(user=user, expires_at__gt=now)
        .annotate(kind=Value("user"))
        .values_list("kind", "pk")
        .union(
            ParentGroupGrant.objects.filter(group__user=user, expires_at__gt=now)
            .annotate(kind=Value("group"))
            .values_list("kind", "pk")
        )
    )
    return {expiring_grant_principal(kind, pk) for kind, pk in rows}


def parent_readers(parent_id: str, owner_id: int | None) -> frozenset[str]:
    """Principals who may read the parent's records however restricted: owner, grants, links.

    Every grant level and every secret link includes viewing. Expired grants and links are
    left out. A grant with an expiry is listed as ``expiring_grant_principal`` (held by the
    grantee only while it is active) and a link as ``link:<uuid>`` (presented only while it is
    active), so an index that keeps these principals stops matching at the expiry instant.
    """
    return parents_readers({parent_id: owner_id})[parent_id]


def parents_readers(owners: dict[str, int | None]) -> dict[str, frozenset[str]]:
    """parent_readers for many parents ({parent id: owner id}) in four queries (bulk indexing)."""
    now = timezone.now()
    readers: dict[str, set[str]] = {
        pid: ({user_principal(owner)} if owner is not None else set()) for pid, owner in owners.items()
    }
    ids = list(owners)
    for model, key, principal in (
        (ParentUserGrant, "user_id", user_principal),
        (ParentGroupGrant, "group_id", group_principal),
    ):
        rows = model.objects.filter(active_q(now=now), content_object_id__in=ids)
        subject_type = key.removesuffix("_id")
        for parent_id, subject, grant_id, expires_at in rows.values_list(
            "content_object_id", key, "pk", "expires_at"
        ):
            if expires_at is None:
                readers[parent_id].add(principal(subject))
            else:
                readers[parent_id].add(expiring_grant_principal(subject_type, grant_id))
    links = SecretLink.objects.filter(active_q(now=now), parent_id__in=ids).values_list("parent_id", "id")
    for parent_id, link_id in links:
        readers[parent_id].add(link_principal(str(link_id)))
    from communities.access import parents_community_readers

    for parent_id, principals in parents_community_readers(ids).items():
        readers[parent_id].update(principals)
    return {pid: frozenset(values) for pid, values in readers.items()}
