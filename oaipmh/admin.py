"""OAI sets in the admin: edits go through the services (spec immutable, membership rebuilt)."""

from __future__ import annotations

from django.contrib import admin

from oaipmh import services
from oaipmh.models import OAISet
from oaipmh.permissions import oai_set_policy


@admin.register(OAISet)
class OAISetAdmin(admin.ModelAdmin):
    """Custom sets: name, description and search pattern; the spec is fixed once created."""

    list_display = ("spec", "name", "search_pattern", "system", "updated")
    search_fields = ("spec", "name", "description")
    fields = ("spec", "name", "description", "search_pattern", "system", "created", "updated")
    readonly_fields = ("system", "created", "updated")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "spec") if obj is not None else self.readonly_fields

    def has_add_permission(self, request) -> bool:
        return oai_set_policy.can(request.user, "create")

    def has_change_permission(self, request, obj=None) -> bool:
        return oai_set_policy.can(request.user, "update") and not (obj and obj.system)

    def has_delete_permission(self, request, obj=None) -> bool:
        return oai_set_policy.can(request.user, "delete") and not (obj and obj.system)

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def save_model(self, request, obj, form, change) -> None:
        data = {key: form.cleaned_data[key] for key in ("name", "description", "search_pattern")}
        # The form already enforced what the services check (unique valid spec, required fields).
        if change:
            saved = services.oai_set_update(actor=request.user, set_id=obj.pk, data=data)
        else:
            saved = services.oai_set_create(actor=request.user, data={**data, "spec": obj.spec})
        obj.pk = saved.pk

    def delete_model(self, request, obj) -> None:
        services.oai_set_delete(actor=request.user, set_id=obj.pk)

    def delete_queryset(self, request, queryset) -> None:
        for oai_set in queryset:
            services.oai_set_delete(actor=request.user, set_id=oai_set.pk)
