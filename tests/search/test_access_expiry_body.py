"""The Elasticsearch read filter honours grant and link expiry at query time (no cluster needed).

An index stores each record's readers when the record is indexed; a grant or a link that
expires later is not reindexed until the daily purge. The request body built from the
caller's read scope must stop matching such a stale document at the expiry instant. The
documents and bodies are the real ones (``record_document``, ``search_body``); only the
matching of the body's access clause against a document is evaluated here, as Elasticsearch
evaluates ``bool``/``should``/``term``/``terms``.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from freezegun import freeze_time

from records.access.links import presenting
from records.permissions import record_policy
from records.search_documents import record_document
from records.search_indexes import RECORD_INDEX
from repository.search.base import SearchParams
from repository.search.database import parse_request_query
from repository.search.elasticsearch_body import search_body
from repository.search.facets import selected_values
from tests.records.access_helpers import grant, link, make_group, make_user, publish, restricted_document

pytestmark = pytest.mark.django_db

PUBLISHED = {"term": {"deletion_status": "P"}}


def body_for(user) -> dict:
    params = SearchParams(scope=record_policy.read_scope(user), latest_only=True)
    return search_body(
        RECORD_INDEX,
        parse_request_query(RECORD_INDEX, params),
        params,
        selected=selected_values(RECORD_INDEX, params.filters),
        base_filters=[PUBLISHED],
        max_window=10_000,
    )


def matches(clause: dict, document: dict) -> bool:
    """Whether CLAUSE (the subset of the query DSL the filters use) matches DOCUMENT."""
    ((kind, value),) = clause.items()
    if kind == "bool":
        should = value.get("should", [])
        needed = value.get("minimum_should_match", 1 if should else 0)
        return all(matches(c, document) for c in value.get("filter", [])) and (
            sum(matches(c, document) for c in should) >= needed
        )
    ((field, expected),) = value.items()
    stored = document[field]
    stored = set(stored) if isinstance(stored, list) else {stored}
    return bool(stored & (set(expected) if kind == "terms" else {expected}))


def access_matches(user, document: dict) -> bool:
    """The body's filters (access, latest, published) against DOCUMENT; the text query matches all."""
    body = body_for(user)
    assert body["query"]["bool"]["must"] == [{"match_all": {}}]
    return matches({"bool": {"filter": body["query"]["bool"]["filter"]}}, document)


def test_expired_user_and_group_grants_stop_matching_a_stale_document(user):
    record = publish(user, restricted_document())
    reader, member = make_user("reader@example.org"), make_user("member@example.org")
    soon = (timezone.now() + datetime.timedelta(hours=2)).isoformat()
    personal = grant(user, record.pk, reader, "view", expires_at=soon)
    grant(user, record.pk, make_group("Lab", member), "preview", expires_at=soon)
    stale = record_document(record)  # indexed now, never refreshed
    stranger = make_user("stranger@example.org")
    with freeze_time(personal.expires_at - datetime.timedelta(microseconds=1)):
        assert access_matches(reader, stale) and access_matches(member, stale)
        assert access_matches(user, stale)
        assert not access_matches(stranger, stale)
    with freeze_time(personal.expires_at):
        assert not access_matches(reader, stale)
        assert not access_matches(member, stale)
        assert access_matches(user, stale)  # the owner is not a grant
        body = body_for(reader)
        assert {"terms": {"readers": [f"user:{reader.pk}"]}} in body["query"]["bool"]["filter"][-1]["bool"][
            "should"
        ]


def test_an_expired_link_stops_matching_a_stale_document(user):
    record = publish(user, restricted_document())
    secret = link(
        user, record.pk, "view", expires_at=(timezone.now() + datetime.timedelta(days=1)).isoformat()
    )
    stale = record_document(record)
    assert f"link:{secret.pk}" in stale["readers"]
    with freeze_time(secret.expires_at - datetime.timedelta(microseconds=1)), presenting(secret.token):
        assert access_matches(AnonymousUser(), stale)
    with freeze_time(secret.expires_at), presenting(secret.token):
        assert not access_matches(AnonymousUser(), stale)


def test_public_records_match_everyone_and_admins_are_not_filtered(user, admin_user):
    public = record_document(publish(user))
    assert access_matches(AnonymousUser(), public)
    body = body_for(admin_user)
    assert body["query"]["bool"]["filter"] == [PUBLISHED, {"term": {"is_latest": True}}]
