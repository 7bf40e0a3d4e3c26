"""Account pages: log in/out, register and verify, password reset, profile, tokens, shared with me.

Views parse forms, call accounts.services (or records.access) and render. The forms anonymous
visitors POST to are rate-limited (accounts.ratelimits, settings.PAGE_RATE_LIMITS).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods, require_POST

from accounts import orcid, selectors, services
from accounts.forms import (
    LoginForm,
    OrcidSignupForm,
    ProfileForm,
    RegistrationForm,
    ResendVerificationForm,
    TokenForm,
)
from accounts.models import ApiToken
from accounts.ratelimits import limit_posts, typed_account
from repository.exceptions import Conflict, NotFound

VERIFY_SALT = "accounts.verify-email"


@method_decorator(limit_posts(("login", "ip"), ("login_account", typed_account)), name="dispatch")
class LoginView(auth_views.LoginView):
    """Log in with e-mail and password (Django rotates the session key on login)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "orcid_enabled": orcid.enabled()}


class LogoutView(auth_views.LogoutView):
    """Log out: GET asks to confirm (a link cannot log anyone out), POST logs out."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return render(request, "accounts/logout.html")


def _send_verification(request: HttpRequest, user_id: int, email: str) -> None:
    token = signing.dumps(user_id, salt=VERIFY_SALT)
    url = request.build_absolute_uri(reverse("accounts:verify", args=[token]))
    transaction.on_commit(
        lambda: send_mail(
            f"[{settings.SITE_NAME}] Verify your e-mail address",
            f"Follow this link to verify your address and activate your account:\n{url}\n",
            None,
            [email],
        )
    )


@require_http_methods(["GET", "POST"])
@limit_posts(("register", "ip"))
def register(request: HttpRequest) -> HttpResponse:
    """Create an account; it logs in once its e-mail address is verified (when so configured)."""
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = services.user_create(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
                verified=False,
            )
            _send_verification(request, user.pk, user.email)
        return render(request, "accounts/register_done.html", {"email": user.email})
    return render(request, "accounts/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
@limit_posts(("register", "ip"))
def orcid_signup(request: HttpRequest) -> HttpResponse:
    """After a first ORCID sign-in: the e-mail address (and name) of the new account."""
    pending = orcid.pending_signup(request)
    if pending is None:
        messages.error(request, "Sign in with ORCID first.")
        return redirect("accounts:login")
    form = OrcidSignupForm(request.POST or None, initial={"full_name": pending.get("name", "")})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = services.user_create_from_orcid(
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    orcid=pending["orcid"],
                )
                if settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION:
                    _send_verification(request, user.pk, user.email)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(orcid.SESSION_SIGNUP, None)
            if settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION:
                return render(request, "accounts/register_done.html", {"email": user.email})
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(settings.LOGIN_REDIRECT_URL)
    context = {"form": form, "orcid": pending["orcid"]}
    return render(request, "accounts/orcid_signup.html", context)


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the verification e-mail."""
    try:
        user_id = signing.loads(token, salt=VERIFY_SALT, max_age=settings.ACCOUNTS_VERIFICATION_MAX_AGE)
        services.user_verify_email(user_id=int(user_id))
    except (signing.BadSignature, NotFound, ValueError, TypeError):
        return render(request, "accounts/verify_failed.html", status=400)
    messages.success(request, "Your e-mail address is verified. You may log in.")
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
@limit_posts(("verification_resend", "ip"))
def verification_resend(request: HttpRequest) -> HttpResponse:
    """Send a new verification link; the answer never says whether the address has an account."""
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = selectors.user_awaiting_verification(form.cleaned_data["email"])
        if user is not None:
            _send_verification(request, user.pk, user.email)
        return render(request, "accounts/register_done.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/verification_resend.html", {"form": form})


@method_decorator(limit_posts(("password_reset", "ip")), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link (valid PASSWORD_RESET_TIMEOUT seconds; never says whether the address exists)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Profile (full name, affiliations, ORCID iD) and preferences (visibility)."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(actor=request.user, **{f: form.cleaned_data[f] for f in form.fields})
        messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "orcid_enabled": orcid.enabled()})


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """Personal access tokens: create (the token is shown this once), list."""
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        _, created = services.token_create(
            user=request.user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
        )
        form = TokenForm()
    rows = ApiToken.objects.filter(user=request.user, is_active=True)
    response = render(request, "accounts/tokens.html", {"form": form, "tokens": rows, "created": created})
    response["Cache-Control"] = "no-store"  # the page may hold a fresh token
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke a token: it stops working at once."""
    try:
        services.token_revoke(actor=request.user, token_id=token_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "Token revoked.")
    return redirect("accounts:tokens")


@login_required
@require_http_methods(["GET", "POST"])
def shared_with_me(request: HttpRequest) -> HttpResponse:
    """Records shared with me (grants to me or my groups) and records offered to me."""
    from records.access import requests as access_requests
    from records.access.selectors import shared_with

    if request.method == "POST":
        service = (
            access_requests.transfer_accept
            if request.POST.get("action") == "accept"
            else access_requests.transfer_decline
        )
        try:
            service(actor=request.user, transfer_id=request.POST.get("transfer", ""))
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Conflict as exc:
            messages.error(request, exc.message)
        return redirect("accounts:shared")
    context = {"shared": shared_with(request.user), "offers": access_requests.offers_to(request.user)}
    return render(request, "accounts/shared.html", context)
