"""Every write to accounts goes through these functions."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token


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
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal access token; returns the row and the raw token (shown once)."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name, token_hash=hash_token(raw), prefix=raw[:8])
    return token, raw
