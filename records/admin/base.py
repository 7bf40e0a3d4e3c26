"""Shared pieces of the records admin: services instead of saves, escaped JSON, links."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from records.forms import error_lines
from repository.exceptions import RepositoryError


def pretty_json(value, *, sort_keys: bool = False) -> str:
    return json.dumps(value, indent=2, sort_keys=sort_keys, ensure_ascii=False)


def json_block(value) -> str:
    """A JSON value as an escaped, indented <pre> block."""
    return format_html('<pre class="json-document">{}</pre>', pretty_json(value))


def describe_error(exc: RepositoryError) -> str:
    """A domain error as one line of plain text (messages are escaped when rendered)."""
    lines = error_lines(exc.errors)
    return f"{exc.message} {'; '.join(lines)}" if lines else exc.message


def admin_link(obj, text=None) -> str:
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[quote(obj.pk)])
    return format_html('<a href="{}">{}</a>', url, obj if text is None else text)


class ServiceAdmin(admin.ModelAdmin):
    """Saves go through services; a domain error raised while saving is shown, not a 500.

    The change view runs in one transaction: when a service refuses (for example another
    user saved in between), everything including the admin log entry is rolled back.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RepositoryError as exc:
            self.message_user(request, f"Not saved: {describe_error(exc)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by services (deposit, publish, PID minting), never typed in

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # records are never hard-deleted; history and PIDs stay
