"""Property: whatever records exist and whoever asks, search shows exactly what the policy lets them read.

Hits and facet counts are compared with ``record_policy.can_read`` record by record.
"""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from records.models import Record
from records.permissions import record_policy
from tests.records.conftest import publish, valid_document

RECORDS = st.lists(
    st.tuples(st.sampled_from([0, 1]), st.booleans(), st.sampled_from(["eng", "fra", "deu"])),
    min_size=1,
    max_size=5,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=RECORDS,
    viewer=st.sampled_from(["anonymous", "owner", "stranger", "admin"]),
    q=st.sampled_from(["", "ocean", "lovelace"]),
)
def test_hits_and_facets_match_the_policy(user, other_user, admin_user, records, viewer, q):
    owners = [user, other_user]
    with transaction.atomic():
        for owner, restricted, language in records:
            document = valid_document(languages=[{"id": language}])
            if restricted:
                document["access"] = {"record": "restricted", "files": "restricted"}
            publish(owners[owner], document)
        person = {"anonymous": None, "owner": user, "stranger": other_user, "admin": admin_user}[viewer]
        client = APIClient()
        if person is not None:
            client.force_authenticate(person)
        body = client.get("/api/records", {"q": q, "size": 100}).json()
        reader = person or AnonymousUser()
        readable = [r for r in Record.objects.select_related("parent") if record_policy.can_read(reader, r)]
        assert {hit["id"] for hit in body["hits"]["hits"]} == {r.pk for r in readable}
        expected = Counter(r.json["metadata"]["languages"][0]["id"] for r in readable)
        facet = {b["key"]: b["doc_count"] for b in body["aggregations"]["language"]["buckets"]}
        assert facet == dict(expected)
        transaction.set_rollback(True)
