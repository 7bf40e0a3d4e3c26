"""JSON shapes of requests and timeline events (InvenioRDM's), and their OpenAPI descriptions."""

from __future__ import annotations

from rest_framework import serializers

from workflows.models import Request, RequestEvent
from workflows.permissions import comment_policy, request_policy
from workflows.services import TRANSITIONS, USER_ACTIONS


class RequestSerializer(serializers.Serializer):
    """A request (for the OpenAPI document; responses are built by dump_request)."""

    id = serializers.CharField(read_only=True)
    number = serializers.CharField(read_only=True)
    type = serializers.CharField(read_only=True)
    title = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    status = serializers.CharField(read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    is_closed = serializers.BooleanField(read_only=True)
    is_expired = serializers.BooleanField(read_only=True)
    expires_at = serializers.CharField(read_only=True, allow_null=True)
    created_by = serializers.DictField(read_only=True)
    receiver = serializers.DictField(read_only=True)
    topic = serializers.DictField(read_only=True, allow_null=True)
    created = serializers.CharField(read_only=True)
    updated = serializers.CharField(read_only=True)
    revision_id = serializers.IntegerField(read_only=True)
    links = serializers.DictField(read_only=True)


class CommentPayloadSerializer(serializers.Serializer):
    content = serializers.CharField()
    format = serializers.CharField(required=False)


class CommentRequestSerializer(serializers.Serializer):
    """A comment to add or the new text of one: ``{"payload": {"content": "<p>...</p>"}}``."""

    payload = CommentPayloadSerializer()


class ActionRequestSerializer(serializers.Serializer):
    """An optional comment sent with an action."""

    payload = CommentPayloadSerializer(required=False)


class EventSerializer(serializers.Serializer):
    """A timeline event: a comment (C) or a log event (L)."""

    id = serializers.CharField()
    type = serializers.CharField()
    payload = serializers.DictField()
    created_by = serializers.DictField(allow_null=True)
    created = serializers.CharField()
    updated = serializers.CharField()
    revision_id = serializers.IntegerField()
    links = serializers.DictField()


class HitsSerializer(serializers.Serializer):
    hits = serializers.ListField(child=serializers.DictField())
    total = serializers.IntegerField()


class ListResponseSerializer(serializers.Serializer):
    """A page of requests or events with facets and paging links."""

    hits = HitsSerializer()
    aggregations = serializers.DictField()
    sortBy = serializers.CharField(required=False)  # noqa: N815 (InvenioRDM's key)
    links = serializers.DictField()


def _base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def dump_request(obj: Request, request) -> dict:
    """A request in InvenioRDM's shape, with the actions the caller may take now."""
    base = _base(request)
    api = f"{base}/api/requests/{obj.pk}"
    actions = {}
    for action in USER_ACTIONS:
        if TRANSITIONS[action][0] == obj.status and request_policy.can(request.user, action, obj):
            actions[action] = f"{api}/actions/{action}"
    return {
        "id": str(obj.pk),
        "number": str(obj.number),
        "type": obj.type,
        "title": obj.title,
        "description": obj.description,
        "status": obj.status,
        "is_open": obj.is_open,
        "is_closed": obj.is_closed,
        "is_expired": obj.status == "expired",
        "expires_at": obj.expires_at.isoformat() if obj.expires_at else None,
        "created_by": obj.created_by,
        "receiver": obj.receiver,
        "topic": obj.topic,
        "created": obj.created.isoformat(),
        "updated": obj.updated.isoformat(),
        "revision_id": obj.revision_id,
        "links": {
            "self": api,
            "self_html": f"{base}/me/requests/{obj.pk}",
            "comments": f"{api}/comments",
            "timeline": f"{api}/timeline",
            "actions": actions,
        },
    }


def dump_event(event: RequestEvent, request) -> dict:
    """A timeline event in InvenioRDM's shape."""
    api = f"{_base(request)}/api/requests/{event.request_id}/comments/{event.pk}"
    links = {"self": api} if event.type == RequestEvent.Type.COMMENT else {}
    if event.type == RequestEvent.Type.COMMENT and comment_policy.can(request.user, "update", event):
        links["update"] = links["delete"] = api
    return {
        "id": str(event.pk),
        "type": event.type,
        "payload": event.payload,
        "created_by": {"user": str(event.created_by_id)} if event.created_by_id else {"user": "system"},
        "created": event.created.isoformat(),
        "updated": event.updated.isoformat(),
        "revision_id": event.revision_id,
        "links": links,
    }
