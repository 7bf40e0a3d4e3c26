"""Every community endpoint as every role: anonymous, stranger, reader, curator, manager, owner, admin.

In a restricted community everything answers 404 to those who may not see it (401 first for
anonymous writes); in a public one, 403 to those who see it but may not change it.
"""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from rest_framework.test import APIClient

from tests.communities.factories import add_member, client_for, include, make_community, new_user
from tests.records.conftest import publish

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "stranger", "reader", "curator", "manager", "owner", "admin")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


# (method, path, body, expected statuses in ROLES order) for a PUBLIC community
PUBLIC = [
    ("get", "", None, (200, 200, 200, 200, 200, 200, 200)),
    ("put", "", {"metadata": {"title": "T"}}, (401, 403, 403, 403, 200, 200, 200)),
    ("delete", "", None, (401, 403, 403, 403, 403, 204, 204)),
    ("post", "/rename", {"slug": "{slug}"}, (401, 403, 403, 403, 403, 200, 200)),
    ("post", "/restore", None, (401, 409, 409, 409, 409, 409, 409)),
    ("put", "/logo", "PNG", (401, 403, 403, 403, 200, 200, 200)),
    ("delete", "/logo", None, (401, 403, 403, 403, 404, 404, 404)),
    ("get", "/logo", None, (404, 404, 404, 404, 404, 404, 404)),
    ("get", "/members", None, (200, 200, 200, 200, 200, 200, 200)),
    ("get", "/members/public", None, (200, 200, 200, 200, 200, 200, 200)),
    (
        "post",
        "/members",
        {"members": [{"type": "group", "id": "{group}"}], "role": "reader"},
        (401, 403, 403, 403, 204, 204, 204),
    ),
    ("get", "/invitations", None, (401, 403, 403, 403, 200, 200, 200)),
    (
        "post",
        "/invitations",
        {"members": [{"type": "user", "id": "{invitee}"}], "role": "reader"},
        (401, 403, 403, 403, 204, 204, 204),
    ),
    ("get", "/requests", None, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/records", None, (200, 200, 200, 200, 200, 200, 200)),
    ("delete", "/records", {"records": [{"id": "{record}"}]}, (401, 403, 403, 200, 200, 200, 200)),
    ("get", "/featured", None, (401, 403, 403, 403, 403, 403, 200)),
    ("post", "/featured", {}, (401, 403, 403, 403, 403, 403, 201)),
    ("post", "/membership-requests", {}, (401, 201, 400, 400, 400, 400, 201)),
    (
        "put",
        "/members",
        {"members": [{"type": "user", "id": "{target}"}], "role": "curator"},
        (401, 403, 403, 403, 204, 204, 204),
    ),
    (
        "delete",
        "/members",
        {"members": [{"type": "user", "id": "{target}"}]},
        (401, 403, 403, 403, 204, 204, 204),
    ),
    (
        "put",
        "/invitations",
        {"members": [{"type": "user", "id": "{invited}"}], "role": "curator"},
        (401, 403, 403, 403, 204, 204, 204),
    ),
    (
        "put",
        "/featured/{featured}",
        {"start_date": "2030-01-01T00:00:00"},
        (401, 403, 403, 403, 403, 403, 200),
    ),
    ("delete", "/featured/{featured}", None, (401, 403, 403, 403, 403, 403, 204)),
]


def _world(visibility: str):
    owner = new_user("owner")
    community = make_community(owner, visibility=visibility)
    people = {
        "anonymous": None,
        "stranger": new_user("stranger"),
        "owner": owner,
        "admin": new_user("a", is_admin=True),
    }
    for role in ("reader", "curator", "manager"):
        people[role] = new_user(role)
        add_member(community, people[role], role)
    from django.contrib.auth.models import Group

    record = publish(owner)
    include(community, record)
    from communities import services
    from communities.models import FeaturedCommunity

    target = new_user("target")
    add_member(community, target, "reader")
    invited = new_user("invited")
    services.invitation_create(
        actor=owner,
        community_id=community.pk,
        members=[{"type": "user", "id": str(invited.pk)}],
        role="reader",
    )
    featured = FeaturedCommunity.objects.create(
        community=community
    )  # the admin's service refuses restricted ones
    values = {
        "target": str(target.pk),
        "invited": str(invited.pk),
        "featured": str(featured.pk),
        "group": str(Group.objects.create(name=f"g{owner.pk}").pk),
        "invitee": str(new_user("i").pk),
        "record": record.pk,
        "slug": f"renamed-{owner.pk}",
    }
    return community, people, values


def _call(client, method, url, body, values):
    if body == "PNG":
        return client.put(url, _png(), content_type="image/png")
    if isinstance(body, dict):
        text = json.dumps(body)
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        body = json.loads(text)
        return getattr(client, method)(url, body, format="json")
    return getattr(client, method)(url)


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), PUBLIC, ids=[f"{m} {p}" for m, p, _, _ in PUBLIC]
)
@pytest.mark.parametrize("visibility", ["public", "restricted"])
def test_matrix(method, path, body, expected, visibility):
    for index, role in enumerate(ROLES):
        community, people, values = _world(visibility)
        client = APIClient() if people[role] is None else client_for(people[role])
        want = expected[index]
        if visibility == "restricted" and role in ("anonymous", "stranger"):
            want = 401 if (role == "anonymous" and method != "get") or want == 401 else 404
            if role == "anonymous" and path in ("/invitations", "/requests", "/featured") and method == "get":
                want = 401
        if visibility == "restricted" and path == "/featured" and method == "post" and role == "admin":
            want = 400  # only public communities are featured
        url = f"/api/communities/{community.pk}{path.replace('{featured}', values['featured'])}"
        response = _call(client, method, url, body, values)
        assert response.status_code == want, (visibility, role, method, path, response.content[:200])


@pytest.mark.parametrize("visibility", ["public", "restricted"])
def test_collection_endpoints(visibility):
    """List, create, the caller's communities and the featured list, for every role."""
    community, people, _ = _world(visibility)
    for role in ROLES:
        client = APIClient() if people[role] is None else client_for(people[role])
        member = role in ("reader", "curator", "manager", "owner")
        listed = client.get("/api/communities")
        assert listed.status_code == 200
        sees = visibility == "public" or member or role == "admin"
        assert listed.json()["hits"]["total"] == (1 if sees else 0), (role, visibility)
        mine = client.get("/api/user/communities")
        assert mine.status_code == (401 if role == "anonymous" else 200)
        if mine.status_code == 200:
            assert mine.json()["hits"]["total"] == (1 if member else 0), (role, visibility)
        featured = client.get("/api/communities/featured").json()["hits"]["total"]
        assert featured == (1 if sees else 0), (role, visibility)  # never a restricted one to strangers
    for role in ROLES:  # after the reads: new communities would be listed
        client = APIClient() if people[role] is None else client_for(people[role])
        created = client.post(
            "/api/communities",
            {"slug": f"new-{role}-{visibility}", "metadata": {"title": "New"}},
            format="json",
        )
        assert created.status_code == (401 if role == "anonymous" else 201), (role, created.content[:200])
