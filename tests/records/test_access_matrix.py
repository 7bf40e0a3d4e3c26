"""Permission matrix: every record endpoint, as every kind of caller, with the exact status code.

The record is restricted (record and files), has an open edit draft, and is shared at every
level with users, with a group (preview) and through secret links. Anonymous link holders get
at most preview; a signed-in holder of an edit link may edit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import user_create
from records import services
from records.access import requests as access_requests
from records.access.models import AccessRequest, RequestStatus, SecretLink
from tests.records.access_helpers import grant, link, make_group, publish, restricted_document

pytestmark = pytest.mark.django_db

NONE, VIEW, PREVIEW, EDIT, MANAGE = -1, 0, 1, 2, 3


@dataclass(frozen=True)
class Role:
    user: str | None  # key of the world's users (None: anonymous)
    link: str | None  # secret link level presented with ?token=
    level: int
    admin: bool = False
    owner: bool = False

    @property
    def signed_in(self) -> bool:
        return self.user is not None


ROLES = {
    "anonymous": Role(None, None, NONE),
    "stranger": Role("stranger", None, NONE),
    "owner": Role("owner", None, MANAGE, owner=True),
    "grant-view": Role("view", None, VIEW),
    "grant-preview": Role("preview", None, PREVIEW),
    "grant-edit": Role("edit", None, EDIT),
    "grant-manage": Role("manage", None, MANAGE),
    "group-member": Role("member", None, PREVIEW),
    "link-view": Role(None, "view", VIEW),
    "link-preview": Role(None, "preview", PREVIEW),
    "link-edit": Role(None, "edit", PREVIEW),  # anonymous holders are capped at preview
    "link-edit-signed-in": Role("stranger", "edit", EDIT),
    "admin": Role("admin", None, MANAGE, admin=True),
}


def seen(role: Role, level: int, ok: int) -> int:
    return ok if role.level >= level else 404


def api_write(role: Role, sight: int, need: int, ok: int) -> int:
    """A write through the API: account needed (401), then sight (404), then level (403)."""
    if not role.signed_in:
        return 401
    if role.level < sight:
        return 404
    return ok if role.level >= need else 403


def manage(role: Role, ok: int = 200) -> int:
    return api_write(role, VIEW, MANAGE, ok)


def admin_only(role: Role, ok: int = 200) -> int:
    if not role.signed_in:
        return 401
    return ok if role.admin else 404


def transfer(role: Role) -> int:
    if not role.signed_in:
        return 401
    if role.level < VIEW:
        return 404
    return 200 if role.admin else 202 if role.owner else 403


def draft_get(role: Role) -> int:
    if not role.signed_in and not role.link:
        return 401
    return seen(role, PREVIEW, 200)


def not_theirs(role: Role, ok: int = 200) -> int:
    """An offer made to a user none of the roles is: an account, then 404 for everyone (admins too)."""
    return 401 if not role.signed_in else 404


def share_page(role: Role, ok: int = 200) -> int:
    """The share page: log in first, then 404 unseen, 403 seen without manage."""
    if not role.signed_in:
        return 302
    if role.level < VIEW:
        return 404
    return ok if role.level >= MANAGE else 403


def draft_page(role: Role) -> int:
    if not role.signed_in and not role.link:
        return 302  # log in first
    return seen(role, PREVIEW, 200)


def access_request(role: Role) -> int:
    if not role.signed_in:
        return 401
    return seen(role, VIEW, 409)  # everyone who sees this record already has access


# endpoint: (kind, method, path, body, expected(role))
ENDPOINTS = {
    "api-record": ("api", "get", "/api/records/{id}", None, lambda r: seen(r, VIEW, 200)),
    "api-versions": ("api", "get", "/api/records/{id}/versions", None, lambda r: seen(r, VIEW, 200)),
    "api-latest": ("api", "get", "/api/records/{id}/versions/latest", None, lambda r: seen(r, VIEW, 302)),
    "api-draft-get": ("api", "get", "/api/records/{id}/draft", None, draft_get),
    "api-draft-put": (
        "api",
        "put",
        "/api/records/{id}/draft",
        "document",
        lambda r: api_write(r, PREVIEW, EDIT, 200),
    ),
    "api-draft-delete": (
        "api",
        "delete",
        "/api/records/{id}/draft",
        None,
        lambda r: api_write(r, PREVIEW, EDIT, 204),
    ),
    "api-publish": (
        "api",
        "post",
        "/api/records/{id}/draft/actions/publish",
        None,
        lambda r: api_write(r, PREVIEW, EDIT, 202),
    ),
    "api-edit": ("api", "post", "/api/records/{id}/draft", None, lambda r: api_write(r, VIEW, EDIT, 201)),
    "api-new-version": (
        "api",
        "post",
        "/api/records/{id}/versions",
        None,
        lambda r: api_write(r, VIEW, EDIT, 201),
    ),
    "api-revisions": ("api", "get", "/api/records/{id}/revisions", None, admin_only),
    "api-delete": ("api", "post", "/api/records/{id}/delete", {"removal_reason": {"id": "spam"}}, admin_only),
    "api-access": ("api", "get", "/api/records/{id}/access", None, manage),
    "api-access-settings": ("api", "patch", "/api/records/{id}/access", {"settings": {}}, manage),
    "api-grants": ("api", "get", "/api/records/{id}/access/grants", None, manage),
    "api-grants-create": (
        "api",
        "post",
        "/api/records/{id}/access/grants",
        "grant",
        lambda r: manage(r, 201),
    ),
    "api-grant": ("api", "get", "/api/records/{id}/access/grants/0", None, manage),
    "api-grant-delete": (
        "api",
        "delete",
        "/api/records/{id}/access/grants/0",
        None,
        lambda r: manage(r, 204),
    ),
    "api-grant-patch": (
        "api",
        "patch",
        "/api/records/{id}/access/grants/0",
        {"permission": "view"},
        manage,
    ),
    "api-users": ("api", "get", "/api/records/{id}/access/users", None, manage),
    "api-user": ("api", "get", "/api/records/{id}/access/users/{view_user}", None, manage),
    "api-user-patch": (
        "api",
        "patch",
        "/api/records/{id}/access/users/{view_user}",
        {"permission": "preview"},
        manage,
    ),
    "api-user-delete": (
        "api",
        "delete",
        "/api/records/{id}/access/users/{view_user}",
        None,
        lambda r: manage(r, 204),
    ),
    "api-groups": ("api", "get", "/api/records/{id}/access/groups", None, manage),
    "api-group": ("api", "get", "/api/records/{id}/access/groups/{group}", None, manage),
    "api-group-delete": (
        "api",
        "delete",
        "/api/records/{id}/access/groups/{group}",
        None,
        lambda r: manage(r, 204),
    ),
    "api-links": ("api", "get", "/api/records/{id}/access/links", None, manage),
    "api-link": ("api", "get", "/api/records/{id}/access/links/{link}", None, manage),
    "api-link-patch": (
        "api",
        "patch",
        "/api/records/{id}/access/links/{link}",
        {"description": "for reviewers"},
        manage,
    ),
    "api-link-delete": (
        "api",
        "delete",
        "/api/records/{id}/access/links/{link}",
        None,
        lambda r: manage(r, 204),
    ),
    "api-request-accept": (
        "api",
        "post",
        "/api/records/{id}/access/requests/{request}/actions/accept",
        {},
        manage,
    ),
    "api-request-decline": (
        "api",
        "post",
        "/api/records/{id}/access/requests/{request}/actions/decline",
        None,
        manage,
    ),
    "api-transfer-accept": ("api", "post", "/api/transfers/{transfer}/actions/accept", None, not_theirs),
    "api-transfer-decline": ("api", "post", "/api/transfers/{transfer}/actions/decline", None, not_theirs),
    "api-links-create": (
        "api",
        "post",
        "/api/records/{id}/access/links",
        {"permission": "view"},
        lambda r: manage(r, 201),
    ),
    "api-requests": ("api", "get", "/api/records/{id}/access/requests", None, manage),
    "api-request": ("api", "post", "/api/records/{id}/access/request", {"message": "hi"}, access_request),
    "api-transfer": ("api", "post", "/api/records/{id}/access/transfer", "transfer", transfer),
    "api-files": ("api", "get", "/api/records/{id}/files", None, lambda r: seen(r, VIEW, 200)),
    "api-draft-files": ("api", "get", "/api/records/{id}/draft/files", None, draft_get),
    "api-draft-files-init": (
        "api",
        "post",
        "/api/records/{id}/draft/files",
        [{"key": "data.csv"}],
        lambda r: api_write(r, PREVIEW, EDIT, 400),  # allowed, then refused: the draft is metadata-only
    ),
    "page-landing": ("page", "get", "/records/{id}", None, lambda r: seen(r, VIEW, 200)),
    "page-export": ("page", "get", "/records/{id}/export/json", None, lambda r: seen(r, VIEW, 200)),
    "page-draft": ("page", "get", "/uploads/{id}", None, draft_page),
    "page-share": ("page", "get", "/records/{id}/share", None, share_page),
    "page-share-change": (
        "page",
        "post",
        "/records/{id}/share/change",
        {"action": "link-create", "permission": "view"},
        lambda r: share_page(r, 302),
    ),
}


@pytest.fixture
def world(db):
    users = {
        key: user_create(email=f"{key}@example.org", password=None, is_admin=key == "admin")
        for key in ("owner", "stranger", "view", "preview", "edit", "manage", "member", "admin", "new-owner")
    }
    record = publish(users["owner"], restricted_document())
    services.record_edit(actor=users["owner"], record_id=record.pk)
    for level in ("view", "preview", "edit", "manage"):
        grant(users["owner"], record.pk, users[level], level)
    grant(users["owner"], record.pk, make_group("Lab", users["member"]), "preview")
    links = {level: link(users["owner"], record.pk, level).token for level in ("view", "preview", "edit")}
    access_requests.access_settings_update(
        actor=users["owner"], record_id=record.pk, settings={"allow_user_requests": True}
    )
    # A submitted request by someone none of the roles is (made while the record was findable
    # by them: built directly, as no service lets a stranger ask for an invisible record).
    asked = AccessRequest.objects.create(
        parent=record.parent, requester=users["new-owner"], status=RequestStatus.SUBMITTED, message="please"
    )
    offer = access_requests.parent_transfer(
        actor=users["owner"], record_id=record.pk, to_user=str(users["new-owner"].pk)
    )
    ids = {
        "view_user": users["view"].pk,
        "group": Group.objects.get(name="Lab").pk,
        "link": SecretLink.objects.get(parent=record.parent, permission="view").pk,
        "request": asked.pk,
        "transfer": offer.pk,
    }
    return record, users, links, ids


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("role_name", list(ROLES))
def test_permission_matrix(world, role_name, endpoint):
    record, users, links, ids = world
    role = ROLES[role_name]
    kind, method, path, body, expected = ENDPOINTS[endpoint]
    user = users[role.user] if role.user else AnonymousUser()
    url = path.format(id=record.pk, **ids)
    if role.link:
        url += f"?token={links[role.link]}"
    if body == "document":
        body = services.record_edit(actor=users["owner"], record_id=record.pk).json
    elif body == "grant":
        body = {
            "grants": [{"subject": {"type": "user", "id": str(users["new-owner"].pk)}, "permission": "view"}]
        }
    elif body == "transfer":
        body = {"user": str(users["new-owner"].pk)}
    if kind == "api":
        client = APIClient()
        if role.signed_in:
            client.force_authenticate(user)
        response = (
            getattr(client, method)(url, body, format="json")
            if body is not None
            else getattr(client, method)(url)
        )
    else:
        client = Client()
        if role.signed_in:
            client.force_login(user)
        response = getattr(client, method)(url, body) if body is not None else getattr(client, method)(url)
    assert response.status_code == expected(role), (
        role_name,
        endpoint,
        getattr(response, "content", b"")[:300],
    )
