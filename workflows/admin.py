"""Admin for requests: read the timeline; accept, decline, cancel or expire as the system."""

from __future__ import annotations

from django.contrib import admin, messages

from records.admin.base import describe_error
from repository.exceptions import RepositoryError
from workflows.models import NotificationPreference, Request, RequestEvent
from workflows.services import request_act_as_system


class EventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ("created", "type", "created_by", "payload")
    readonly_fields = fields
    ordering = ("created", "id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    """Requests are read here; actions run the state machine as the system (no party needed)."""

    list_display = (
        "number",
        "type",
        "status",
        "title",
        "created_by_ref",
        "receiver_ref",
        "created",
        "expires_at",
    )
    list_filter = ("type", "status")
    search_fields = ("title", "=number")
    readonly_fields = (
        "id",
        "number",
        "type",
        "status",
        "title",
        "description",
        "created_by_ref",
        "receiver_ref",
        "topic_ref",
        "payload",
        "expires_at",
        "created",
        "updated",
        "revision_id",
    )
    fields = readonly_fields
    inlines = (EventInline,)
    actions = ("accept_as_system", "decline_as_system", "cancel_as_system", "expire_as_system")

    @admin.display(description="created by")
    def created_by_ref(self, obj: Request) -> str:
        return f"{obj.created_by_type}:{obj.created_by_id}"

    @admin.display(description="receiver")
    def receiver_ref(self, obj: Request) -> str:
        return f"{obj.receiver_type}:{obj.receiver_id}"

    @admin.display(description="topic")
    def topic_ref(self, obj: Request) -> str:
        return f"{obj.topic_type}:{obj.topic_id}" if obj.topic_type else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _act(self, request, queryset, action: str) -> None:
        done = 0
        for obj in queryset:
            try:
                request_act_as_system(request_id=obj.pk, action=action, on_behalf_of=request.user)
            except RepositoryError as exc:
                self.message_user(request, f"#{obj.number}: {describe_error(exc)}", messages.ERROR)
            else:
                self.log_change(request, obj, f"{action.capitalize()} as the system")
                done += 1
        if done:
            self.message_user(request, f"{action.capitalize()}: {done} request(s).")

    @admin.action(description="Accept selected requests as the system")
    def accept_as_system(self, request, queryset) -> None:
        self._act(request, queryset, "accept")

    @admin.action(description="Decline selected requests as the system")
    def decline_as_system(self, request, queryset) -> None:
        self._act(request, queryset, "decline")

    @admin.action(description="Cancel selected requests as the system")
    def cancel_as_system(self, request, queryset) -> None:
        self._act(request, queryset, "cancel")

    @admin.action(description="Expire selected requests as the system")
    def expire_as_system(self, request, queryset) -> None:
        self._act(request, queryset, "expire")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled")
    autocomplete_fields = ("user",)
