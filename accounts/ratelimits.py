"""Rate limits of the pages anonymous visitors POST to: login, registration, password reset,
verification re-send, access requests (django-ratelimit counters in the default cache).

The limits are ``settings.PAGE_RATE_LIMITS`` (one env variable each). Over a limit the page
answers 429 with ``Retry-After`` (seconds until the window ends) and says so; nothing else runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str:
    """The client's address, as the API limits count it (X-Forwarded-For behind the proxy)."""
    return BaseThrottle().get_ident(request)


def typed_account(group: str, request: HttpRequest) -> str:
    """The e-mail address typed in the login form, normalized (the per-account login key)."""
    return request.POST.get("username", "").strip().lower()


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The page shown over a limit: 429 with Retry-After."""
    retry_after = max(1, int(retry_after))
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def over_limit(request: HttpRequest, name: str, key: str | Callable = "ip") -> int | None:
    """Count this POST against limit NAME; the seconds to wait when it is over, else None."""
    usage = get_usage(
        request,
        group=f"pages.{name}",
        key=key,
        rate=settings.PAGE_RATE_LIMITS[name],
        method="POST",
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        return usage["time_left"]
    return None


def limit_posts(*limits: tuple[str, str | Callable]) -> Callable:
    """Decorate a view: each POST counts against every (limit name, key); any over it gives 429.

    Every limit is counted on every POST (so a client cannot spread attempts over keys).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            waits = [over_limit(request, name, key) for name, key in limits]
            waits = [wait for wait in waits if wait is not None]
            if waits:
                return too_many_requests(request, max(waits))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


__all__ = ["client_address", "limit_posts", "too_many_requests"]
