"""Account pages: registration with verification, login, password reset, profile, tokens, shared."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import ApiToken, User
from tests.records.access_helpers import grant, publish, restricted_document

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _register(client: Client, email: str = "new@example.org", django_capture_on_commit_callbacks=None):
    data = {"email": email, "full_name": "New Person", "password1": PASSWORD, "password2": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/register", data)
    assert response.status_code == 200 and b"Check your e-mail" in response.content
    return re.search(r"https?://\S+/account/verify/\S+", mail.outbox[-1].body).group(0)


def _login(client: Client, email: str, password: str = PASSWORD):
    return client.post("/account/login", {"username": email, "password": password})


def test_registration_needs_verification_before_login(django_capture_on_commit_callbacks):
    client = Client()
    link = _register(client, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    response = _login(client, "new@example.org")
    assert response.status_code == 200 and b"verify your e-mail" in response.content
    assert "_auth_user_id" not in client.session
    assert client.get(link.replace("http://testserver", "") + "x").status_code == 400  # tampered
    assert client.get(link.replace("http://testserver", "")).status_code == 302
    assert User.objects.get(email="new@example.org").email_verified_at is not None
    assert _login(client, "new@example.org").status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="new@example.org").pk)


@override_settings(ACCOUNTS_REQUIRE_EMAIL_VERIFICATION=False)
def test_verification_can_be_optional(django_capture_on_commit_callbacks):
    client = Client()
    _register(client, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert _login(client, "new@example.org").status_code == 302


def test_registration_refuses_a_taken_address(user):
    data = {"email": "OWNER@example.org", "full_name": "X", "password1": PASSWORD, "password2": PASSWORD}
    response = Client().post("/account/register", data)
    assert response.status_code == 200 and b"already exists" in response.content
    assert User.objects.count() == 1


def test_login_rotates_the_session_and_sets_safe_cookies(user):
    client = Client()
    client.get("/account/login")
    client.session["probe"] = 1
    before = client.cookies.get("sessionid")
    response = _login(client, user.email)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert before is None or cookie.value != before.value
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert _login(Client(), user.email, "wrong").status_code == 200


def test_password_reset_link_works_for_30_minutes(user):
    client = Client()
    start = timezone.now()
    with freeze_time(start):
        client.post("/account/password-reset", {"email": user.email})
        assert client.post("/account/password-reset", {"email": "nobody@example.org"}).status_code == 302
    assert len(mail.outbox) == 1  # nothing is sent to unknown addresses, and the page says the same
    path = re.search(r"https?://[^/]+(/account/password-reset/\S+)", mail.outbox[0].body).group(1)
    with freeze_time(start + datetime.timedelta(minutes=31)):
        assert b"does not work" in Client().get(path, follow=True).content
    with freeze_time(start + datetime.timedelta(minutes=29)):
        response = client.get(path, follow=True)
        assert b"Choose a new password" in response.content
        response = client.post(
            response.redirect_chain[-1][0],
            {"new_password1": "another-long-pass", "new_password2": "another-long-pass"},
        )
        assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password("another-long-pass")


def test_password_reset_link_expiry_at_the_boundary(user):
    """The link works through second 1,800 after it was made and stops the second after."""
    start = timezone.now().replace(microsecond=0)
    with freeze_time(start):
        Client().post("/account/password-reset", {"email": user.email})
    path = re.search(r"https?://[^/]+(/account/password-reset/\S+)", mail.outbox[0].body).group(1)
    with freeze_time(start + datetime.timedelta(minutes=30)):
        assert b"Choose a new password" in Client().get(path, follow=True).content
    with freeze_time(start + datetime.timedelta(minutes=30, seconds=1)):
        assert b"does not work" in Client().get(path, follow=True).content


def test_profile_and_preferences(user):
    client = Client()
    client.force_login(user)
    data = {
        "full_name": "Ada Lovelace",
        "affiliations": "Analytical Engine Institute",
        "orcid": "0000-0002-1825-0098",  # bad checksum
        "profile_visibility": "restricted",
        "email_visibility": "public",
    }
    response = client.post("/account/profile", data)
    assert response.status_code == 200 and b"Not a valid ORCID" in response.content
    assert (
        client.post(
            "/account/profile", {**data, "orcid": "https://orcid.org/0000-0002-1825-0097"}
        ).status_code
        == 302
    )
    user.refresh_from_db()
    assert (user.full_name, user.orcid, user.profile_visibility) == (
        "Ada Lovelace",
        "0000-0002-1825-0097",
        "restricted",
    )
    assert Client().get("/account/profile").status_code == 302  # log in first


def test_tokens_are_shown_once_scoped_and_revocable(user):
    record = publish(user)
    client = Client()
    client.force_login(user)
    response = client.post("/account/tokens", {"name": "read only"})
    raw = re.search(rb'<code id="new-token">([^<]+)</code>', response.content).group(1).decode()
    assert b'id="new-token"' not in client.get("/account/tokens").content  # shown once
    token = ApiToken.objects.get(user=user, name="read only")
    assert token.scopes == []
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(f"/api/records/{record.pk}").status_code == 200
    assert api.post(f"/api/records/{record.pk}/draft").status_code == 403  # read-only token
    writer = client.post("/account/tokens", {"name": "writer", "scopes": ["deposit:write"]})
    raw_writer = re.search(rb'<code id="new-token">([^<]+)</code>', writer.content).group(1).decode()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_writer}")
    assert api.post(f"/api/records/{record.pk}/draft").status_code == 201
    assert client.post(f"/account/tokens/{token.pk}/revoke").status_code == 302
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(f"/api/records/{record.pk}").status_code == 401
    other = Client()
    other.force_login(User.objects.create_user("x@example.org", PASSWORD))
    writer_row = ApiToken.objects.get(user=user, name="writer")
    assert other.post(f"/account/tokens/{writer_row.pk}/revoke").status_code == 404  # not theirs


def test_shared_with_me_lists_grants(user, other_user):
    record = publish(user, restricted_document())
    client = Client()
    client.force_login(other_user)
    assert record.pk.encode() not in client.get("/account/shared").content
    grant(user, record.pk, other_user, "view")
    assert f"/records/{record.pk}".encode() in client.get("/account/shared").content


def test_logout_asks_then_logs_out(user):
    client = Client()
    client.force_login(user)
    assert b"Log out?" in client.get("/account/logout").content
    assert "_auth_user_id" in client.session
    assert client.post("/account/logout").status_code == 302
    assert "_auth_user_id" not in client.session
