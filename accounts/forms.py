"""Forms of accounts (admin and pages): the user model logs in with its e-mail address, no username."""

from __future__ import annotations

import idutils
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm

from accounts.models import TOKEN_SCOPES, User


def _normalized_email(email: str) -> str:
    return User.objects.normalize_email(email).strip().lower()


def _check_email_free(email: str, *, exclude_pk: int | None = None) -> None:
    """E-mail addresses are unique regardless of case (login looks them up case-insensitively)."""
    if User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists():
        raise forms.ValidationError("A user with this e-mail address already exists.", code="unique")


class UserCreationForm(BaseUserCreationForm):
    """A new user: e-mail address, optional full name and a password typed twice."""

    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_email(self) -> str:
        email = _normalized_email(self.cleaned_data["email"])
        _check_email_free(email)
        return email


class UserChangeForm(BaseUserChangeForm):
    """An existing user; the password is changed on its own page."""

    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        email = _normalized_email(self.cleaned_data["email"])
        _check_email_free(email, exclude_pk=self.instance.pk)
        return email


# --- forms of the account pages ---------------------------------------------------


class LoginForm(AuthenticationForm):
    """E-mail and password; accounts whose address is not verified wait (when so configured)."""

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if settings.ACCOUNTS_REQUIRE_EMAIL_VERIFICATION and user.email_verified_at is None:
            raise forms.ValidationError(
                "Please verify your e-mail address first: follow the link we sent you.", code="unverified"
            )


class RegistrationForm(BaseUserCreationForm):
    """A new account: e-mail address, full name, a password typed twice."""

    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_email(self) -> str:
        email = _normalized_email(self.cleaned_data["email"])
        _check_email_free(email)
        return email


class ProfileForm(forms.ModelForm):
    """Profile (name, affiliations, ORCID iD) and preferences (who sees the profile and e-mail)."""

    orcid = forms.CharField(label="ORCID iD", max_length=64, required=False, help_text="0000-0002-1825-0097")

    class Meta:
        model = User
        fields = ("full_name", "affiliations", "orcid", "profile_visibility", "email_visibility")

    def clean_orcid(self) -> str:
        orcid = self.cleaned_data["orcid"].strip()
        orcid = orcid.removeprefix("https://orcid.org/")
        if orcid and not idutils.is_orcid(orcid):
            raise forms.ValidationError("Not a valid ORCID iD (e.g. 0000-0002-1825-0097).")
        return orcid


class TokenForm(forms.Form):
    """A new personal access token: a name and its scopes."""

    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(
        choices=list(TOKEN_SCOPES.items()), required=False, widget=forms.CheckboxSelectMultiple
    )


class ResendVerificationForm(forms.Form):
    """The address of an account that waits for verification."""

    email = forms.EmailField(label="E-mail address")


class OrcidSignupForm(forms.Form):
    """The e-mail address (and name) of an account created by a first ORCID sign-in."""

    email = forms.EmailField(label="E-mail address", help_text="We send a link to it to verify it.")
    full_name = forms.CharField(label="Full name", max_length=255, required=False)

    def clean_email(self) -> str:
        email = _normalized_email(self.cleaned_data["email"])
        _check_email_free(email)
        return email
