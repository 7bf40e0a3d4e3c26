"""Reads of accounts: the users and groups a signed-in user may look up (to share records)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import QuerySet

from accounts.models import User, Visibility
from accounts.search_fields import USER_SEARCH


def users_findable(query: str = "") -> QuerySet[User]:
    """Active, verified users with public profiles, matching QUERY (the search query language).

    A word matches the full name or the affiliations; it matches the e-mail address only for
    users who made their address public, so a search cannot reveal a hidden address.
    """
    users = User.objects.filter(
        is_active=True, email_verified_at__isnull=False, profile_visibility=Visibility.PUBLIC
    )
    return USER_SEARCH.filter(users, query).order_by("full_name", "pk")


def groups_findable(query: str = "") -> QuerySet[Group]:
    """Groups (admin-managed) whose name holds every word of QUERY."""
    groups = Group.objects.all()
    for word in query.split():
        groups = groups.filter(name__icontains=word)
    return groups.order_by("name", "pk")


def user_awaiting_verification(email: str) -> User | None:
    """The active account of EMAIL (any case) whose address is not verified yet, if any."""
    return User.objects.filter(
        email__iexact=email.strip(), is_active=True, email_verified_at__isnull=True
    ).first()
