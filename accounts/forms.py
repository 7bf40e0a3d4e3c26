"""Admin forms of accounts: the user model logs in with its e-mail address and has no username."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm

from accounts.models import User


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
