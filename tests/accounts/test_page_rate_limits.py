"""Rate limits of the pages anonymous visitors POST to: 429 with Retry-After and a page saying so."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

from accounts.services import user_create
from tests.records.access_helpers import publish, restricted_document

pytestmark = pytest.mark.django_db

# Hour windows throughout: django-ratelimit counts in fixed windows, and a test whose posts
# straddle the end of a minute window saw its counter reset (a CI failure on PostgreSQL).
LIMITS = {
    "login": "3/h",
    "login_account": "2/h",
    "register": "2/h",
    "password_reset": "2/h",
    "verification_resend": "2/h",
    "access_request": "2/h",
}


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def assert_limited(response) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert b"Too many attempts" in response.content
    assert f"wait {response['Retry-After']} second".encode() in response.content


def test_defaults_come_from_one_setting():
    assert set(settings.PAGE_RATE_LIMITS) == set(LIMITS)
    assert settings.PAGE_RATE_LIMITS["login"] == "30/m"


@override_settings(PAGE_RATE_LIMITS=LIMITS)
def test_login_is_limited_per_address_and_per_account():
    user_create(email="someone@example.org", password="correct-horse-battery", verified=True)
    attacker = from_address("203.0.113.5")
    for n in range(2):
        response = attacker.post("/account/login", {"username": f"x{n}@example.org", "password": "bad"})
        assert response.status_code == 200  # the form again, with its error
    attacker.post("/account/login", {"username": "x3@example.org", "password": "bad"})
    assert_limited(attacker.post("/account/login", {"username": "x4@example.org", "password": "bad"}))
    assert attacker.get("/account/login").status_code == 200  # only POSTs count
    # Per account, from other addresses: two tries on someone@ then 429, even with the right password.
    for address in ("198.51.100.1", "198.51.100.2"):
        wrong = {"username": "someone@example.org", "password": "bad"}
        assert from_address(address).post("/account/login", wrong).status_code == 200
    right = {"username": "SomeOne@example.org", "password": "correct-horse-battery"}
    visitor = from_address("198.51.100.3")
    assert_limited(visitor.post("/account/login", right))
    assert "_auth_user_id" not in visitor.session
    # Another account from a fresh address is not affected.
    other = {"username": "other@example.org", "password": "bad"}
    assert from_address("198.51.100.4").post("/account/login", other).status_code == 200


@override_settings(PAGE_RATE_LIMITS=LIMITS, ACCOUNTS_REQUIRE_EMAIL_VERIFICATION=True)
def test_registration_is_limited_and_the_limited_post_creates_nothing():
    from accounts.models import User

    client = from_address("203.0.113.6")
    for n in range(2):
        data = {
            "email": f"new{n}@example.org",
            "full_name": "N",
            "password1": "Sx9!pqlm-ZZ",
            "password2": "Sx9!pqlm-ZZ",
        }
        assert client.post("/account/register", data).status_code == 200
    data = {
        "email": "new9@example.org",
        "full_name": "N",
        "password1": "Sx9!pqlm-ZZ",
        "password2": "Sx9!pqlm-ZZ",
    }
    assert_limited(client.post("/account/register", data))
    assert not User.objects.filter(email="new9@example.org").exists()
    assert User.objects.filter(email__startswith="new").count() == 2


@override_settings(PAGE_RATE_LIMITS=LIMITS)
def test_password_reset_is_limited_and_sends_nothing_over_it():
    user_create(email="someone@example.org", password="correct-horse-battery", verified=True)
    client = from_address("203.0.113.7")
    for _ in range(2):
        assert client.post("/account/password-reset", {"email": "someone@example.org"}).status_code == 302
    assert len(mail.outbox) == 2
    assert_limited(client.post("/account/password-reset", {"email": "someone@example.org"}))
    assert len(mail.outbox) == 2


@override_settings(PAGE_RATE_LIMITS=LIMITS)
def test_verification_resend_sends_a_new_link_and_is_limited(django_capture_on_commit_callbacks):
    user_create(email="waiting@example.org", password="correct-horse-battery", verified=False)
    client = from_address("203.0.113.8")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/verify/resend", {"email": "Waiting@example.org"})
    assert response.status_code == 200 and b"Check your e-mail" in response.content
    assert len(mail.outbox) == 1 and "/account/verify/" in mail.outbox[0].body
    # An unknown address gets the same answer and no e-mail (nothing to learn from it).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/verify/resend", {"email": "nobody@example.org"})
    assert response.status_code == 200 and b"Check your e-mail" in response.content
    assert len(mail.outbox) == 1
    assert_limited(client.post("/account/verify/resend", {"email": "waiting@example.org"}))


@override_settings(PAGE_RATE_LIMITS=LIMITS)
def test_access_request_form_is_limited(user):
    from records.access import requests as access_requests
    from records.access.models import AccessRequest

    record = publish(user, restricted_document() | {"access": {"record": "public", "files": "restricted"}})
    access_requests.access_settings_update(
        actor=user, record_id=record.pk, settings={"allow_guest_requests": True}
    )
    client = from_address("203.0.113.9")
    url = f"/records/{record.pk}/request-access"
    for n in range(2):
        data = {"email": f"guest{n}@example.org", "full_name": "G", "message": "please"}
        assert client.post(url, data).status_code == 302
    assert_limited(client.post(url, {"email": "guest9@example.org", "full_name": "G", "message": "please"}))
    assert AccessRequest.objects.filter(parent=record.parent).count() == 2
    # Another address still may.
    data = {"email": "guest8@example.org", "full_name": "G", "message": "please"}
    assert from_address("203.0.113.10").post(url, data).status_code == 302
