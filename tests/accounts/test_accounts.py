"""Users log in by e-mail; tokens are stored hashed, shown once, accepted as Bearer."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken, User, hash_token

pytestmark = pytest.mark.django_db


def test_create_user_with_email_login():
    user = User.objects.create_user("Ada@Example.org", "s3cret-pass")
    assert user.email == "ada@example.org"
    assert User.USERNAME_FIELD == "email"
    assert user.check_password("s3cret-pass")
    assert User.objects.get_by_natural_key("ADA@example.org") == user


def test_create_user_command(capsys):
    call_command("create_user", "curator@example.org", "--password", "pw-123456", "--admin")
    user = User.objects.get(email="curator@example.org")
    assert user.is_superuser and user.is_staff and user.check_password("pw-123456")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "curator@example.org", "--password", "x")
    with pytest.raises(CommandError):
        call_command("create_user", "not-an-email", "--password", "x")


def test_create_token_prints_only_the_token(user):
    out = StringIO()
    call_command("create_token", user.email, "--name", "laptop", stdout=out)
    raw = out.getvalue().strip()
    assert "\n" not in raw and len(raw) >= 40
    token = ApiToken.objects.get(user=user, name="laptop")
    assert token.token_hash == hash_token(raw) and raw not in token.token_hash
    with pytest.raises(CommandError):
        call_command("create_token", "nobody@example.org")


def test_bearer_token_authenticates(user):
    out = StringIO()
    call_command("create_token", user.email, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    assert client.get("/api/user/records").status_code == 200
    assert ApiToken.objects.get(user=user).last_used is not None


def test_bad_or_revoked_token_is_401(user):
    out = StringIO()
    call_command("create_token", user.email, stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer wrong")
    response = client.get("/api/user/records")
    assert response.status_code == 401 and response.json()["status"] == 401
    ApiToken.objects.update(is_active=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    assert client.get("/api/user/records").status_code == 401


def test_session_login_for_browsers(client, user):
    assert client.login(username="owner@example.org", password="correct-horse-battery")
    assert client.get("/api/user/records").status_code == 200
