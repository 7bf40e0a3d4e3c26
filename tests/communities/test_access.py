"""Community roles in record-policy terms: reader principals, readable parents, reviewed drafts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from communities import access
from communities.services import community_delete
from records.models import Draft, Record
from tests.communities.factories import add_member, make_community, make_draft, new_user, restricted_document
from tests.records.conftest import publish
from workflows.services import request_act

pytestmark = pytest.mark.django_db


def test_members_hold_the_reader_principal_of_their_communities():
    owner, reader, grouped, stranger = new_user("o"), new_user("r"), new_user("g"), new_user("s")
    lab = make_community(owner, visibility="restricted")
    gone = make_community(owner)
    group = Group.objects.create(name="team")
    grouped.groups.add(group)
    lab.memberships.create(group=group, role="curator")
    add_member(lab, reader, "reader")
    add_member(gone, reader, "reader")
    community_delete(actor=owner, community_id=gone.pk)
    principal = access.community_principal(lab.pk)
    assert access.community_principals_of(reader) == {principal}
    assert access.community_principals_of(grouped) == {principal}
    assert access.community_principals_of(stranger) == frozenset()
    record = publish(owner, restricted_document())
    other = publish(owner, restricted_document())
    lab.record_links.create(parent_id=record.parent_id, is_default=True)
    assert access.parents_community_readers([record.parent_id, other.parent_id]) == {
        record.parent_id: {principal},
        other.parent_id: set(),
    }
    readable = set(Record.objects.filter(access.parents_readable_q(reader)).values_list("pk", flat=True))
    assert readable == {record.pk}
    assert access.reads_parent(reader, record.parent_id) and not access.reads_parent(
        stranger, record.parent_id
    )
    assert not Record.objects.filter(access.parents_readable_q(stranger)).exists()


def test_curators_review_the_drafts_submitted_to_them_only_while_submitted():
    owner, curator, reader, depositor = new_user("o"), new_user("c"), new_user("r"), new_user("d")
    lab = make_community(owner, slug="lab")
    add_member(lab, curator, "curator")
    add_member(lab, reader, "reader")
    draft = make_draft(depositor)
    from communities.services import review_create_or_update, review_submit

    review = review_create_or_update(
        actor=depositor, draft_id=draft.pk, data={"receiver": {"community": "lab"}}
    )
    assert not access.reviews_parent(curator, draft.parent_id)  # not submitted yet
    review_submit(actor=depositor, draft_id=draft.pk)
    assert access.reviews_parent(curator, draft.parent_id)
    assert not access.reviews_parent(reader, draft.parent_id)
    assert list(Draft.objects.filter(access.parents_reviewed_q(curator)).values_list("pk", flat=True)) == [
        draft.pk
    ]
    request_act(actor=depositor, request_id=review.pk, action="cancel")
    assert not access.reviews_parent(curator, draft.parent_id)
