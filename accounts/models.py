"""Users log in with their e-mail address; API clients use personal tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    """Creates users keyed by a normalized e-mail address."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


class Visibility(models.TextChoices):
    PUBLIC = "public", "public"
    RESTRICTED = "restricted", "restricted"


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account; the e-mail address is the login."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=255, blank=True)
    affiliations = models.CharField(max_length=255, blank=True, help_text="Where the person works.")
    orcid = models.CharField("ORCID iD", max_length=19, blank=True, help_text="0000-0002-1825-0097")
    orcid_login = models.CharField(
        "ORCID iD for sign-in",
        max_length=19,
        null=True,
        blank=True,
        unique=True,
        help_text="The iD ORCID confirmed (OAuth) for this account; only it signs in with ORCID.",
    )
    email_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person proved they own the address (None: not yet)."
    )
    profile_visibility = models.CharField(
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text="Public profiles can be found by other users (to share records with them).",
    )
    email_visibility = models.CharField(
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.RESTRICTED,
        help_text="Whether other users see the e-mail address.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log into the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.email


def hash_token(raw: str) -> str:
    """Tokens are stored as SHA-256 digests: a database leak reveals no usable token."""
    return hashlib.sha256(raw.encode()).hexdigest()


TOKEN_SCOPES = {
    "deposit:write": "Create and change records and drafts, share them",
}


def all_scopes() -> list[str]:
    return list(TOKEN_SCOPES)


class ApiToken(models.Model):
    """A personal access token; only its hash is stored, the token is shown once.

    Without the ``deposit:write`` scope a token only reads (safe methods).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=8, editable=False, help_text="First characters, to recognise a token."
    )
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    scopes = models.JSONField(default=all_scopes, blank=True, help_text="What the token may do.")

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> str:
        return secrets.token_urlsafe(36)
