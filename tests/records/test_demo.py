"""load_demo: demo accounts and realistic records published through the services, idempotent."""

from __future__ import annotations

import datetime
import random
from io import StringIO

import idutils
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count

from accounts.models import User
from communities.demo import RESTRICTED_RECORDS
from communities.models import Community, CommunityRecord, FeaturedCommunity, Membership
from records.demo.generator import DemoContent, generate_orcid, generate_ror, orcid_check_digit
from records.models import DeletionStatus, Parent, PersistentIdentifier, PIDStatus, Record, RecordRevision
from records.validation import normalize_record, validate_record
from workflows.models import Request

DEMO_TYPES = {"dataset", "publication-article", "software", "image-photo", "poster", "presentation", "video"}


def load_demo(*args: str, **options) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "parents": Parent.objects.count(),
        "records": Record.objects.count(),
        "revisions": RecordRevision.objects.count(),
        "pids": PersistentIdentifier.objects.count(),
        "communities": Community.objects.count(),
        "memberships": Membership.objects.count(),
        "community_records": CommunityRecord.objects.count(),
        "requests": Request.objects.count(),
    }


def person_identifiers(record: Record, scheme: str) -> list[str]:
    metadata = record.json["metadata"]
    return [
        identifier["identifier"]
        for entry in metadata["creators"] + metadata.get("contributors", [])
        for identifier in entry["person_or_org"].get("identifiers", [])
        if identifier["scheme"] == scheme
    ]


@pytest.fixture
def loaded(db) -> str:
    return load_demo(password="demo-password-123", admin_password="admin-password-456")


def test_orcid_check_digit_matches_a_known_orcid():
    assert orcid_check_digit("000000021825009") == "7"  # 0000-0002-1825-0097, ORCID's example
    assert orcid_check_digit("000000021694233") == "X"  # 0000-0002-1694-233X, ORCID's example


def test_generated_identifiers_are_valid():
    rng = random.Random(7)
    assert all(idutils.is_orcid(generate_orcid(rng)) for _ in range(200))
    assert all(idutils.is_ror(generate_ror(rng)) for _ in range(50))


def test_content_is_deterministic():
    today = datetime.date(2025, 1, 1)
    first, second = DemoContent(today=today), DemoContent(today=today)
    pages = {work.key: f"https://example.org/{work.key}" for work in first.works}
    assert [first.document(w, landing_pages=pages) for w in first.works] == [
        second.document(w, landing_pages=pages) for w in second.works
    ]
    other_seed = DemoContent(seed=1, today=today)
    assert other_seed.document(other_seed.works[0]) != first.document(first.works[0])


@pytest.mark.django_db
def test_every_demo_document_is_valid():
    content = DemoContent()
    pages = {work.key: f"https://example.org/records/{work.key}" for work in content.works}
    for work in content.works:
        for index in range(1, work.version_count + 1):
            document = normalize_record(content.document(work, index, landing_pages=pages))
            assert validate_record(document) == [], (work.key, index)


def test_load_demo_publishes_realistic_records(loaded):
    records = list(Record.objects.select_related("parent__owner"))
    demo = User.objects.get(email="demo@example.org")
    admin = User.objects.get(email="admin@example.org")

    assert len(records) >= 50
    assert {record.parent.owner for record in records} == {demo}
    assert {record.json["metadata"]["resource_type"]["id"] for record in records} >= DEMO_TYPES
    # published through the services: one publish revision per record, registered recid and OAI PIDs
    assert RecordRevision.objects.filter(action=RecordRevision.Action.PUBLISH).count() == len(records)
    registered = PersistentIdentifier.objects.filter(status=PIDStatus.REGISTERED)
    live = [record.pk for record in records if record.deletion_status == DeletionStatus.PUBLISHED]
    assert set(registered.filter(scheme="oai").values_list("object_id", flat=True)) == set(live)
    assert all(record.search_text for record in records)

    versioned = Parent.objects.annotate(n=Count("records")).filter(n__gt=1)
    assert versioned.count() >= 3
    for parent in versioned:
        versions = list(parent.records.order_by("index"))
        assert [v.index for v in versions] == list(range(1, len(versions) + 1))
        assert [v.is_latest for v in versions] == [False] * (len(versions) - 1) + [True]
        assert versions[-1].json["metadata"]["version"] != versions[0].json["metadata"].get("version")

    orcids = [orcid for record in records for orcid in person_identifiers(record, "orcid")]
    assert len(set(orcids)) >= 20
    assert all(idutils.is_orcid(orcid) for orcid in orcids)
    rors = [ror for record in records for ror in person_identifiers(record, "ror")]
    assert rors and all(idutils.is_ror(ror) for ror in rors)

    dois = list(PersistentIdentifier.objects.filter(scheme="doi").values_list("value", flat=True))
    assert len(dois) >= 10 and all(doi.startswith("10.5072/") for doi in dois)
    assert any(record.json["metadata"].get("funding") for record in records)
    assert any(record.json["metadata"].get("related_identifiers") for record in records)
    assert any(record.json["access"]["embargo"]["active"] for record in records)
    assert authenticate(username="demo@example.org", password="demo-password-123") == demo
    assert admin.is_superuser and authenticate(username="admin@example.org", password="admin-password-456")
    assert "demo-password-123" in loaded and "admin-password-456" in loaded


def test_demo_communities_show_the_workflow(loaded, client):
    demo = User.objects.get(email="demo@example.org")
    admin = User.objects.get(email="admin@example.org")
    communities = {c.slug: c for c in Community.objects.all()}
    assert set(communities) == {"ocean-lab", "polar-consortium", "open-software"}
    assert {c.visibility for c in communities.values()} == {"public", "restricted"}
    roles = {
        (m.community.slug, m.user.email, m.role)
        for m in Membership.objects.select_related("community", "user")
    }
    assert roles == {
        ("ocean-lab", admin.email, "owner"),
        ("ocean-lab", demo.email, "reader"),
        ("polar-consortium", admin.email, "owner"),
        ("polar-consortium", demo.email, "curator"),
        ("open-software", demo.email, "owner"),
    }
    in_community = {
        slug: CommunityRecord.objects.filter(community__slug=slug).count() for slug in communities
    }
    assert in_community["ocean-lab"] == 6 and in_community["polar-consortium"] == RESTRICTED_RECORDS
    assert in_community["open-software"] >= 1
    secret_records = Record.objects.filter(parent__community_links__community__slug="polar-consortium")
    assert {r.json["access"]["record"] for r in secret_records} == {"restricted"}
    assert FeaturedCommunity.objects.get().community.slug == "ocean-lab"
    pending = {(r.type, r.receiver_id, r.created_by_id) for r in Request.objects.filter(status="submitted")}
    assert pending == {
        ("community-inclusion", str(communities["ocean-lab"].pk), str(demo.pk)),
        ("community-submission", str(communities["polar-consortium"].pk), str(admin.pk)),
    }
    assert Request.objects.filter(type="community-invitation", status="accepted").count() == 2
    # what a visitor and the demo user see
    assert client.get("/communities/ocean-lab").status_code == 200
    assert client.get("/communities/polar-consortium").status_code == 404
    client.force_login(demo)
    assert "field campaign" in client.get("/communities/polar-consortium").content.decode()
    inbox = client.get("/communities/polar-consortium/requests").content.decode()
    assert "snow depth" in inbox
    assert "Ocean Observing Lab" in client.get("/me/requests").content.decode()


def test_exactly_one_record_is_deleted_with_a_tombstone(loaded):
    deleted = Record.objects.get(deletion_status=DeletionStatus.DELETED)
    tombstone = deleted.tombstone
    assert tombstone["removal_reason"]["id"] in {"spam", "retracted"}
    assert tombstone["note"] and tombstone["citation_text"]
    assert deleted.json["metadata"]["title"] in tombstone["citation_text"]
    admin = User.objects.get(email="admin@example.org")
    assert tombstone["removed_by"] == {"user": str(admin.pk)}
    assert deleted.revisions.get(action=RecordRevision.Action.DELETE).user == admin
    assert not PersistentIdentifier.objects.filter(object_id=deleted.pk, status=PIDStatus.REGISTERED).exists()


def test_rerun_without_force_changes_nothing(loaded):
    before = snapshot()
    output = load_demo()
    assert snapshot() == before
    assert "already loaded" in output


def test_force_publishes_another_copy_with_fresh_dois(loaded):
    before = snapshot()
    output = load_demo("--force")
    after = snapshot()
    # the records again, not the communities (nor the restricted records they brought)
    assert after["records"] == 2 * before["records"] - RESTRICTED_RECORDS
    assert [after[key] - before[key] for key in ("communities", "memberships", "requests")] == [0, 0, 0]
    assert after["users"] == before["users"]
    assert "password unchanged" in output
    assert PersistentIdentifier.objects.filter(
        scheme="doi", value__startswith="10.5072/repono-demo2."
    ).exists()
    assert Record.objects.filter(deletion_status=DeletionStatus.DELETED).count() == 2
    assert "Demo communities already exist" in output


def test_records_loaded_before_communities_get_them_on_the_next_run(loaded):
    Community.objects.all().delete()
    Request.objects.all().delete()
    output = load_demo()
    assert "already loaded" in output and "Created demo communities" in output
    assert Community.objects.count() == 3


def test_generated_passwords_are_printed_once(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    User.objects.create_user("demo@example.org", "chosen-by-the-user")
    output = load_demo()
    assert "Using the existing demo depositor demo@example.org (password unchanged)" in output
    admin_password = output.split("Created admin admin@example.org with password: ")[1].split()[0]
    assert authenticate(username="admin@example.org", password=admin_password)
    assert authenticate(username="demo@example.org", password="chosen-by-the-user")
