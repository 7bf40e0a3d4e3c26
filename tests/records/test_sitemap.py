"""The sitemap lists exactly the records an anonymous visitor may read (latest versions)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from freezegun import freeze_time

from records import services
from tests.records.access_helpers import link, publish, restricted_document, valid_document

pytestmark = pytest.mark.django_db


def listed(client: Client, query: str = "") -> set[str]:
    index = client.get(f"/sitemap.xml{query}")
    assert index.status_code == 200 and index["Content-Type"].startswith("application/xml")
    assert "http://testserver/sitemap-records.xml" in index.content.decode()
    page = client.get(f"/sitemap-records.xml{query}")
    assert page.status_code == 200
    return set(re.findall(r"<loc>http://testserver/records/([^<]+)</loc>", page.content.decode()))


def test_only_what_anonymous_visitors_may_read(user, admin_user):
    public = publish(user)
    files_only = publish(
        user, restricted_document() | {"access": {"record": "public", "files": "restricted"}}
    )
    restricted = publish(user, restricted_document())
    old = publish(user, valid_document(title="First version"))
    draft = services.record_new_version(actor=user, record_id=old.pk)
    draft, _ = services.draft_update(actor=user, draft_id=draft.pk, data=valid_document(title="Second"))
    new = services.draft_publish(actor=user, draft_id=draft.pk)
    pending = services.record_new_version(actor=user, record_id=new.pk)  # a draft: not listed
    deleted = publish(user)
    services.record_delete(actor=admin_user, record_id=deleted.pk, removal_reason="spam")
    secret = link(user, restricted.pk, "view")

    expected = {public.pk, files_only.pk, new.pk}
    assert old.pk != new.pk and pending.pk not in expected
    assert listed(Client()) == expected
    signed_in = Client()
    signed_in.force_login(user)  # even the owner's sitemap is the public one
    assert listed(signed_in) == expected
    assert listed(Client(), f"?token={secret.token}") == expected  # a link adds nothing


def test_a_lifted_embargo_enters_the_sitemap(user):
    document = restricted_document()
    document["access"] = {
        "record": "restricted",
        "files": "restricted",
        "embargo": {"active": True, "until": "2026-03-10", "reason": ""},
    }
    with freeze_time("2026-03-01T12:00:00Z"):
        record = publish(user, document)
        assert record.pk not in listed(Client())
    with freeze_time("2026-03-10T00:00:01Z"):
        assert services.record_lift_embargoes() == [record.pk]
        assert record.pk in listed(Client())
