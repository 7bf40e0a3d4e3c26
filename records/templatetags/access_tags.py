"""The access box of a landing page: status, embargo, and the request-access form where enabled."""

from __future__ import annotations

from django import template

from records.access.requests import access_settings
from records.permissions import record_policy

register = template.Library()


@register.inclusion_tag("records/_access_box.html", takes_context=True)
def access_box(context, record) -> dict:
    """What the visitor may do about the record's access (files readable, may ask, may manage)."""
    request = context["request"]
    user = request.user
    access = record.json.get("access") or {}
    may_read_files = record_policy.can(user, "read_files", record)
    settings = access_settings(record.parent)
    return {
        "record": record,
        "embargo": access.get("embargo") or {},
        "files_restricted": access.get("files") == "restricted",
        "may_read_files": may_read_files,
        "may_manage": record_policy.can(user, "manage", record),
        "ask_as_user": not may_read_files and user.is_authenticated and settings["allow_user_requests"],
        "ask_as_guest": not may_read_files and not user.is_authenticated and settings["allow_guest_requests"],
        "csrf_token": context.get("csrf_token"),
        "messages": context.get("messages"),
    }
