"""Landing page access box (status badge, embargo, request-access form) and admin lists for staff."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.services import user_create
from records.access import requests as access_requests
from records.access.models import AccessRequest
from repository.celery import app
from tests.records.access_helpers import grant, publish, restricted_document, valid_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def embargoed(user):
    until = (timezone.now() + datetime.timedelta(days=40)).date().isoformat()
    document = valid_document()
    document["access"] = {
        "record": "public",
        "files": "restricted",
        "embargo": {"active": True, "until": until, "reason": "Paper under review"},
    }
    return publish(user, document)


def test_landing_shows_status_and_embargo(embargoed):
    page = Client().get(f"/records/{embargoed.pk}").content.decode()
    assert 'class="badge badge-embargoed"' in page
    until = embargoed.json["access"]["embargo"]["until"]
    assert f'Under embargo until <time datetime="{until}">' in page and "Paper under review" in page
    assert "Request access" not in page  # requests are off by default


def test_request_access_form_for_users_and_guests(
    user, other_user, embargoed, django_capture_on_commit_callbacks
):
    access_requests.access_settings_update(
        actor=user,
        record_id=embargoed.pk,
        settings={"allow_user_requests": True, "allow_guest_requests": True},
    )
    stranger = Client()
    stranger.force_login(other_user)
    page = stranger.get(f"/records/{embargoed.pk}").content.decode()
    assert "Request access" in page and 'name="email"' not in page
    response = stranger.post(f"/records/{embargoed.pk}/request-access", {"message": "thesis"}, follow=True)
    assert "was sent to the owner" in response.content.decode()
    assert AccessRequest.objects.get(requester=other_user).status == "submitted"
    again = stranger.post(f"/records/{embargoed.pk}/request-access", {"message": "thesis"}, follow=True)
    assert "already asked" in again.content.decode()

    owner = Client()
    owner.force_login(user)
    assert "Request access" not in owner.get(f"/records/{embargoed.pk}").content.decode()

    guest = Client()
    assert 'name="email"' in guest.get(f"/records/{embargoed.pk}").content.decode()
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            guest.post(f"/records/{embargoed.pk}/request-access", {"email": "guest@example.org"})
    finally:
        app.conf.task_always_eager = False
    token = re.search(r"token=(\S+)", mail.outbox[-1].body).group(1)
    assert guest.get(f"/access-requests/verify?token={token}", follow=True).status_code == 200
    assert AccessRequest.objects.get(email="guest@example.org").status == "submitted"
    forged = guest.get("/access-requests/verify?token=forged")
    assert forged.status_code == 400 and b"Ask for access again" in forged.content


def test_request_access_to_an_invisible_record_is_404(user, other_user):
    hidden = publish(user, restricted_document())
    stranger = Client()
    stranger.force_login(other_user)
    assert stranger.post(f"/records/{hidden.pk}/request-access", {"message": "x"}).status_code == 404
    assert not AccessRequest.objects.exists()


def test_admin_lists_for_staff_follow_the_policy(user, other_user):
    staff = user_create(email="curator@example.org", password="correct-horse-battery")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_record", "view_draft"]))
    shared = publish(
        user,
        restricted_document(),
    )
    hidden = publish(user, restricted_document())
    grant(user, shared.pk, staff, "view")
    client = Client()
    client.force_login(staff)
    page = client.get("/admin/records/record/").content.decode()
    assert shared.pk in page and hidden.pk not in page
    assert client.get(f"/admin/records/record/{hidden.pk}/change/").status_code in (302, 404)


def test_admin_parents_for_staff_follow_the_policy_and_show_grants(user, other_user, admin_user):
    from django.contrib.auth.models import Permission

    staff = user_create(email="curator2@example.org", password="correct-horse-battery")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.user_permissions.add(*Permission.objects.filter(codename="view_parent"))
    shared = publish(user, restricted_document())
    hidden = publish(user, restricted_document())
    grant(user, shared.pk, staff, "view")
    grant(user, hidden.pk, other_user, "edit")
    client = Client()
    client.force_login(staff)
    page = client.get("/admin/records/parent/").content.decode()
    assert shared.parent_id in page and hidden.parent_id not in page
    superuser = Client()
    superuser.force_login(admin_user)
    detail = superuser.get(f"/admin/records/parent/{hidden.parent_id}/change/").content.decode()
    assert "Grants to users" in detail and "stranger@example.org" in detail
