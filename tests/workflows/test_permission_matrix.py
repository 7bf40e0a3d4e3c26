"""Every requests endpoint as every role: parties act, everyone else gets 404 (401 anonymous).

The request is a submission of a depositor's draft to a community: the depositor is the
creator, the community's curator acts for the receiver; a reader of the community and a
stranger are not parties; admins read everything and edit comments but act only as the system
(in the admin site), so the API's accept/decline/cancel are 403 to them.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from communities.services import review_create_or_update, review_submit
from tests.communities.factories import add_member, client_for, make_community, make_draft, new_user
from workflows.services import comment_create

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "stranger", "reader", "creator", "curator", "admin")

# (method, path under /api/requests/{id}, body, request status, statuses in ROLES order)
MATRIX = [
    ("get", "", None, "submitted", (401, 404, 404, 200, 200, 200)),
    ("put", "", {"title": "New title"}, "submitted", (401, 404, 404, 200, 403, 403)),
    ("delete", "", None, "created", (401, 404, 404, 204, 403, 403)),
    ("post", "/actions/submit", {}, "created", (401, 404, 404, 200, 403, 403)),
    ("post", "/actions/accept", {}, "submitted", (401, 404, 404, 403, 200, 403)),
    ("post", "/actions/decline", {}, "submitted", (401, 404, 404, 403, 200, 403)),
    ("post", "/actions/cancel", {}, "submitted", (401, 404, 404, 200, 403, 403)),
    ("post", "/actions/expire", {}, "submitted", (401, 404, 404, 404, 404, 404)),
    ("post", "/comments", {"payload": {"content": "<p>Hi</p>"}}, "submitted", (401, 404, 404, 201, 201, 201)),
    ("get", "/comments/{comment}", None, "submitted", (401, 404, 404, 200, 200, 200)),
    (
        "put",
        "/comments/{comment}",
        {"payload": {"content": "<p>Edited</p>"}},
        "submitted",
        (401, 404, 404, 200, 403, 200),
    ),
    ("delete", "/comments/{comment}", None, "submitted", (401, 404, 404, 204, 403, 204)),
    ("get", "/timeline", None, "submitted", (401, 404, 404, 200, 200, 200)),
]


def _world(status: str):
    owner = new_user("owner")
    community = make_community(owner, slug=f"lab-{owner.pk}")
    people = {"anonymous": None, "stranger": new_user("s"), "admin": new_user("a", is_admin=True)}
    people["reader"], people["curator"], people["creator"] = new_user("r"), new_user("c"), new_user("d")
    add_member(community, people["reader"], "reader")
    add_member(community, people["curator"], "curator")
    draft = make_draft(people["creator"])
    request = review_create_or_update(
        actor=people["creator"], draft_id=draft.pk, data={"receiver": {"community": str(community.pk)}}
    )
    if status == "submitted":
        review_submit(actor=people["creator"], draft_id=draft.pk)
    comment = comment_create(actor=people["creator"], request_id=request.pk, content="<p>First</p>")
    return request, people, comment


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX]
)
def test_requests_matrix(method, path, body, status, expected):
    for index, role in enumerate(ROLES):
        request, people, comment = _world(status)
        client = APIClient() if people[role] is None else client_for(people[role])
        url = f"/api/requests/{request.pk}{path.replace('{comment}', str(comment.pk))}"
        kwargs = {"format": "json"} if body is not None else {}
        response = (
            getattr(client, method)(url, body, **kwargs) if body is not None else getattr(client, method)(url)
        )
        assert response.status_code == expected[index], (role, method, path, response.content[:300])


@pytest.mark.parametrize("path", ["/api/requests", "/api/user/requests"])
def test_lists_hold_what_each_role_takes_part_in(path):
    request, people, _ = _world("submitted")
    seen = {}
    for role in ROLES:
        client = APIClient() if people[role] is None else client_for(people[role])
        response = client.get(path)
        seen[role] = response.status_code if response.status_code != 200 else response.json()["hits"]["total"]
    admin_sees_all = 1 if path == "/api/requests" else 0  # /user/requests: the caller's own only
    assert seen == {
        "anonymous": 401,
        "stranger": 0,
        "reader": 0,
        "creator": 1,
        "curator": 1,
        "admin": admin_sees_all,
    }
