"""Admin of published records, drafts and parents."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from records import admin_services, services
from records.admin.base import ServiceAdmin, admin_link, describe_error, json_block
from records.documents import creator_display_names
from records.forms import DraftAdminForm, RecordAdminForm, RecordDeleteForm, error_lines
from records.models import Draft, Parent, Record
from records.permissions import draft_policy, record_policy
from records.validation import normalize_record, validate_record
from repository.exceptions import RepositoryError
from repository.permissions import is_admin


@admin.register(Record)
class RecordAdmin(ServiceAdmin):
    form = RecordAdminForm
    list_display = [
        "id",
        "title",
        "creators",
        "index",
        "is_latest",
        "deletion_status",
        "created",
        "updated",
    ]
    list_filter = ["deletion_status", "is_latest", "created", "updated"]
    search_fields = ["id", "title"]
    readonly_fields = [
        "id",
        "parent_link",
        "index",
        "is_latest",
        "deletion_status",
        "tombstone_view",
        "revision_id",
        "revisions_link",
        "draft_link",
        "created",
        "updated",
        "title",
        "publication_date",
    ]
    actions = ["delete_records", "restore_records"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Record]:
        queryset = super().get_queryset(request)
        if record_policy.can(request.user, "read_deleted"):
            return queryset
        return record_policy.filter_visible(request.user, queryset)

    def get_fieldsets(self, request: HttpRequest, obj: Record | None = None):
        document = ["draft_link", "document"]
        if self.has_change_permission(request, obj):
            document.append("revision")  # the hidden revision the edit started from
        return [
            (None, {"fields": ["id", "parent_link", "index", "is_latest", "revision_id", "revisions_link"]}),
            ("Status", {"fields": ["deletion_status", "tombstone_view", "created", "updated"]}),
            ("Document", {"fields": document}),
            ("Search projection", {"fields": ["title", "publication_date"], "classes": ["collapse"]}),
        ]

    def has_change_permission(self, request: HttpRequest, obj: Record | None = None) -> bool:
        # A deleted record is read-only until restored; only admins edit published records.
        if obj is not None and obj.is_deleted:
            return False
        return super().has_change_permission(request, obj) and is_admin(request.user)

    def has_curate_permission(self, request: HttpRequest) -> bool:
        return record_policy.can(request.user, "delete")

    def save_model(self, request, obj, form, change) -> None:
        admin_services.record_admin_update(
            actor=request.user,
            record_id=obj.pk,
            document=form.cleaned_data["document"],
            revision_id=form.cleaned_data["revision"],
        )

    @admin.display(description="creators")
    def creators(self, record: Record) -> str:
        metadata = record.json.get("metadata") if isinstance(record.json.get("metadata"), dict) else {}
        return "; ".join(creator_display_names(metadata)[:3])

    @admin.display(description="document (JSON)")
    def document(self, record: Record) -> str:
        return json_block(record.json)

    @admin.display(description="tombstone")
    def tombstone_view(self, record: Record) -> str:
        return json_block(record.tombstone) if record.tombstone else "-"

    @admin.display(description="parent")
    def parent_link(self, record: Record) -> str:
        return admin_link(record.parent)

    @admin.display(description="edit draft")
    def draft_link(self, record: Record) -> str:
        draft = Draft.objects.filter(pk=record.pk).only("pk").first()
        if draft is None:
            return "-"
        # Publishing that draft replaces the document, including changes made here meanwhile.
        return format_html("{} (publishing it replaces this document)", admin_link(draft, "open"))

    @admin.display(description="revisions")
    def revisions_link(self, record: Record) -> str:
        url = reverse("admin:records_recordrevision_changelist")
        return format_html(
            '<a href="{}?{}">{} revisions</a>',
            url,
            urlencode({"record": record.pk}),
            record.revisions.count(),
        )

    @admin.action(description="Delete selected records (tombstone)", permissions=["curate"])
    def delete_records(self, request: HttpRequest, queryset: QuerySet[Record]) -> HttpResponse | None:
        form = RecordDeleteForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            deleted = 0
            for record in queryset:
                try:
                    services.record_delete(actor=request.user, record_id=record.pk, **form.cleaned_data)
                except RepositoryError as exc:
                    self.message_user(request, f"Record {record.pk}: {describe_error(exc)}", messages.ERROR)
                else:
                    deleted += 1
            if deleted:
                self.message_user(request, f"Deleted {deleted} record(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Delete records",
            "opts": self.opts,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/records/record/delete_records.html", context)

    @admin.action(description="Restore selected deleted records", permissions=["curate"])
    def restore_records(self, request: HttpRequest, queryset: QuerySet[Record]) -> None:
        restored = 0
        for record in queryset:
            try:
                services.record_restore(actor=request.user, record_id=record.pk)
            except RepositoryError as exc:
                self.message_user(request, f"Record {record.pk}: {describe_error(exc)}", messages.ERROR)
            else:
                restored += 1
        if restored:
            self.message_user(request, f"Restored {restored} record(s).", messages.SUCCESS)


@admin.register(Draft)
class DraftAdmin(ServiceAdmin):
    form = DraftAdminForm
    list_display = ["id", "title", "index", "parent", "owner", "is_edit", "revision_id", "updated"]
    list_filter = ["updated", "created"]
    search_fields = ["id", "title", "parent__owner__email"]
    list_select_related = ["parent__owner"]
    readonly_fields = [
        "id",
        "parent_link",
        "index",
        "revision_id",
        "fork_version_id",
        "created",
        "updated",
        "validation_errors",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "id",
                    "parent_link",
                    "index",
                    "revision_id",
                    "fork_version_id",
                    "created",
                    "updated",
                ]
            },
        ),
        ("Document", {"fields": ["validation_errors", "document", "revision"]}),
    ]
    actions = ["publish_drafts"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Draft]:
        published = Record.objects.filter(pk=OuterRef("pk"))
        queryset = super().get_queryset(request).annotate(is_edit=Exists(published))
        return draft_policy.filter_visible(request.user, queryset)

    def save_model(self, request, obj, form, change) -> None:
        if "document" not in form.changed_data:
            return  # draft_update always counts a revision; an unchanged save writes nothing
        _, errors = services.draft_update(
            actor=request.user,
            draft_id=obj.pk,
            data=form.cleaned_data["document"],
            revision_id=form.cleaned_data["revision"],
        )
        if errors:
            lines = "; ".join(error_lines(errors))
            self.message_user(request, f"Saved with validation errors: {lines}", messages.WARNING)

    @admin.display(description="owner", ordering="parent__owner__email")
    def owner(self, draft: Draft) -> str:
        return str(draft.parent.owner or "-")

    @admin.display(description="edit of published", boolean=True, ordering="is_edit")
    def is_edit(self, draft: Draft) -> bool:
        return draft.is_edit

    @admin.display(description="parent")
    def parent_link(self, draft: Draft) -> str:
        return admin_link(draft.parent)

    @admin.display(description="validation errors")
    def validation_errors(self, draft: Draft) -> str:
        lines = error_lines(validate_record(normalize_record(draft.json)))
        if not lines:
            return "None: the draft can be published."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

    @admin.display(description="document (JSON)")
    def document(self, draft: Draft) -> str:
        return json_block(draft.json)

    @admin.action(description="Publish selected drafts", permissions=["change"])
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[Draft]) -> None:
        published = 0
        for draft in queryset:
            try:
                services.draft_publish(actor=request.user, draft_id=draft.pk)
            except RepositoryError as exc:
                self.message_user(
                    request, f"Draft {draft.pk} was not published: {describe_error(exc)}", messages.ERROR
                )
            else:
                published += 1
        if published:
            self.message_user(request, f"Published {published} draft(s).", messages.SUCCESS)


class ReadOnlyInline(admin.TabularInline):
    """Rows listed with a link to their own page; nothing is changed from here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ParentRecordInline(ReadOnlyInline):
    model = Record
    fields = readonly_fields = ["index", "title", "is_latest", "deletion_status", "created", "updated"]
    ordering = ["-index"]
    verbose_name_plural = "published versions"


class ParentDraftInline(ReadOnlyInline):
    model = Draft
    fields = readonly_fields = ["index", "title", "created", "updated"]
    ordering = ["-index"]


@admin.register(Parent)
class ParentAdmin(ServiceAdmin):
    list_display = ["id", "owner", "record_count", "created", "updated"]
    list_filter = ["created"]
    search_fields = ["id", "owner__email"]
    list_select_related = ["owner"]
    fields = readonly_fields = ["id", "owner_link", "created", "updated", "parent_json"]
    inlines = [ParentRecordInline, ParentDraftInline]

    def get_inlines(self, request: HttpRequest, obj: Parent | None = None):
        from records.admin.access import GroupGrantInline, SecretLinkInline, UserGrantInline

        return [*self.inlines, UserGrantInline, GroupGrantInline, SecretLinkInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Parent]:
        queryset = super().get_queryset(request).annotate(record_count=Count("records"))
        if request.user.is_superuser:
            return queryset
        # Staff see the parents of the records and drafts the policies let them see.
        visible_records = record_policy.filter_visible(request.user, Record.objects.all())
        visible_drafts = draft_policy.filter_visible(request.user, Draft.objects.all())
        return queryset.filter(
            Q(pk__in=visible_records.values("parent_id")) | Q(pk__in=visible_drafts.values("parent_id"))
        )

    def has_change_permission(self, request: HttpRequest, obj: Parent | None = None) -> bool:
        return False  # owner and access change through their own services, not here

    @admin.display(description="versions", ordering="record_count")
    def record_count(self, parent: Parent) -> int:
        return parent.record_count

    @admin.display(description="owner")
    def owner_link(self, parent: Parent) -> str:
        return admin_link(parent.owner) if parent.owner else "-"

    @admin.display(description="parent data (JSON)")
    def parent_json(self, parent: Parent) -> str:
        return json_block(parent.json)
