"""Records and communities: submission review of drafts, inclusion of published records, removal.

A record joins a community by its parent (all versions). Submitting a draft for review and
asking to include a published record both create a request to the community; its curators
accept (the draft is published / the record included) or decline. Where the community's
review policy lets the actor publish directly, the request is accepted at once.
"""

from __future__ import annotations

from django.db import transaction

from communities.models import Community, CommunityRecord, Visibility
from communities.permissions import community_policy
from communities.services.communities import _unlink, visible_community
from communities.signals import community_records_changed
from records.models import Draft, Parent, Record
from records.permissions import draft_policy, record_policy
from repository.exceptions import Conflict, FieldError, NotFound, ValidationError
from repository.permissions import UserLike
from workflows.models import Request, RequestStatus
from workflows.services import request_create, request_transition

SUBMISSION_TYPE = "community-submission"
INCLUSION_TYPE = "community-inclusion"
MAX_COMMUNITIES_PER_CALL = 10
MAX_RECORDS_PER_CALL = 100


def _is_restricted(document: dict) -> bool:
    access = document.get("access") if isinstance(document, dict) else None
    return isinstance(access, dict) and access.get("record") == "restricted"


def check_visibility_fits(community: Community, document: dict) -> None:
    """A restricted community only takes restricted records (else they would be shown publicly)."""
    if community.visibility == Visibility.RESTRICTED and not _is_restricted(document):
        raise ValidationError(
            "A restricted community only accepts restricted records.",
            errors=[FieldError("access.record", ["Must be restricted to join a restricted community."])],
        )


def include_parent(community: Community, parent_id: str) -> CommunityRecord:
    """Link a parent to a community (the first community becomes the default one)."""
    from records.services import records_changed_in_transaction

    Parent.objects.select_for_update().filter(pk=parent_id).first()
    link = CommunityRecord.objects.filter(community=community, parent_id=parent_id).first()
    if link is not None:
        return link
    has_default = CommunityRecord.objects.filter(parent_id=parent_id, is_default=True).exists()
    link = CommunityRecord.objects.create(
        community=community, parent_id=parent_id, is_default=not has_default
    )
    community_records_changed.send(
        sender=Community, community_id=str(community.pk), parent_ids=[parent_id], action="added"
    )
    record_ids = list(Record.objects.filter(parent_id=parent_id).values_list("pk", flat=True))
    records_changed_in_transaction(record_ids, action="community")
    return link


# --- submission review of drafts ---------------------------------------------------------


def _locked_draft(actor: UserLike, draft_id: str) -> Draft:
    draft = Draft.objects.select_for_update().select_related("parent").filter(pk=draft_id).first()
    if draft is None or not draft_policy.can(actor, "read", draft):
        raise NotFound("Draft not found.")
    draft_policy.require(actor, "update", draft)
    return draft


def review_of(draft_id: str) -> Request | None:
    """The draft's current review request (not cancelled or declined), if any."""
    return (
        Request.objects.filter(type=SUBMISSION_TYPE, topic_type="record", topic_id=draft_id)
        .exclude(status__in=[RequestStatus.CANCELLED, RequestStatus.DECLINED, RequestStatus.EXPIRED])
        .order_by("-created")
        .first()
    )


def _review_community(actor: UserLike, data: object) -> Community:
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.")
    if data.get("type", SUBMISSION_TYPE) != SUBMISSION_TYPE:
        raise ValidationError(errors=[FieldError("type", [f"Must be {SUBMISSION_TYPE}."])])
    receiver = data.get("receiver")
    community_id = receiver.get("community") if isinstance(receiver, dict) else None
    if not isinstance(community_id, str) or not community_id:
        raise ValidationError(errors=[FieldError("receiver.community", ["Missing data for required field."])])
    from communities.selectors import community_find

    found = community_find(community_id)
    if found is None or not community_policy.can(actor, "read", found.community):
        raise ValidationError(errors=[FieldError("receiver.community", ["No such community."])])
    community = found.community
    if not community_policy.can(actor, "submit_record", community):
        raise ValidationError(
            errors=[
                FieldError("receiver.community", ["This community does not accept submissions from you."])
            ]
        )
    return community


@transaction.atomic
def review_create_or_update(*, actor: UserLike, draft_id: str, data: object) -> Request:
    """Choose (or change) the community that reviews a new draft; the request stays 'created'."""
    draft = _locked_draft(actor, draft_id)
    if Record.objects.filter(pk=draft.pk).exists():
        raise ValidationError("A published record joins communities through inclusion requests, not review.")
    community = _review_community(actor, data)
    existing = review_of(draft.pk)
    if existing is not None:
        if existing.status != RequestStatus.CREATED:
            raise Conflict("The draft is already submitted for review; cancel the review first.")
        existing.delete()  # who may change the draft may change its unsubmitted review
    return request_create(
        actor=actor,
        type_id=SUBMISSION_TYPE,
        created_by={"user": str(actor.pk)},
        receiver={"community": str(community.pk)},
        topic={"record": draft.pk},
        title=draft.title or f"Draft {draft.pk}",
    )


@transaction.atomic
def review_delete(*, actor: UserLike, draft_id: str) -> None:
    """Remove a draft's review that was not submitted yet."""
    draft = _locked_draft(actor, draft_id)
    existing = review_of(draft.pk)
    if existing is None:
        raise NotFound("The draft has no review.")
    if existing.status != RequestStatus.CREATED:
        raise Conflict("A submitted review cannot be deleted; cancel it instead.")
    existing.delete()  # as for submitting: the draft's permission decides, not the request's


@transaction.atomic
def review_submit(*, actor: UserLike, draft_id: str, comment: object = None) -> Request:
    """Submit the draft for review; a curator of a community with open review publishes at once."""
    from records.validation import normalize_record, validate_record

    draft = _locked_draft(actor, draft_id)
    review = review_of(draft.pk)
    if review is None:
        raise NotFound("The draft has no review; choose a community first.")
    if review.status != RequestStatus.CREATED:
        raise Conflict(f"The review is already {review.status}.")
    community = Community.objects.select_for_update().get(pk=review.receiver_id)
    if not community_policy.can(actor, "submit_record", community):
        raise ValidationError(
            errors=[
                FieldError("receiver.community", ["This community does not accept submissions from you."])
            ]
        )
    check_visibility_fits(community, draft.json)
    errors = validate_record(normalize_record(draft.json))
    if errors:
        raise ValidationError("The draft has validation errors and cannot be submitted.", errors=errors)
    request = Request.objects.select_for_update().get(pk=review.pk)
    request_transition(request, "submit", actor, comment)
    if community_policy.can(actor, "publish_directly", community):
        request_transition(request, "accept", actor)
    return request


def accept_submission(request: Request, actor: UserLike | None) -> None:
    """On accept: the system publishes the draft for the accepting curator, into the community.

    Not as the draft's owner: the curator decided, so the revision names them (None when the
    system accepts, e.g. from the admin), and an inactive owner does not block the publication.
    """
    from records.services import draft_publish_as_system

    draft = Draft.objects.select_related("parent").filter(pk=request.topic_id).first()
    if draft is None:
        raise Conflict("The draft no longer exists.")
    community = Community.objects.select_for_update().filter(pk=request.receiver_id, is_deleted=False).first()
    if community is None:
        raise Conflict("The community no longer exists.")
    check_visibility_fits(community, draft.json)
    record = draft_publish_as_system(draft_id=draft.pk, on_behalf_of=actor)
    include_parent(community, record.parent_id)


# --- inclusion of published records ----------------------------------------------------


def _communities_from(data: object) -> list[tuple[int, str]]:
    if not isinstance(data, dict) or not isinstance(data.get("communities"), list) or not data["communities"]:
        raise ValidationError(errors=[FieldError("communities", ["Must be a non-empty list of {id}."])])
    items = data["communities"]
    if len(items) > MAX_COMMUNITIES_PER_CALL:
        raise ValidationError(
            errors=[FieldError("communities", [f"At most {MAX_COMMUNITIES_PER_CALL} at a time."])]
        )
    result = []
    for index, item in enumerate(items):
        community_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(community_id, str) or not community_id.strip():
            raise ValidationError(
                errors=[FieldError(f"communities.{index}.id", ["Must be a community id or slug."])]
            )
        result.append((index, community_id.strip()))
    return result


def _locked_record(actor: UserLike, record_id: str, action: str) -> Record:
    from records.services import get_record_for_update

    record = get_record_for_update(record_id)
    if not record_policy.can(actor, "read", record):
        raise NotFound()
    record_policy.require(actor, action, record)
    return record


@transaction.atomic
def record_communities_add(*, actor: UserLike, record_id: str, data: object, comment: object = None) -> dict:
    """Ask communities to include a published record (its owner): one inclusion request each.

    Returns ``{"processed": [...], "errors": [...]}`` as InvenioRDM does: a community that cannot
    take the record is reported in ``errors`` and does not stop the others.
    """
    from communities.selectors import community_find

    record = _locked_record(actor, record_id, "edit")
    processed, errors = [], []
    for _, community_id in _communities_from(data):
        found = community_find(community_id)
        community = found.community if found else None
        if community is None or not community_policy.can(actor, "read", community):
            errors.append({"community": community_id, "message": "Community not found."})
            continue
        try:
            with transaction.atomic():
                request = _include_one(actor, record, community, comment)
        except (ValidationError, Conflict) as exc:
            errors.append({"community": community_id, "message": exc.message})
            continue
        processed.append({"community": str(community.pk), "request_id": str(request.pk), "request": request})
    return {"processed": processed, "errors": errors}


def _include_one(actor: UserLike, record: Record, community: Community, comment: object) -> Request:
    if CommunityRecord.objects.filter(community=community, parent_id=record.parent_id).exists():
        raise Conflict("The record is already in this community.")
    if not community_policy.can(actor, "submit_record", community):
        raise ValidationError("This community does not accept submissions from you.")
    check_visibility_fits(community, record.json)
    if Request.objects.filter(
        type=INCLUSION_TYPE,
        topic_type="record",
        topic_id=record.pk,
        receiver_id=str(community.pk),
        status=RequestStatus.SUBMITTED,
    ).exists():
        raise Conflict("The record is already waiting for this community's review.")
    request = request_create(
        actor=actor,
        type_id=INCLUSION_TYPE,
        created_by={"user": str(actor.pk)},
        receiver={"community": str(community.pk)},
        topic={"record": record.pk},
        title=record.title or f"Record {record.pk}",
        submit=True,
        comment=comment,
    )
    if community_policy.can(actor, "publish_directly", community):
        request_transition(request, "accept", actor)
    return request


def accept_inclusion(request: Request, actor: UserLike) -> None:
    """On accept: include the record (all versions) in the community."""
    record = Record.objects.filter(pk=request.topic_id, deletion_status="P").first()
    community = Community.objects.select_for_update().filter(pk=request.receiver_id, is_deleted=False).first()
    if record is None or community is None:
        raise Conflict("The record or the community no longer exists.")
    check_visibility_fits(community, record.json)
    include_parent(community, record.parent_id)


@transaction.atomic
def record_include(*, actor: UserLike, record_id: str, community_id: object) -> CommunityRecord:
    """Include a published record directly (community curators+, e.g. from the admin)."""
    community = visible_community(actor, community_id, "curate")
    record = Record.objects.filter(pk=record_id, deletion_status="P").first()
    if record is None:
        raise NotFound()
    check_visibility_fits(community, record.json)
    return include_parent(community, record.parent_id)


@transaction.atomic
def record_communities_remove(*, actor: UserLike, record_id: str, data: object) -> dict:
    """Take a record out of communities (its owner, or curators+ of each community)."""
    from communities.selectors import community_find
    from records.services import get_record_for_update

    record = get_record_for_update(record_id)
    if not record_policy.can(actor, "read", record):
        raise NotFound()
    owner = record_policy.can(actor, "edit", record)
    processed, errors = [], []
    for _, community_id in _communities_from(data):
        found = community_find(community_id)
        community = found.community if found else None
        linked = (
            community is not None
            and CommunityRecord.objects.filter(community=community, parent_id=record.parent_id).exists()
        )
        if not linked or not community_policy.can(actor, "read", community):
            errors.append({"community": community_id, "message": "The record is not in this community."})
            continue
        if not (owner or community_policy.can(actor, "curate", community)):
            errors.append({"community": community_id, "message": "Permission denied."})
            continue
        _unlink(community, [record.parent_id])
        processed.append({"community": str(community.pk)})
    return {"processed": processed, "errors": errors}


@transaction.atomic
def community_records_remove(*, actor: UserLike, community_id: object, data: object) -> dict:
    """Bulk-remove records from a community (curators+); ``{"records": [{"id": ...}]}``."""
    community = visible_community(actor, community_id, "curate")
    items = data.get("records") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ValidationError(errors=[FieldError("records", ["Must be a non-empty list of {id}."])])
    if len(items) > MAX_RECORDS_PER_CALL:
        raise ValidationError(errors=[FieldError("records", [f"At most {MAX_RECORDS_PER_CALL} at a time."])])
    processed, errors, parent_ids = [], [], []
    for index, item in enumerate(items):
        record_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(record_id, str):
            raise ValidationError(errors=[FieldError(f"records.{index}.id", ["Must be a record id."])])
        record = Record.objects.filter(pk=record_id).first()
        if (
            record is None
            or not CommunityRecord.objects.filter(community=community, parent_id=record.parent_id).exists()
        ):
            errors.append({"record_id": record_id, "message": "The record is not in this community."})
            continue
        if record.parent_id not in parent_ids:
            parent_ids.append(record.parent_id)
        processed.append({"record_id": record_id})
    _unlink(community, parent_ids)
    return {"processed": processed, "errors": errors}
