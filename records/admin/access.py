"""Admin of record access: a parent's grants and secret links (read-only), access requests, transfers.

Access changes through records.access services (the API), never by editing rows here.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from records.access.models import (
    AccessRequest,
    OwnershipTransfer,
    ParentGroupGrant,
    ParentUserGrant,
    SecretLink,
)
from records.admin.records import ReadOnlyInline


class UserGrantInline(ReadOnlyInline):
    model = ParentUserGrant
    fields = readonly_fields = ["user", "permission", "expires_at", "created"]
    verbose_name_plural = "grants to users"


class GroupGrantInline(ReadOnlyInline):
    model = ParentGroupGrant
    fields = readonly_fields = ["group", "permission", "expires_at", "created"]
    verbose_name_plural = "grants to groups"


class SecretLinkInline(ReadOnlyInline):
    model = SecretLink
    fields = readonly_fields = ["permission", "description", "expires_at", "created", "created_by"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services only: staff look, nobody edits here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()  # about others' records


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["parent", "requester", "email", "status", "created", "decided_at"]
    list_filter = ["status"]
    search_fields = ["parent__id", "requester__email", "email"]


@admin.register(OwnershipTransfer)
class OwnershipTransferAdmin(ReadOnlyAdmin):
    list_display = ["parent", "from_user", "to_user", "status", "created", "decided_at"]
    list_filter = ["status"]
    search_fields = ["parent__id", "from_user__email", "to_user__email"]
