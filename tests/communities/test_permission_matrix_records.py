"""The records' community endpoints as every role (submission review, inclusion, removal, lists).

A public community 'lab' (review closed), a depositor's draft and published record; roles are
the depositor, the community's reader, curator, manager and owner, a stranger, an admin and
anonymous visitors. Drafts are invisible (404) to all but their owner and admins until they are
submitted to the community, when its curators and above see and edit them (ADR 0010).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from communities.services import record_include, review_create_or_update, review_submit
from tests.communities.factories import add_member, client_for, make_community, make_draft, new_user
from tests.records.conftest import publish

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "stranger", "depositor", "reader", "curator", "manager", "owner", "admin")
REVIEW = {"receiver": {"community": "{community}"}, "type": "community-submission"}
COMMUNITIES = {"communities": [{"id": "{community}"}]}

# (method, path, body, state, statuses in ROLES order); state: "draft" (no review yet),
# "created" (review chosen, not submitted), "submitted", "record" (published, not in lab),
# "included" (published and in lab).
MATRIX = [
    ("put", "/draft/review", REVIEW, "draft", (401, 404, 200, 404, 404, 404, 404, 200)),
    ("get", "/draft/review", None, "created", (401, 404, 200, 404, 404, 404, 404, 200)),
    ("get", "/draft/review", None, "submitted", (401, 404, 200, 404, 200, 200, 200, 200)),
    ("delete", "/draft/review", None, "created", (401, 404, 204, 404, 404, 404, 404, 204)),
    ("delete", "/draft/review", None, "submitted", (401, 404, 409, 404, 409, 409, 409, 409)),
    ("post", "/draft/actions/submit-review", {}, "created", (401, 404, 202, 404, 404, 404, 404, 202)),
    ("put", "/draft", "DOC", "submitted", (401, 404, 200, 404, 200, 200, 200, 200)),
    ("get", "/communities", None, "included", (200, 200, 200, 200, 200, 200, 200, 200)),
    ("post", "/communities", COMMUNITIES, "record", (401, 403, 200, 403, 403, 403, 403, 200)),
    ("delete", "/communities", COMMUNITIES, "included", (401, 200, 200, 200, 200, 200, 200, 200)),
    ("get", "/requests", None, "record", (401, 200, 200, 200, 200, 200, 200, 200)),
]
# DELETE .../communities answers 200 with per-community errors; who really removed it:
REMOVED = {"depositor", "curator", "manager", "owner", "admin"}


def _world(state: str):
    owner = new_user("owner")
    community = make_community(owner, slug=f"lab-{owner.pk}")
    people = {
        "anonymous": None,
        "owner": owner,
        "stranger": new_user("s"),
        "admin": new_user("a", is_admin=True),
    }
    people["depositor"] = new_user("d")
    for role in ("reader", "curator", "manager"):
        people[role] = new_user(role)
        add_member(community, people[role], role)
    if state in ("record", "included"):
        target = publish(people["depositor"])
        if state == "included":
            record_include(actor=owner, record_id=target.pk, community_id=community.pk)
        else:  # a request about the record, seen by its parties
            from communities.services import record_communities_add

            other = make_community(owner, slug=f"other-{owner.pk}")
            record_communities_add(
                actor=people["depositor"], record_id=target.pk, data={"communities": [{"id": str(other.pk)}]}
            )
        return target.pk, community, people
    draft = make_draft(people["depositor"])
    if state in ("created", "submitted"):
        review_create_or_update(
            actor=people["depositor"], draft_id=draft.pk, data={"receiver": {"community": str(community.pk)}}
        )
    if state == "submitted":
        review_submit(actor=people["depositor"], draft_id=draft.pk)
    return draft.pk, community, people


def _body(body, community):
    if body == "DOC":
        from tests.records.conftest import valid_document

        return valid_document(title="Edited")
    if body is None:
        return None
    import json

    return json.loads(json.dumps(body).replace("{community}", str(community.pk)))


@pytest.mark.parametrize(
    ("method", "path", "body", "state", "expected"), MATRIX, ids=[f"{m} {p} {s}" for m, p, _, s, _ in MATRIX]
)
def test_records_communities_matrix(method, path, body, state, expected):
    for index, role in enumerate(ROLES):
        record_id, community, people = _world(state)
        client = APIClient() if people[role] is None else client_for(people[role])
        url = f"/api/records/{record_id}{path}"
        data = _body(body, community)
        response = (
            getattr(client, method)(url, data, format="json")
            if data is not None
            else getattr(client, method)(url)
        )
        assert response.status_code == expected[index], (role, method, path, state, response.content[:300])
        if method == "delete" and path == "/communities" and response.status_code == 200:
            removed = bool(response.json()["processed"])
            assert removed == (role in REMOVED), (role, response.json())
            assert community.record_links.exists() == (role not in REMOVED)
        if method == "get" and path == "/requests" and response.status_code == 200:
            total = response.json()["hits"]["total"]
            # the inclusion request went to another community of the same owner: its parties see it
            assert total == (1 if role in ("depositor", "owner", "admin") else 0), (role, total)
