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


def test_a_typed_orcid_never_signs_in(provider, user):
    User.objects.filter(pk=user.pk).update(orcid=ORCID)  # typed into the profile, not confirmed
    browser = Client()
    state = _authorize(browser, provider)
    response = browser.get(f"/account/orcid/callback?code=good-code&state={state}", follow=True)
    assert "_auth_user_id" not in browser.session
    assert b"No account is linked" in response.content


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
