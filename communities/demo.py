"""Demo communities for load_demo: the community workflow, built through the services.

Three communities over the demo records: a public one the demo depositor reads (with a pending
inclusion request of theirs), a restricted one the depositor curates (with restricted records
and a draft waiting for the depositor's review) and a public one the depositor owns, whose open
review policy includes records at once. Loading is idempotent: nothing happens when the first
community already exists.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.db import transaction

from accounts.models import User
from communities import services
from communities.models import Community
from records import services as record_services
from records.models import DeletionStatus, Record
from repository.exceptions import ValidationError
from workflows.services import request_act

OCEAN, POLAR, SOFTWARE = "ocean-lab", "polar-consortium", "open-software"
RESTRICTED_RECORDS = 2  # records this loader publishes itself (the restricted community's)


@dataclass
class CommunitySummary:
    """What one load created."""

    communities: list[str] = field(default_factory=list)
    records: int = 0  # records included in the communities
    pending: list[str] = field(default_factory=list)


def demo_communities_loaded() -> bool:
    """The demo communities exist (a previous load created them)."""
    return Community.objects.filter(slug=OCEAN).exists()


def _community(owner: User, slug: str, title: str, kind: str, description: str, **access) -> Community:
    return services.community_create(
        actor=owner,
        data={
            "slug": slug,
            "metadata": {
                "title": title,
                "description": description,
                "type": {"id": kind},
                "curation_policy": "<p>Curators check metadata, licences and formats before accepting.</p>",
                "page": f"<h2>About</h2><p>{description}</p>",
                "website": "https://example.org/" + slug,
            },
            "access": access,
        },
    )


def _join(community: Community, inviter: User, member: User, role: str, message: str) -> None:
    """Invite MEMBER with ROLE and accept as them: what joining looks like through the requests."""
    (invitation,) = services.invitation_create(
        actor=inviter,
        community_id=community.pk,
        members=[{"type": "user", "id": str(member.pk)}],
        role=role,
        message=f"<p>{message}</p>",
    )
    request_act(actor=member, request_id=invitation.pk, action="accept", comment="<p>Happy to join.</p>")


def _derived_document(record: Record, title: str, *, restricted: bool) -> dict:
    """A new record's document from a demo record's metadata (no DOI, no files)."""
    document = {"metadata": copy.deepcopy(record.json["metadata"])}
    document["metadata"]["title"] = title
    document["access"] = {
        "record": "restricted" if restricted else "public",
        "files": "restricted" if restricted else "public",
    }
    document["files"] = {"enabled": False}
    return document


def _publish(owner: User, document: dict) -> Record:
    draft, errors = record_services.draft_create(actor=owner, data=document)
    if errors:
        raise ValidationError("A demo community record is invalid.", errors=errors)
    return record_services.draft_publish(actor=owner, draft_id=draft.pk)


@transaction.atomic
def load_demo_communities(*, depositor: User, admin: User) -> CommunitySummary | None:
    """Create the demo communities over the depositor's published records (None: already there)."""
    if demo_communities_loaded():
        return None
    summary = CommunitySummary()
    public = list(
        Record.objects.filter(
            parent__owner=depositor, is_latest=True, deletion_status=DeletionStatus.PUBLISHED
        )
        .exclude(json__access__record="restricted")
        .order_by("created", "id")
    )
    software = [r for r in public if r.json["metadata"]["resource_type"]["id"] == "software"][:3]
    others = [r for r in public if r not in software]
    if len(others) < 7:
        raise ValidationError("The demo communities need the demo records; load them first.")

    ocean = _community(
        admin,
        OCEAN,
        "Ocean Observing Lab",
        "organization",
        "Measurements and models of the world ocean, curated by the lab's data team.",
        visibility="public",
        member_policy="open",
        review_policy="closed",
    )
    _join(ocean, admin, depositor, "reader", "Welcome to the lab's collection.")
    for record in others[:6]:
        services.record_include(actor=admin, record_id=record.pk, community_id=ocean.pk)
        summary.records += 1
    services.featured_create(actor=admin, community_id=ocean.pk)
    inclusion = services.record_communities_add(
        actor=depositor,
        record_id=others[6].pk,
        data={"communities": [{"id": OCEAN}]},
        comment="<p>This dataset complements the lab's float profiles.</p>",
    )
    if inclusion["errors"]:
        raise ValidationError(f"Demo inclusion request: {inclusion['errors'][0]['message']}")
    summary.pending.append(f"inclusion request #{inclusion['processed'][0]['request'].number} to {OCEAN}")

    polar = _community(
        admin,
        POLAR,
        "Polar Research Consortium",
        "project",
        "Field campaigns of the consortium's partners; records are for members only.",
        visibility="restricted",
        members_visibility="restricted",
        member_policy="closed",
        record_submission_policy="closed",
        review_policy="closed",
    )
    _join(polar, admin, depositor, "curator", "Would you curate the consortium's submissions?")
    for number in range(1, RESTRICTED_RECORDS + 1):
        record = _publish(
            depositor,
            _derived_document(
                others[number], f"Consortium field campaign {number}: sea-ice cores", restricted=True
            ),
        )
        services.record_include(actor=admin, record_id=record.pk, community_id=polar.pk)
        summary.records += 1
    draft, errors = record_services.draft_create(
        actor=admin,
        data=_derived_document(
            others[0], "Consortium field campaign 3: snow depth (for review)", restricted=True
        ),
    )
    if errors:
        raise ValidationError("The demo submission is invalid.", errors=errors)
    review = services.review_create_or_update(
        actor=admin, draft_id=draft.pk, data={"receiver": {"community": POLAR}}
    )
    services.review_submit(
        actor=admin,
        draft_id=draft.pk,
        comment="<p>Snow depth from the spring campaign; please check the dates.</p>",
    )
    summary.pending.append(f"submission #{review.number} to {POLAR}")

    _community(
        depositor,
        SOFTWARE,
        "Open Ocean Software",
        "topic",
        "Tools for reading, checking and plotting ocean data.",
        visibility="public",
        review_policy="open",
    )
    for record in software:
        result = services.record_communities_add(
            actor=depositor, record_id=record.pk, data={"communities": [{"id": SOFTWARE}]}
        )
        if result["errors"]:
            raise ValidationError(f"Demo record {record.pk}: {result['errors'][0]['message']}")
        summary.records += 1
    summary.communities = [OCEAN, POLAR, SOFTWARE]
    return summary
