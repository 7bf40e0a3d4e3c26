"""The requests REST API: reading, acting, commenting, timeline, listing with facets, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.communities.factories import client_for, make_community, make_request, new_user
from workflows.models import NotificationPreference, Request, RequestStatus
from workflows.services import request_act
from workflows.tasks import expire_requests

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted():
    """A submitted membership request: joiner → community (owner receives)."""
    owner = new_user("owner")
    community = make_community(owner, title="Ocean Lab")
    joiner = new_user("joiner")
    request, creator, receiver = make_request(
        "community-membership-request", community=community, creator_user=joiner, member_user=joiner
    )
    request.title = "Let me in"
    request.save(update_fields=["title"])
    request_act(actor=joiner, request_id=request.pk, action="submit")
    return request, joiner, owner


def test_parties_read_the_request_strangers_get_404(submitted, api_client):
    request, creator, receiver = submitted
    url = f"/api/requests/{request.pk}"
    body = client_for(creator).get(url).json()
    assert body["status"] == "submitted" and body["is_open"] is True and body["is_closed"] is False
    assert body["created_by"] == {"user": str(creator.pk)}
    assert body["receiver"] == {"community": request.receiver_id}
    assert body["topic"] == {"community": request.receiver_id}
    assert set(body["links"]["actions"]) == {"cancel"}
    assert set(client_for(receiver).get(url).json()["links"]["actions"]) == {"accept", "decline"}
    assert client_for(new_user("stranger")).get(url).status_code == 404
    assert api_client.get(url).status_code == 401
    assert client_for(creator).get("/api/requests/not-a-uuid").status_code == 404
    assert client_for(new_user("admin", is_admin=True)).get(url).status_code == 200


def test_actions_with_comment_and_wrong_party(submitted):
    request, creator, receiver = submitted
    url = f"/api/requests/{request.pk}/actions"
    denied = client_for(creator).post(f"{url}/accept", {}, format="json")
    assert denied.status_code == 403
    stranger = client_for(new_user("stranger")).post(f"{url}/accept", {}, format="json")
    assert stranger.status_code == 404
    assert client_for(receiver).post(f"{url}/frobnicate", {}, format="json").status_code == 404
    response = client_for(receiver).post(
        f"{url}/decline", {"payload": {"content": "<p>Not now</p><script>x()</script>"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "declined" and response.json()["is_closed"] is True
    again = client_for(creator).post(f"{url}/cancel", {}, format="json")
    assert again.status_code == 400
    assert again.json()["message"] == "Cannot cancel a request that is declined."
    timeline = client_for(creator).get(f"/api/requests/{request.pk}/timeline").json()
    kinds = [
        (e["type"], e["payload"].get("event") or e["payload"].get("content"))
        for e in timeline["hits"]["hits"]
    ]
    assert kinds == [
        ("L", "created"),
        ("L", "submitted"),
        ("C", "<p>Not now</p>"),
        ("L", "declined"),
    ]


def test_comments_are_sanitized_edited_and_deleted_by_their_author(submitted):
    request, creator, receiver = submitted
    url = f"/api/requests/{request.pk}/comments"
    created = client_for(creator).post(
        url, {"payload": {"content": '<p onclick="x">Hi <a href="javascript:x">there</a></p>'}}, format="json"
    )
    assert created.status_code == 201
    comment = created.json()
    assert comment["payload"]["content"] == '<p>Hi <a rel="noopener noreferrer nofollow">there</a></p>'
    comment_url = f"{url}/{comment['id']}"
    assert client_for(receiver).get(comment_url).status_code == 200
    assert client_for(new_user("x")).get(comment_url).status_code == 404
    assert (
        client_for(receiver).put(comment_url, {"payload": {"content": "mine"}}, format="json").status_code
        == 403
    )
    edited = client_for(creator).put(comment_url, {"payload": {"content": "<p>Hello</p>"}}, format="json")
    assert edited.status_code == 200 and edited.json()["payload"]["content"] == "<p>Hello</p>"
    assert edited.json()["revision_id"] == 2
    stale = client_for(creator).put(
        comment_url, {"payload": {"content": "x"}}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    empty = client_for(creator).post(url, {"payload": {"content": "<script>x</script>"}}, format="json")
    assert empty.status_code == 400
    assert empty.json()["errors"][0]["field"] == "payload.content"
    assert client_for(creator).post(url, {"payload": {}}, format="json").status_code == 400
    assert client_for(creator).post(url, ["x"], format="json").status_code == 400
    assert client_for(creator).delete(comment_url).status_code == 204
    assert client_for(creator).get(comment_url).status_code == 404
    events = client_for(creator).get(f"/api/requests/{request.pk}/timeline").json()["hits"]["hits"]
    assert events[-1]["type"] == "L" and events[-1]["payload"]["event"] == "comment_deleted"
    assert "Hello" not in str(events)


def test_timeline_is_oldest_first_and_paginated(submitted):
    request, creator, receiver = submitted
    for n in range(5):
        client_for(creator).post(
            f"/api/requests/{request.pk}/comments", {"payload": {"content": f"c{n}"}}, format="json"
        )
    page = client_for(receiver).get(f"/api/requests/{request.pk}/timeline?size=3&page=2").json()
    assert page["hits"]["total"] == 7
    assert [e["payload"].get("content") for e in page["hits"]["hits"]] == ["c1", "c2", "c3"]
    assert "next" in page["links"] and "prev" in page["links"]


def test_update_title_and_delete_only_created_requests(submitted):
    request, creator, receiver = submitted
    url = f"/api/requests/{request.pk}"
    assert client_for(receiver).put(url, {"title": "x"}, format="json").status_code == 403
    response = client_for(creator).put(url, {"title": "Please let me in"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Please let me in"
    assert client_for(creator).put(url, {"title": 5}, format="json").status_code == 400
    assert client_for(creator).delete(url).status_code == 400  # submitted: cancel it instead
    assert Request.objects.filter(pk=request.pk).exists()


def test_listing_filters_and_facets(submitted):
    request, creator, receiver = submitted
    community = make_community(receiver, title="Second")
    other, _, _ = make_request(
        "community-invitation", community=community, creator_user=receiver, member_user=creator
    )
    request_act(actor=receiver, request_id=other.pk, action="submit")
    request_act(actor=creator, request_id=other.pk, action="decline")
    body = client_for(creator).get("/api/requests").json()
    assert body["hits"]["total"] == 2
    assert {b["key"]: b["doc_count"] for b in body["aggregations"]["status"]["buckets"]} == {
        "submitted": 1,
        "declined": 1,
    }
    assert {b["key"] for b in body["aggregations"]["type"]["buckets"]} == {
        "community-membership-request",
        "community-invitation",
    }
    open_only = client_for(creator).get("/api/requests?is_open=true").json()
    assert [h["id"] for h in open_only["hits"]["hits"]] == [str(request.pk)]
    closed = client_for(creator).get("/api/requests?is_open=false&type=community-invitation").json()
    assert [h["id"] for h in closed["hits"]["hits"]] == [str(other.pk)]
    assert client_for(creator).get("/api/requests?q=let").json()["hits"]["total"] == 1
    bad = client_for(creator).get("/api/requests?status=open&is_open=maybe&type=nope")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"status", "is_open", "type"}
    stranger = client_for(new_user("stranger")).get("/api/requests").json()
    assert stranger["hits"]["total"] == 0


def test_user_requests_are_the_callers_own_even_for_admins(submitted):
    request, creator, receiver = submitted
    admin = new_user("admin", is_admin=True)
    assert client_for(admin).get("/api/requests").json()["hits"]["total"] == 1
    assert client_for(admin).get("/api/user/requests").json()["hits"]["total"] == 0
    assert client_for(creator).get("/api/user/requests").json()["hits"]["total"] == 1


def test_daily_task_expires_overdue_requests_only(submitted):
    request, creator, receiver = submitted
    Request.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    owner = new_user("o2")
    fresh, _, _ = make_request(
        "community-membership-request",
        community=make_community(owner),
        creator_user=creator,
        member_user=creator,
    )
    request_act(actor=creator, request_id=fresh.pk, action="submit")
    Request.objects.filter(pk=fresh.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert expire_requests() == [str(request.pk)]
    request.refresh_from_db()
    fresh.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED and fresh.status == RequestStatus.SUBMITTED
    assert expire_requests() == []


def test_notifications_after_commit_to_the_other_party_respecting_opt_out(
    submitted, django_capture_on_commit_callbacks, eager_celery
):
    request, creator, receiver = submitted
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for(creator).post(
            f"/api/requests/{request.pk}/comments", {"payload": {"content": "ping"}}, format="json"
        )
    assert mail.outbox == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([receiver.email], "[Repono] New comment on Let me in")
    ]
    mail.outbox.clear()
    NotificationPreference.objects.create(user=receiver, email_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(creator).post(f"/api/requests/{request.pk}/actions/cancel", {}, format="json")
    assert mail.outbox == []


def test_expiry_is_mailed_to_both_sides(submitted, django_capture_on_commit_callbacks, eager_celery):
    request, creator, receiver = submitted
    Request.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        expire_requests()
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        (user.email, "[Repono] Expired: Let me in") for user in (creator, receiver)
    )
