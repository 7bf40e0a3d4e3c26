"""Every write to accounts goes through these functions."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import TOKEN_SCOPES, ApiToken, User, all_scopes, hash_token
from repository.exceptions import Conflict, NotFound


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    is_admin: bool = False,
    full_name: str = "",
    verified: bool = True,
) -> User:
    """Create a user (an admin is staff and superuser); operators' users count as verified."""
    if User.objects.filter(email__iexact=email).exists():
        raise ValueError(f"A user with e-mail {email} already exists.")
    extra = {"full_name": full_name, "email_verified_at": timezone.now() if verified else None}
    if is_admin:
        return User.objects.create_superuser(email, password, **extra)
    return User.objects.create_user(email, password, **extra)


@transaction.atomic
def user_create_from_orcid(*, email: str, full_name: str, orcid: str) -> User:
    """A first ORCID sign-in creates an account: no password, the iD ORCID confirmed signs in.

    The e-mail address is the one the person typed, unverified until they follow the link
    sent to it; an address or iD that already has an account is a Conflict (never linked).
    """
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            "An account with this e-mail address exists: log in with it and link ORCID in your profile."
        )
    if User.objects.filter(orcid_login=orcid).exists():
        raise Conflict("This ORCID iD is already linked to an account.")
    user = User.objects.create_user(email, None, full_name=full_name, email_verified_at=None)
    user.orcid_login = orcid
    user.orcid = orcid
    user.save(update_fields=["orcid_login", "orcid"])
    return user


@transaction.atomic
def token_create(*, user: User, name: str, scopes: list[str] | None = None) -> tuple[ApiToken, str]:
    """Create a personal access token; returns the row and the raw token (shown once)."""
    raw = ApiToken.generate()
    chosen = all_scopes() if scopes is None else [scope for scope in TOKEN_SCOPES if scope in scopes]
    token = ApiToken.objects.create(
        user=user, name=name, token_hash=hash_token(raw), prefix=raw[:8], scopes=chosen
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User, token_id: int) -> None:
    """Revoke one of the actor's tokens: it stops working at once."""
    updated = ApiToken.objects.filter(pk=token_id, user=actor, is_active=True).update(is_active=False)
    if not updated:
        raise NotFound("No such token.")


@transaction.atomic
def user_verify_email(*, user_id: int) -> User:
    """Mark the user's e-mail address as verified (they followed the link sent to it)."""
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("No such user.")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


PROFILE_FIELDS = ("full_name", "affiliations", "orcid", "profile_visibility", "email_visibility")


@transaction.atomic
def user_update_profile(*, actor: User, **changes: str) -> User:
    """Change the actor's own profile and preferences (already validated by the form)."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    for key, value in changes.items():
        setattr(actor, key, value)
    actor.save(update_fields=list(changes))
    return actor
