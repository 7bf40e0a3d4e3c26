"""Every write to requests goes through these functions: one state machine for every workflow.

created → submitted (creator) → accepted | declined (receiver) | cancelled (creator) | expired
(the system). Each action writes a log event to the timeline, runs the request type's hook in
the same transaction, and queues the e-mail notification after commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from records.sanitize import sanitize_html
from repository.exceptions import FieldError, NotFound, ValidationError
from repository.ids import parse_row_id
from repository.permissions import UserLike
from workflows.models import Request, RequestEvent, RequestStatus
from workflows.permissions import comment_policy, request_policy
from workflows.registry import parse_reference, request_type

MAX_COMMENT_LENGTH = 25_000
MAX_TITLE_LENGTH = 250
MAX_NUMBER_ATTEMPTS = 5

# action → (status it starts from, status it leads to)
TRANSITIONS: dict[str, tuple[str, str]] = {
    "submit": (RequestStatus.CREATED, RequestStatus.SUBMITTED),
    "accept": (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED),
    "decline": (RequestStatus.SUBMITTED, RequestStatus.DECLINED),
    "cancel": (RequestStatus.SUBMITTED, RequestStatus.CANCELLED),
    "expire": (RequestStatus.SUBMITTED, RequestStatus.EXPIRED),
}
USER_ACTIONS = ("submit", "accept", "decline", "cancel")


class InvalidAction(ValidationError):
    """The action is not legal in the request's current status."""


def _notify(request: Request, event: str, actor: UserLike | None) -> None:
    from workflows.tasks import send_request_notification

    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    request_id = str(request.pk)
    transaction.on_commit(lambda: send_request_notification.delay(request_id, event, actor_id))


def _log(request: Request, event: str, actor: UserLike | None) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        type=RequestEvent.Type.LOG,
        payload={"event": event},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _clean_comment(content: object) -> str:
    if not isinstance(content, str):
        raise ValidationError(errors=[FieldError("payload.content", ["Must be a string."])])
    if len(content) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            errors=[FieldError("payload.content", [f"Must be at most {MAX_COMMENT_LENGTH} characters."])]
        )
    cleaned = sanitize_html(content).strip()
    if not cleaned:
        raise ValidationError(errors=[FieldError("payload.content", ["A comment cannot be empty."])])
    return cleaned


def _clean_text(value: object, field: str, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(errors=[FieldError(field, ["Must be a string."])])
    if max_length is not None and len(value) > max_length:
        raise ValidationError(errors=[FieldError(field, [f"Must be at most {max_length} characters."])])
    return value.strip()


def _next_number() -> int:
    return (Request.objects.aggregate(m=Max("number"))["m"] or 0) + 1


def parse_uuid(value: object, message: str = "Request not found.") -> uuid.UUID:
    """A UUID from a path parameter; NotFound when it is not one."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise NotFound(message) from exc


def parse_event_id(value: object) -> int:
    """A timeline event id from a path parameter; NotFound when it is not one."""
    row_id = parse_row_id(value)
    if row_id is None:
        raise NotFound("Comment not found.")
    return row_id


def get_request_for_update(request_id: object) -> Request:
    """The request row, locked until the transaction ends; NotFound if there is none."""
    request = Request.objects.select_for_update().filter(pk=parse_uuid(request_id)).first()
    if request is None:
        raise NotFound("Request not found.")
    return request


def _visible_request(actor: UserLike | None, request_id: object, action: str) -> Request:
    request = get_request_for_update(request_id)
    if not request_policy.can(actor, "read", request):
        raise NotFound("Request not found.")
    request_policy.require(actor, action, request)
    return request


@transaction.atomic
def request_create(
    *,
    actor: UserLike | None,
    type_id: str,
    created_by: dict,
    receiver: dict,
    topic: dict | None = None,
    title: str = "",
    description: str = "",
    expires_at: datetime | None = None,
    payload: dict | None = None,
    submit: bool = False,
    comment: str | None = None,
) -> Request:
    """Create a request of TYPE_ID (status created, or submitted when SUBMIT).

    Workflows call this; the entity references are checked against the type. Without
    EXPIRES_AT, a type with ``expires_after`` gets its default expiry on submit.
    """
    kind = request_type(type_id)
    creator_type, creator_id = parse_reference(created_by, "created_by", kind.creator_types)
    receiver_type, receiver_id = parse_reference(receiver, "receiver", kind.receiver_types)
    topic_type = topic_id = ""
    if kind.topic_types:
        if topic is None:
            raise ValidationError(errors=[FieldError("topic", ["Missing data for required field."])])
        topic_type, topic_id = parse_reference(topic, "topic", kind.topic_types)
    title = _clean_text(title, "title", MAX_TITLE_LENGTH)
    description = _clean_text(description, "description", MAX_COMMENT_LENGTH)
    request = None
    for _ in range(MAX_NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():  # two concurrent creations may pick the same number
                request = Request.objects.create(
                    number=_next_number(),
                    type=type_id,
                    title=title,
                    description=description,
                    created_by_type=creator_type,
                    created_by_id=creator_id,
                    receiver_type=receiver_type,
                    receiver_id=receiver_id,
                    topic_type=topic_type,
                    topic_id=topic_id,
                    expires_at=expires_at,
                    payload=payload or {},
                )
            break
        except IntegrityError:
            continue
    if request is None:
        raise ValidationError("Could not number the request; try again.")
    _log(request, "created", actor)
    if submit:
        request_transition(request, "submit", actor, comment)
    return request


def request_transition(
    request: Request, action: str, actor: UserLike | None, comment: object = None
) -> Request:
    """Move a locked REQUEST through ACTION: log, hook, notification. No permission check.

    For workflows that already decided the actor may do this (e.g. auto-accepting a
    submission where the review policy allows); everyone else calls ``request_act``.
    """
    source, target = TRANSITIONS[action]
    if request.status != source:
        raise InvalidAction(f"Cannot {action} a request that is {request.status}.")
    now = timezone.now()
    kind = request_type(request.type)
    if comment is not None:
        _comment(request, actor, comment)
    request.status = target
    if action == "submit" and request.expires_at is None and kind.expires_after is not None:
        request.expires_at = now + kind.expires_after
    request.updated = now
    request.revision_id += 1
    request.save(update_fields=["status", "expires_at", "updated", "revision_id"])
    _log(request, {"submit": "submitted"}.get(action, target), actor)
    if action == "expire":
        kind.on_expire(request)
    else:
        getattr(kind, f"on_{action}")(request, actor)
    _notify(request, target, actor)
    return request


def _comment(request: Request, actor: UserLike, content: object) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        type=RequestEvent.Type.COMMENT,
        payload={"content": _clean_comment(content), "format": "html"},
        created_by=actor,
    )


@transaction.atomic
def request_act(*, actor: UserLike, request_id: object, action: str, comment: object = None) -> Request:
    """Run a user action (submit, accept, decline, cancel), optionally with a comment."""
    if action not in USER_ACTIONS:
        raise NotFound(f"Unknown action {action!r}.")
    request = _visible_request(actor, request_id, action)
    return request_transition(request, action, actor, comment)


@transaction.atomic
def request_act_as_system(
    *, request_id: object, action: str, comment: str | None = None, on_behalf_of: UserLike | None = None
) -> Request:
    """Run an action as the system (admin site, tasks): no permission check, same state machine.

    ON_BEHALF_OF (an admin in the admin site) is recorded as the one who acted: in the timeline,
    and in what the action writes (an accepted submission's publish revision).
    """
    request = get_request_for_update(request_id)
    return request_transition(request, action, on_behalf_of, comment)


@transaction.atomic
def request_expire(*, request_id: object) -> Request:
    """Expire one overdue submitted request (the system)."""
    return request_act_as_system(request_id=request_id, action="expire")


def requests_expire_overdue(*, now: datetime | None = None) -> list[str]:
    """Expire every submitted request whose expires_at has passed; one transaction each."""
    now = now or timezone.now()
    overdue = Request.objects.filter(status=RequestStatus.SUBMITTED, expires_at__lte=now)
    expired = []
    for request_id in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            request = get_request_for_update(request_id)
            if request.status == RequestStatus.SUBMITTED and request.expires_at and request.expires_at <= now:
                request_transition(request, "expire", None)
                expired.append(str(request_id))
    return expired


@transaction.atomic
def request_update(
    *, actor: UserLike, request_id: object, data: dict, revision_id: int | None = None
) -> Request:
    """Change a request's title and description (its creator, while it is not closed)."""
    from records.services import check_revision

    request = _visible_request(actor, request_id, "update")
    check_revision(request.revision_id, revision_id)
    if request.is_closed:
        raise InvalidAction(f"Cannot update a request that is {request.status}.")
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.")
    fields = []
    if "title" in data:
        request.title = _clean_text(data["title"], "title", MAX_TITLE_LENGTH)
        fields.append("title")
    if "description" in data:
        request.description = _clean_text(data["description"], "description", MAX_COMMENT_LENGTH)
        fields.append("description")
    request.updated = timezone.now()
    request.revision_id += 1
    request.save(update_fields=[*fields, "updated", "revision_id"])
    return request


@transaction.atomic
def request_delete(*, actor: UserLike, request_id: object) -> None:
    """Delete a request that was never submitted (its creator)."""
    request = _visible_request(actor, request_id, "delete")
    if request.status != RequestStatus.CREATED:
        raise InvalidAction(f"Only created requests can be deleted; this one is {request.status}.")
    request.delete()


@transaction.atomic
def comment_create(*, actor: UserLike, request_id: object, content: object) -> RequestEvent:
    """Add a comment (sanitized HTML) to a request's timeline; the other party is notified."""
    request = _visible_request(actor, request_id, "comment")
    event = _comment(request, actor, content)
    _notify(request, "commented", actor)
    return event


def _visible_comment(actor: UserLike, request_id: object, comment_id: object, action: str) -> RequestEvent:
    request = _visible_request(actor, request_id, "read")
    event = (
        RequestEvent.objects.select_for_update()
        .filter(pk=parse_event_id(comment_id), request=request)
        .first()
    )
    if event is None or event.type != RequestEvent.Type.COMMENT:
        raise NotFound("Comment not found.")
    comment_policy.require(actor, action, event)
    return event


@transaction.atomic
def comment_update(
    *,
    actor: UserLike,
    request_id: object,
    comment_id: object,
    content: object,
    revision_id: int | None = None,
) -> RequestEvent:
    """Edit a comment (its author)."""
    from records.services import check_revision

    event = _visible_comment(actor, request_id, comment_id, "update")
    check_revision(event.revision_id, revision_id)
    event.payload = {"content": _clean_comment(content), "format": "html"}
    event.updated = timezone.now()
    event.revision_id += 1
    event.save(update_fields=["payload", "updated", "revision_id"])
    return event


@transaction.atomic
def comment_delete(*, actor: UserLike, request_id: object, comment_id: object) -> None:
    """Delete a comment (its author): it stays in the timeline as a 'comment deleted' log event."""
    event = _visible_comment(actor, request_id, comment_id, "delete")
    event.type = RequestEvent.Type.LOG
    event.payload = {"event": "comment_deleted", "content": "comment was deleted", "format": "html"}
    event.updated = timezone.now()
    event.revision_id += 1
    event.save(update_fields=["type", "payload", "updated", "revision_id"])
