"""Secret-link tokens presented with a request (``?token=``), as the policy sees them.

The token is resolved once per request by :class:`SecretLinkMiddleware` into the link it
names, if that link exists and has not expired; the policy then reads it through
:func:`presented_links`. A context variable carries it, so the API, the pages and the file
downloads all honour it without each view passing it along; code that runs outside a
request (Celery, commands) presents no link.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS, BasePermission

TOKEN_PARAMETER = "token"  # noqa: S105 (a query parameter name)
MAX_TOKEN_LENGTH = 64


@dataclass(frozen=True)
class PresentedLink:
    """A valid secret link presented with the current request."""

    id: str
    parent_id: str
    permission: str


_presented: ContextVar[tuple[PresentedLink, ...]] = ContextVar("presented_secret_links", default=())


def presented_links() -> tuple[PresentedLink, ...]:
    """The valid secret links presented with the current request (none outside requests)."""
    return _presented.get()


def resolve_token(token: str | None) -> tuple[PresentedLink, ...]:
    """The link TOKEN names, if it exists and has not expired (else nothing)."""
    from records.access.models import SecretLink, active_q

    if not token or len(token) > MAX_TOKEN_LENGTH:
        return ()
    link = (
        SecretLink.objects.filter(active_q(now=timezone.now()), token=token)
        .values("id", "parent_id", "permission")
        .first()
    )
    if link is None:
        return ()
    return (PresentedLink(id=str(link["id"]), parent_id=link["parent_id"], permission=link["permission"]),)


@contextlib.contextmanager
def presenting(token: str | None) -> Iterator[tuple[PresentedLink, ...]]:
    """Act as if TOKEN was presented (``?token=``) for the duration of the block."""
    links = resolve_token(token)
    reset = _presented.set(links)
    try:
        yield links
    finally:
        _presented.reset(reset)


class SignedInOrSecretLinkReader(BasePermission):
    """API permission: reads pass with a valid secret link (``?token=``); all else needs an account.

    The record and draft policies then decide what the link's level allows (a 404 otherwise).
    """

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS and getattr(request._request, "secret_links", ()):
            return True
        return bool(request.user and request.user.is_authenticated)


class SecretLinkMiddleware:
    """Resolve ``?token=`` for the request; an unknown or expired token grants nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request.GET.get(TOKEN_PARAMETER)
        if not token:
            return self.get_response(request)
        with presenting(token) as links:
            request.secret_links = links
            return self.get_response(request)
