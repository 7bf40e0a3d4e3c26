"""Sign in with ORCID (OAuth 2.0, scope /authenticate), configured by ORCID_* settings.

An account signs in with the ORCID iD that ORCID itself confirmed for it: a signed-in user
links their iD by going through the flow once (the iD typed into a profile never signs in).
A first sign-in with an iD no account has creates one (``ORCID_SIGNUP``): the confirmed iD waits
in the session while the person gives an e-mail address, verified as for registration; an
existing account is never linked by e-mail address.
"""

from __future__ import annotations

import logging
import time

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749 import OAuth2Error
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.models import User

logger = logging.getLogger(__name__)
SESSION_STATE = "orcid_oauth_state"
SESSION_SIGNUP = "orcid_signup"
SCOPE = "/authenticate"


def enabled() -> bool:
    return bool(settings.ORCID_CLIENT_ID and settings.ORCID_CLIENT_SECRET)


def signup_enabled() -> bool:
    """A first ORCID sign-in creates an account (ORCID_SIGNUP, on by default with ORCID configured)."""
    return enabled() and settings.ORCID_SIGNUP


def _session(request: HttpRequest, **kwargs) -> OAuth2Session:
    return OAuth2Session(
        settings.ORCID_CLIENT_ID,
        settings.ORCID_CLIENT_SECRET,
        scope=SCOPE,
        redirect_uri=request.build_absolute_uri(reverse("accounts:orcid-callback")),
        **kwargs,
    )


@require_safe
def orcid_login(request: HttpRequest) -> HttpResponse:
    """Send the browser to ORCID to authenticate."""
    if not enabled():
        raise Http404("ORCID sign-in is not configured.")
    url, state = _session(request).create_authorization_url(f"{settings.ORCID_BASE_URL}/oauth/authorize")
    request.session[SESSION_STATE] = state
    return redirect(url)


@transaction.atomic
def _link(user: User, orcid: str) -> None:
    user.orcid_login = orcid
    user.orcid = user.orcid or orcid
    user.save(update_fields=["orcid_login", "orcid"])


@require_safe
def orcid_callback(request: HttpRequest) -> HttpResponse:
    """ORCID sends the browser back here with a code: exchange it for the confirmed iD."""
    if not enabled():
        raise Http404("ORCID sign-in is not configured.")
    state = request.session.pop(SESSION_STATE, None)
    if not state or request.GET.get("state") != state or "code" not in request.GET:
        messages.error(request, "The ORCID sign-in was interrupted or forged; please try again.")
        return redirect("accounts:login")
    try:
        token = _session(request, state=state).fetch_token(
            f"{settings.ORCID_BASE_URL}/oauth/token",
            code=request.GET["code"],
            timeout=settings.ORCID_TIMEOUT_SECONDS,
        )
    except (OAuthError, OAuth2Error, requests.RequestException, ValueError) as exc:
        logger.warning("ORCID token exchange failed: %r", exc)
        messages.error(request, f"ORCID did not confirm the sign-in ({type(exc).__name__}).")
        return redirect("accounts:login")
    orcid = str(token.get("orcid") or "")
    if not orcid:
        messages.error(request, "ORCID did not return an iD.")
        return redirect("accounts:login")
    if request.user.is_authenticated:
        try:
            _link(request.user, orcid)
        except IntegrityError:
            messages.error(request, "This ORCID iD is already linked to another account.")
            return redirect("accounts:profile")
        messages.success(request, f"ORCID iD {orcid} linked: you may now sign in with ORCID.")
        return redirect("accounts:profile")
    user = User.objects.filter(orcid_login=orcid).first()
    if user is None and signup_enabled():
        request.session[SESSION_SIGNUP] = {
            "orcid": orcid,
            "name": str(token.get("name") or ""),
            "at": time.time(),
        }
        return redirect("accounts:orcid-signup")
    if user is None or not user.is_active:
        messages.error(
            request,
            f"No account is linked to ORCID iD {orcid}. Log in (or register), then link it in your profile.",
        )
        return redirect("accounts:login")
    if settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION and user.email_verified_at is None:
        messages.error(request, "Please verify your e-mail address first: follow the link we sent you.")
        return redirect("accounts:login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(settings.LOGIN_REDIRECT_URL)


def pending_signup(request: HttpRequest) -> dict | None:
    """The iD (and name) ORCID confirmed in this session for a sign-up, if recent enough."""
    pending = request.session.get(SESSION_SIGNUP)
    if not isinstance(pending, dict) or not signup_enabled():
        return None
    if time.time() - float(pending.get("at", 0)) > settings.ORCID_SIGNUP_MAX_AGE:
        request.session.pop(SESSION_SIGNUP, None)
        return None
    return pending
