"""Sign in with ORCID against a stub OAuth 2.0 provider on loopback (a real HTTP server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings

from accounts.models import User

pytestmark = pytest.mark.django_db
ORCID = "0000-0002-1825-0097"


class StubOrcid(BaseHTTPRequestHandler):
    """Answers the token endpoint: code "good-code" with the right client gives ORCID's token JSON."""

    calls: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        StubOrcid.calls.append({"path": self.path, "form": form, "auth": self.headers.get("Authorization")})
        ok = self.path == "/oauth/token" and form.get("code") == ["good-code"]
        body = (
            {
                "access_token": "at",
                "token_type": "bearer",
                "expires_in": 3600,
                "scope": "/authenticate",
                "orcid": ORCID,
                "name": "Ada Lovelace",
            }
            if ok
            else {"error": "invalid_grant", "error_description": "bad code"}
        )
        data = json.dumps(body).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubOrcid)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    StubOrcid.calls = []
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with override_settings(ORCID_CLIENT_ID="APP-TEST", ORCID_CLIENT_SECRET="s3cret", ORCID_BASE_URL=base):
        yield base
    server.shutdown()
    server.server_close()


def _authorize(client: Client, base: str) -> str:
    response = client.get("/account/orcid/login")
    assert response.status_code == 302 and response["Location"].startswith(f"{base}/oauth/authorize?")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["client_id"] == ["APP-TEST"] and query["scope"] == ["/authenticate"]
    return query["state"][0]


def test_link_then_sign_in(provider, user):
    client = Client()
    client.force_login(user)
    state = _authorize(client, provider)
    response = client.get(f"/account/orcid/callback?code=good-code&state={state}")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.orcid_login == ORCID
    assert StubOrcid.calls[-1]["form"]["grant_type"] == ["authorization_code"]

    browser = Client()
    state = _authorize(browser, provider)
    response = browser.get(f"/account/orcid/callback?code=good-code&state={state}")
    assert response.status_code == 302 and browser.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize("signup", [True, False])
def test_a_typed_orcid_never_signs_in(provider, user, signup):
    User.objects.filter(pk=user.pk).update(orcid=ORCID)  # typed into the profile, not confirmed
    browser = Client()
    with override_settings(ORCID_SIGNUP=signup):
        state = _authorize(browser, provider)
        response = browser.get(f"/account/orcid/callback?code=good-code&state={state}", follow=True)
    assert "_auth_user_id" not in browser.session
    if signup:  # a sign-up form for a new account, never this one
        assert response.redirect_chain[-1][0] == "/account/orcid/signup"
    else:
        assert b"No account is linked" in response.content
    user.refresh_from_db()
    assert user.orcid_login is None


def test_forged_state_and_bad_code_are_refused(provider, user):
    User.objects.filter(pk=user.pk).update(orcid_login=ORCID)
    browser = Client()
    _authorize(browser, provider)
    browser.get("/account/orcid/callback?code=good-code&state=forged")
    assert "_auth_user_id" not in browser.session
    state = _authorize(browser, provider)
    response = browser.get(f"/account/orcid/callback?code=bad&state={state}", follow=True)
    assert "_auth_user_id" not in browser.session and b"did not confirm" in response.content


def test_off_without_configuration():
    assert Client().get("/account/orcid/login").status_code == 404


# --- sign-up: a first ORCID sign-in creates an account -----------------------------


def _first_sign_in(browser: Client, base: str):
    state = _authorize(browser, base)
    return browser.get(f"/account/orcid/callback?code=good-code&state={state}")


def test_first_sign_in_creates_an_account_verified_by_email(provider, django_capture_on_commit_callbacks):
    browser = Client()
    response = _first_sign_in(browser, provider)
    assert response.status_code == 302 and response["Location"] == "/account/orcid/signup"
    page = browser.get("/account/orcid/signup").content.decode()
    assert ORCID in page and 'value="Ada Lovelace"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/account/orcid/signup", {"email": "Ada@Example.org", "full_name": "Ada Lovelace"}
        )
    assert response.status_code == 200 and b"Check your e-mail" in response.content
    created = User.objects.get(email="ada@example.org")
    assert (created.orcid_login, created.orcid, created.full_name) == (ORCID, ORCID, "Ada Lovelace")
    assert created.email_verified_at is None and not created.has_usable_password()
    assert "_auth_user_id" not in browser.session

    # Not verified yet: signing in with ORCID waits.
    response = _first_sign_in(Client(), provider)
    assert response["Location"] == "/account/login"
    from django.core import mail

    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    verify_path = message.body.split("http://testserver", 1)[1].split()[0]
    assert Client().get(verify_path).status_code == 302
    later = Client()
    response = _first_sign_in(later, provider)
    assert response.status_code == 302 and later.session["_auth_user_id"] == str(created.pk)
    assert User.objects.filter(orcid_login=ORCID).count() == 1
    # The pending sign-up is gone once used.
    assert browser.get("/account/orcid/signup")["Location"] == "/account/login"


def test_sign_up_never_links_an_existing_account_by_email(provider, user):
    browser = Client()
    _first_sign_in(browser, provider)
    response = browser.post("/account/orcid/signup", {"email": "OWNER@example.org", "full_name": "Mallory"})
    assert response.status_code == 200
    assert b"already exists" in response.content
    user.refresh_from_db()
    assert user.orcid_login is None and user.full_name == ""
    assert User.objects.count() == 1 and "_auth_user_id" not in browser.session


def test_sign_up_without_verification_logs_in_at_once(provider):
    browser = Client()
    with override_settings(ACCOUNTS_REQUIRE_EMAIL_VERIFICATION=False):
        _first_sign_in(browser, provider)
        response = browser.post("/account/orcid/signup", {"email": "ada@example.org", "full_name": ""})
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(User.objects.get(orcid_login=ORCID).pk)


def test_sign_up_needs_a_fresh_confirmed_id_and_an_unused_one(provider, user):
    import datetime

    from freezegun import freeze_time

    assert Client().get("/account/orcid/signup")["Location"] == "/account/login"
    assert Client().post("/account/orcid/signup", {"email": "x@example.org"})["Location"] == "/account/login"
    browser = Client()
    _first_sign_in(browser, provider)
    with freeze_time(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=16)):
        response = browser.post("/account/orcid/signup", {"email": "late@example.org"})
    assert (
        response["Location"] == "/account/login"
        and not User.objects.filter(email="late@example.org").exists()
    )

    racer = Client()
    _first_sign_in(racer, provider)
    User.objects.filter(pk=user.pk).update(orcid_login=ORCID)  # linked meanwhile, by its owner
    response = racer.post("/account/orcid/signup", {"email": "ada@example.org"})
    assert response.status_code == 200 and b"already linked" in response.content
    assert not User.objects.filter(email="ada@example.org").exists()


def test_sign_up_can_be_turned_off(provider):
    with override_settings(ORCID_SIGNUP=False):
        browser = Client()
        response = _first_sign_in(browser, provider)
        assert response["Location"] == "/account/login"
        assert browser.get("/account/orcid/signup")["Location"] == "/account/login"
    assert not User.objects.exists()
