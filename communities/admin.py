"""Admin for communities: members and featured entries inline, delete and restore through services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms.models import BaseInlineFormSet

from communities import services
from communities.models import Community, FeaturedCommunity, Membership, Role, Visibility
from communities.signals import community_membership_changed
from records.admin.base import describe_error, json_block
from repository.exceptions import RepositoryError


class MembershipFormSet(BaseInlineFormSet):
    """The members edited inline must keep at least one owner."""

    def clean(self) -> None:
        super().clean()
        owners = 0
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data and not data.get("DELETE") and data.get("role") == Role.OWNER:
                owners += 1
        if owners == 0:
            raise DjangoValidationError("A community must keep at least one owner.")


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    fields = ("user", "group", "role", "visible", "created")
    readonly_fields = ("created",)
    autocomplete_fields = ("user",)


class FeaturedFormSet(BaseInlineFormSet):
    """Only public communities are featured (as the featured API answers)."""

    def clean(self) -> None:
        super().clean()
        kept = [
            f for f in self.forms if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
        ]
        if kept and self.instance.visibility != Visibility.PUBLIC:
            raise DjangoValidationError("Only public communities can be featured.")


class FeaturedInline(admin.TabularInline):
    model = FeaturedCommunity
    formset = FeaturedFormSet
    extra = 0
    fields = ("start_date",)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    """Communities: settings are edited by their managers through the API and pages; admins curate
    members and featured entries here, and delete (tombstone) or restore communities."""

    list_display = ("slug", "title", "visibility", "review_policy", "is_deleted", "created")
    list_filter = ("visibility", "is_deleted", "review_policy", "member_policy")
    search_fields = ("slug", "title")
    readonly_fields = (
        "id",
        "slug",
        "title",
        "metadata_json",
        "visibility",
        "members_visibility",
        "member_policy",
        "record_submission_policy",
        "review_policy",
        "is_deleted",
        "tombstone_json",
        "created",
        "updated",
        "revision_id",
    )
    fields = readonly_fields
    inlines = (MembershipInline, FeaturedInline)
    actions = ("delete_communities", "restore_communities")

    @admin.display(description="metadata")
    def metadata_json(self, obj: Community) -> str:
        return json_block(obj.metadata)

    @admin.display(description="tombstone")
    def tombstone_json(self, obj: Community) -> str:
        return json_block(obj.tombstone) if obj.tombstone else "—"

    def has_add_permission(self, request) -> bool:
        return False  # created through the API or pages, by their owner

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deletion leaves a tombstone: use the action

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is Membership and (
            formset.new_objects or formset.changed_objects or formset.deleted_objects
        ):
            # members edited here join, leave or change role as through the API: tell the listeners
            community_membership_changed.send(sender=Community, community_id=str(form.instance.pk))

    def _each(self, request, queryset, service, verb: str) -> None:
        done = 0
        for community in queryset:
            try:
                service(actor=request.user, community_id=community.pk)
            except RepositoryError as exc:
                self.message_user(request, f"{community.slug}: {describe_error(exc)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} communit{'y' if done == 1 else 'ies'}.")

    @admin.action(description="Delete selected communities (tombstone; records stay)")
    def delete_communities(self, request, queryset) -> None:
        self._each(request, queryset, services.community_delete, "Deleted")

    @admin.action(description="Restore selected communities")
    def restore_communities(self, request, queryset) -> None:
        self._each(request, queryset, services.community_restore, "Restored")
