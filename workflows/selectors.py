"""Reads of requests as a user may see them: one request, listings with facets, the timeline."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from repository.exceptions import FieldError, NotFound, ValidationError
from repository.permissions import UserLike
from workflows.models import OPEN_STATUSES, Request, RequestEvent, RequestStatus
from workflows.permissions import request_policy
from workflows.registry import entity, entity_types, request_types
from workflows.search_fields import REQUEST_SEARCH
from workflows.services import parse_event_id, parse_uuid

REQUEST_SORTS = {
    "newest": ("-created",),
    "oldest": ("created",),
    "updated-desc": ("-updated",),
    "updated-asc": ("updated",),
}
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def request_get(actor: UserLike, request_id: object) -> Request:
    """A request the actor may read, else 404."""
    request = Request.objects.filter(pk=parse_uuid(request_id)).first()
    if request is None or not request_policy.can(actor, "read", request):
        raise NotFound("Request not found.")
    return request


def requests_of_parties(actor: UserLike, queryset: QuerySet) -> QuerySet:
    """Requests in which the actor is a party (creator or receiver), even for admins."""
    condition = Q(pk__in=[])
    for type_key in entity_types():
        ids = entity(type_key).ids_for(actor)
        if ids:
            condition |= Q(created_by_type=type_key, created_by_id__in=ids)
            condition |= Q(receiver_type=type_key, receiver_id__in=ids)
    return queryset.filter(condition)


def filter_requests(queryset: QuerySet, query_params) -> QuerySet:
    """Apply the listing filters: q (title words), type, status, is_open, receiver/topic references."""
    errors = []
    types = query_params.getlist("type")
    known_types = {t.type_id for t in request_types()}
    if unknown := [t for t in types if t not in known_types]:
        errors.append(FieldError("type", [f"Unknown request type(s): {', '.join(unknown)}."]))
    statuses = query_params.getlist("status")
    if unknown := [s for s in statuses if s not in RequestStatus.values]:
        errors.append(FieldError("status", [f"Unknown status(es): {', '.join(unknown)}."]))
    is_open = query_params.get("is_open")
    if is_open is not None and is_open.lower() not in BOOLEANS:
        errors.append(FieldError("is_open", ["Must be true or false."]))
    if errors:
        raise ValidationError(errors=errors)
    if types:
        queryset = queryset.filter(type__in=types)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if is_open is not None:
        open_q = Q(status__in=OPEN_STATUSES)
        queryset = queryset.filter(open_q if BOOLEANS[is_open.lower()] else ~open_q)
    return REQUEST_SEARCH.filter(queryset, query_params.get("q", ""))


def request_aggregations(queryset: QuerySet) -> dict:
    """Facets of a filtered listing: counts per type and per status (InvenioRDM's bucket shape)."""
    names = {t.type_id: t.name for t in request_types()}
    result = {}
    for field, labels in (("type", names), ("status", dict(RequestStatus.choices))):
        rows = queryset.order_by().values(field).annotate(n=Count("pk")).order_by("-n", field)
        result[field] = {
            "buckets": [
                {"key": row[field], "doc_count": row["n"], "label": labels.get(row[field], row[field])}
                for row in rows
            ]
        }
    return result


def timeline(actor: UserLike, request_id: object) -> QuerySet:
    """The events of a readable request, oldest first."""
    request = request_get(actor, request_id)
    return RequestEvent.objects.filter(request=request).select_related("created_by").order_by("created", "pk")


def comment_get(actor: UserLike, request_id: object, comment_id: object) -> RequestEvent:
    """A comment of a readable request, else 404."""
    request = request_get(actor, request_id)
    event = RequestEvent.objects.filter(
        pk=parse_event_id(comment_id), request=request, type=RequestEvent.Type.COMMENT
    ).first()
    if event is None:
        raise NotFound("Comment not found.")
    return event
