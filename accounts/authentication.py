"""DRF authentication with personal access tokens: ``Authorization: Bearer <token>``."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from accounts.models import ApiToken, hash_token

WRITE_SCOPE = "deposit:write"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Looks a token up by its hash; an unknown or revoked token is a 401.

    A token without the ``deposit:write`` scope only reads: unsafe methods get a 403.
    """

    keyword = "bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'.")
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(raw), is_active=True, user__is_active=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if request.method not in SAFE_METHODS and WRITE_SCOPE not in (token.scopes or []):
            raise exceptions.PermissionDenied("This token may only read: it lacks the deposit:write scope.")
        now = timezone.now()
        # Write last_used at most once a minute: reads should not all become writes.
        if token.last_used is None or now - token.last_used > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Bearer"
