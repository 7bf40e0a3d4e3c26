"""Property: for random users, groups, records, access settings, grants, links and embargoes,
what each user finds through the API is exactly what the policy lets them read, both equal an
independent model of the rules (facet counts included), and every other record is a 404 on the
API, the landing page, the export and the file URLs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, Group
from django.test import Client
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from rest_framework.test import APIClient

from accounts.services import user_create
from records import services
from records.access import levels
from records.access import services as access
from records.models import Record
from records.permissions import record_policy
from tests.records.conftest import valid_document

START = datetime.datetime(2026, 1, 5, 12, tzinfo=datetime.UTC)
LATER = START + datetime.timedelta(days=10)  # when the rules are checked
EXPIRIES = (None, START + datetime.timedelta(days=5), START + datetime.timedelta(days=20))  # gone / live


@dataclass(frozen=True)
class RecordSpec:
    owner: int
    record: str
    files: str
    embargo_days: int | None  # embargo end, days after START (None: no embargo)


@dataclass(frozen=True)
class GrantSpec:
    record: int
    to_group: bool
    subject: int
    level: str
    expiry: int


@dataclass(frozen=True)
class LinkSpec:
    record: int
    level: str
    expiry: int


@st.composite
def worlds(draw):
    n_users = draw(st.integers(1, 4))
    n_groups = draw(st.integers(0, 2))
    membership = [draw(st.sets(st.integers(0, n_users - 1))) for _ in range(n_groups)]
    records = []
    for _ in range(draw(st.integers(1, 5))):
        record, files = (
            draw(st.sampled_from(["public", "restricted"])),
            draw(st.sampled_from(["public", "restricted"])),
        )
        embargo = draw(st.none() | st.sampled_from([3, 30])) if "restricted" in (record, files) else None
        records.append(RecordSpec(draw(st.integers(0, n_users - 1)), record, files, embargo))
    subjects = st.integers(0, max(n_users, n_groups) - 1)
    grants = draw(
        st.lists(
            st.builds(
                GrantSpec,
                record=st.integers(0, len(records) - 1),
                to_group=st.booleans() if n_groups else st.just(False),
                subject=subjects,
                level=st.sampled_from(levels.LEVELS),
                expiry=st.integers(0, 2),
            ),
            max_size=5,
        )
    )
    links = draw(
        st.lists(
            st.builds(
                LinkSpec,
                record=st.integers(0, len(records) - 1),
                level=st.sampled_from(levels.LINK_LEVELS),
                expiry=st.integers(0, 2),
            ),
            max_size=3,
        )
    )
    presented = draw(st.lists(st.none() | st.integers(0, 2), min_size=n_users + 1, max_size=n_users + 1))
    lift = draw(st.booleans())
    return n_users, membership, records, grants, links, presented, lift


def _document(spec: RecordSpec) -> dict:
    document = valid_document()
    embargo = {"active": False, "until": None, "reason": None}
    if spec.embargo_days is not None:
        until = (START + datetime.timedelta(days=spec.embargo_days)).date().isoformat()
        embargo = {"active": True, "until": until, "reason": "Under review"}
    document["access"] = {"record": spec.record, "files": spec.files, "embargo": embargo}
    return document


class AccessPropertyTest(TestCase):
    """Generated worlds, checked through the API, the pages and the policy."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(worlds())
    def test_search_policy_and_pages_agree(self, world):
        n_users, membership, record_specs, grant_specs, link_specs, presented, lift = world
        with freeze_time(START):
            users = [user_create(email=f"u{i}@example.org", password=None) for i in range(n_users)]
            admin = user_create(email="admin@example.org", password=None, is_admin=True)
            groups = []
            for index, members in enumerate(membership):
                group = Group.objects.create(name=f"group {index}")
                group.user_set.add(*[users[m] for m in members])
                groups.append(group)
            records = []
            for spec in record_specs:
                draft, errors = services.draft_create(actor=users[spec.owner], data=_document(spec))
                assert errors == [], errors
                records.append(services.draft_publish(actor=users[spec.owner], draft_id=draft.pk))
            granted: dict[tuple[int, str, int], int] = {}  # (record, kind, subject) -> live level rank
            for spec in grant_specs:
                kind = "group" if spec.to_group else "user"
                subject_id = spec.subject % (len(groups) if spec.to_group else n_users)
                subject = groups[subject_id] if spec.to_group else users[subject_id]
                owner = users[record_specs[spec.record].owner]
                if (spec.record, kind, subject_id) in granted or subject == owner:
                    continue  # one grant per subject, and never to the owner (tested elsewhere)
                expiry = EXPIRIES[spec.expiry]
                access.grant_create(
                    actor=owner,
                    record_id=records[spec.record].pk,
                    subject=access.Subject(kind, str(subject.pk)),
                    permission=spec.level,
                    expires_at=expiry.isoformat() if expiry else None,
                )
                live = expiry is None or expiry > LATER
                granted[(spec.record, kind, subject_id)] = levels.rank(spec.level) if live else levels.NONE
            links = []
            for spec in link_specs:
                expiry = EXPIRIES[spec.expiry]
                created = access.link_create(
                    actor=users[record_specs[spec.record].owner],
                    record_id=records[spec.record].pk,
                    permission=spec.level,
                    expires_at=expiry.isoformat() if expiry else None,
                )
                links.append((spec, created.token, expiry is None or expiry > LATER))
            # What a search index stored at START and never refreshed (grants and links expire
            # later without a reindex): the read scope must stop matching at expiry by itself.
            indexed = {r.pk: record_policy.record_readers(r) for r in records}

        with freeze_time(LATER):
            if lift:
                services.record_lift_embargoes()
            for record in records:
                record.refresh_from_db()

            def expected(who: int | None, token_index: int | None) -> set[str]:
                """The rules, independently of the policy: who may read which record now."""
                result = set()
                for index, record in enumerate(records):
                    restricted = record.json["access"]["record"] == "restricted"
                    owner = record_specs[index].owner
                    allowed = not restricted or who == "admin" or who == owner
                    if who is not None and who != "admin":
                        allowed |= granted.get((index, "user", who), levels.NONE) >= 0
                        allowed |= any(
                            who in membership[g] and granted.get((index, "group", g), levels.NONE) >= 0
                            for g in range(len(membership))
                        )
                    if token_index is not None and token_index < len(links):
                        spec, _, live = links[token_index]
                        allowed |= live and spec.record == index
                    if allowed:
                        result.add(record.pk)
                return result

            people = [(i, users[i]) for i in range(n_users)] + [(None, AnonymousUser()), ("admin", admin)]
            for position, (who, user) in enumerate(people):
                token_index = presented[position] if position < len(presented) else None
                token = (
                    links[token_index][1] if token_index is not None and token_index < len(links) else None
                )
                want = expected(who, token_index)
                self._check(user, token, want, records, indexed)

    def _check(self, user, token: str | None, want: set[str], records: list[Record], indexed: dict) -> None:
        api, pages = APIClient(), Client()
        if user.is_authenticated:
            api.force_authenticate(user)
            pages.force_login(user)
        suffix = f"&token={token}" if token else ""
        response = api.get(f"/api/records?size=100{suffix}")
        assert response.status_code == 200
        found = {hit["id"] for hit in response.json()["hits"]["hits"]}
        from records.access.links import presenting

        with presenting(token):
            allowed = {
                r.pk for r in Record.objects.select_related("parent") if record_policy.can(user, "read", r)
            }
            scope = record_policy.read_scope(user)
            by_scope = {
                r.pk
                for r in records
                if scope.everything
                or r.json["access"]["record"] != "restricted"
                or scope.principals & record_policy.record_readers(r)
            }
            by_stale_index = {
                r.pk
                for r in records
                if scope.everything
                or r.json["access"]["record"] != "restricted"
                or scope.principals & indexed[r.pk]
            }
            files_readable = {r.pk for r in records if record_policy.can(user, "read_files", r)}
        assert found == allowed == want == by_scope, (user, token, found, allowed, want, by_scope)
        assert by_stale_index == want, (user, token, by_stale_index, want)
        # Facet counts count only what the user may see (each record has one access status).
        buckets = response.json()["aggregations"]["access_status"]["buckets"]
        assert sum(bucket["doc_count"] for bucket in buckets) == len(found)
        query = f"?token={token}" if token else ""
        for record in records:
            status = 200 if record.pk in want else 404
            assert api.get(f"/api/records/{record.pk}{query}").status_code == status
            # File URLs: invisible records are a 404; visible ones with restricted files a 403.
            files_status = 404 if record.pk not in want else (200 if record.pk in files_readable else 403)
            assert api.get(f"/api/records/{record.pk}/files{query}").status_code == files_status
            assert api.get(f"/api/records/{record.pk}/files-archive{query}").status_code in (
                {404} if files_status == 404 else {files_status, 404 if files_status == 200 else 403}
            )
            assert pages.get(f"/records/{record.pk}{query}").status_code == status
            assert pages.get(f"/records/{record.pk}/export/json{query}").status_code == status
