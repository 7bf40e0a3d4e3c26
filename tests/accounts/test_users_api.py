"""GET /api/users and /api/groups: who a signed-in user may find to share records with."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.services import user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    ada = user_create(email="ada@example.org", password=None, full_name="Ada Lovelace")
    ada.affiliations = "Analytical Engine Institute"
    ada.email_visibility = "public"
    ada.save(update_fields=["affiliations", "email_visibility"])
    grace = user_create(email="grace@navy.example", password=None, full_name="Grace Hopper")
    hidden = user_create(email="hidden@example.org", password=None, full_name="Ada Hidden")
    hidden.profile_visibility = "restricted"
    hidden.save(update_fields=["profile_visibility"])
    unverified = user_create(email="new@example.org", password=None, full_name="Ada New", verified=False)
    inactive = user_create(email="gone@example.org", password=None, full_name="Ada Gone")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    return {"ada": ada, "grace": grace, "hidden": hidden, "unverified": unverified}


def _names(client, query: str = "") -> list[str]:
    response = client.get(f"/api/users?q={query}")
    assert response.status_code == 200
    return [hit["profile"]["full_name"] for hit in response.json()["hits"]["hits"]]


def test_only_active_verified_public_users_are_found(owner_client, people):
    assert _names(owner_client, "ada") == ["Ada Lovelace"]
    assert _names(owner_client, "engine") == ["Ada Lovelace"]  # by affiliation
    assert _names(owner_client, "ada@example") == ["Ada Lovelace"]  # public e-mail
    assert _names(owner_client, "navy") == []  # Grace's e-mail is not public
    assert _names(owner_client, "grace hopper") == ["Grace Hopper"]


def test_email_is_shown_only_when_public(owner_client, people):
    hits = {h["profile"]["full_name"]: h for h in owner_client.get("/api/users").json()["hits"]["hits"]}
    assert hits["Ada Lovelace"]["email"] == "ada@example.org"
    assert "email" not in hits["Grace Hopper"]
    assert owner_client.get(f"/api/users/{people['grace'].pk}").status_code == 200
    assert owner_client.get(f"/api/users/{people['hidden'].pk}").status_code == 404
    assert owner_client.get("/api/users/nobody").status_code == 404


def test_users_and_groups_need_an_account(api_client, owner_client):
    Group.objects.create(name="Ocean lab")
    Group.objects.create(name="Library")
    assert api_client.get("/api/users").status_code == 401
    assert api_client.get("/api/groups").status_code == 401
    response = owner_client.get("/api/groups?q=ocean")
    assert [hit["name"] for hit in response.json()["hits"]["hits"]] == ["Ocean lab"]
    assert owner_client.get("/api/groups").json()["hits"]["total"] == 2
    assert owner_client.get("/api/users?size=1000").status_code == 400
