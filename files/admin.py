"""Admin of stored files: integrity status with filters, and buckets with their objects (read-only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest
from django.utils.html import format_html

from files import fixity
from files.models import Bucket, FileInstance, ObjectVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    """Files change through uploads and services only; the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class IntegrityFilter(admin.SimpleListFilter):
    title = "integrity"
    parameter_name = "integrity"

    def lookups(self, request, model_admin):
        return [("ok", "passed"), ("failed", "failed"), ("unchecked", "never checked")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "ok":
            return queryset.filter(last_check=True)
        if value == "failed":
            return queryset.filter(last_check=False)
        if value == "unchecked":
            return queryset.filter(last_check__isnull=True)
        return queryset


@admin.register(FileInstance)
class FileInstanceAdmin(ReadOnlyAdmin):
    list_display = ("id", "location", "size", "checksum", "integrity", "last_check_at", "readable", "created")
    list_filter = (IntegrityFilter, "location", "readable")
    search_fields = ("id", "checksum", "uri")
    ordering = ("-created",)
    actions = ["check_now"]

    @admin.display(description="integrity")
    def integrity(self, obj: FileInstance) -> str:
        if obj.last_check is None:
            return "never checked"
        if obj.last_check:
            return "passed"
        return format_html('<strong class="errornote">failed</strong>: {}', obj.last_check_detail)

    @admin.action(description="Check the selected files now")
    def check_now(self, request, queryset):
        if not request.user.is_superuser:
            self.message_user(request, "Only administrators can run checks.", messages.ERROR)
            return
        report = fixity.run_checks(queryset.filter(readable=True))
        level = messages.ERROR if report.failures else messages.SUCCESS
        self.message_user(request, f"Checked {report.checked} files, {len(report.failures)} failed.", level)


class ObjectVersionInline(admin.TabularInline):
    model = ObjectVersion
    fields = ("key", "status", "is_head", "delete_marker", "mimetype", "file", "created")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Bucket)
class BucketAdmin(ReadOnlyAdmin):
    list_display = ("id", "owner_kind", "record_id", "files", "quota_size", "max_file_size", "locked")
    list_filter = ("owner_kind", "locked")
    search_fields = ("record_id",)
    inlines = [ObjectVersionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(file_count=Count("versions"))

    @admin.display(description="objects", ordering="file_count")
    def files(self, obj: Bucket) -> int:
        return obj.file_count
