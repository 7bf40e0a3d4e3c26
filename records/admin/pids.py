"""Admin of persistent identifiers: read-only except their status."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from records import admin_services
from records.admin.base import ServiceAdmin
from records.forms import PIDAdminForm
from records.models import PersistentIdentifier, PIDStatus
from repository.permissions import is_admin


@admin.register(PersistentIdentifier)
class PersistentIdentifierAdmin(ServiceAdmin):
    form = PIDAdminForm
    list_display = [
        "value",
        "scheme",
        "status",
        "object_type",
        "object_link",
        "provider",
        "redirect_to",
        "updated",
    ]
    list_filter = ["scheme", "status", "object_type", "provider"]
    search_fields = ["value", "object_id"]
    list_select_related = ["redirect_to"]
    fields = [
        "scheme",
        "value",
        "object_type",
        "object_link",
        "provider",
        "status",
        "redirect_to",
        "created",
        "updated",
    ]
    readonly_fields = ["scheme", "value", "object_type", "object_link", "provider", "created", "updated"]
    autocomplete_fields = ["redirect_to"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and is_admin(request.user)

    def save_model(self, request, obj, form, change) -> None:
        admin_services.pid_status_update(
            actor=request.user,
            pid_id=obj.pk,
            status=form.cleaned_data["status"],
            redirect_to_id=getattr(form.cleaned_data["redirect_to"], "pk", None),
        )

    @admin.display(description="object")
    def object_link(self, pid: PersistentIdentifier) -> str:
        if not pid.object_id:
            return "-"
        if pid.object_type == PersistentIdentifier.ObjectType.PARENT:
            name = "parent"
        elif pid.status == PIDStatus.NEW:
            name = "draft"  # reserved for a draft that was never published
        else:
            name = "record"
        url = reverse(f"admin:records_{name}_change", args=[quote(pid.object_id)])
        return format_html('<a href="{}">{}</a>', url, pid.object_id)
