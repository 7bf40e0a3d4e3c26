"""Admin of record revisions: each one read-only, and a side-by-side diff of two."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from records.admin.base import ServiceAdmin, json_block, pretty_json
from records.models import RecordRevision
from records.permissions import record_policy

DIFF_CONTEXT_LINES = 3


@dataclass(frozen=True)
class DiffRow:
    """One line pair of a side-by-side diff; a number is None where that side has no line."""

    kind: str  # equal, replace, delete or insert (difflib's opcodes)
    old_number: int | None
    old_text: str
    new_number: int | None
    new_text: str


def side_by_side_diff(old_text: str, new_text: str, context: int | None) -> list[list[DiffRow]]:
    """Hunks of a line diff; ``context`` lines around changes, or everything when None."""
    old, new = old_text.splitlines(), new_text.splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    groups = [matcher.get_opcodes()] if context is None else list(matcher.get_grouped_opcodes(context))
    hunks = []
    for group in groups:
        rows = []
        for kind, i1, i2, j1, j2 in group:
            for offset in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + offset, j1 + offset
                rows.append(
                    DiffRow(
                        kind,
                        i + 1 if i < i2 else None,
                        old[i] if i < i2 else "",
                        j + 1 if j < j2 else None,
                        new[j] if j < j2 else "",
                    )
                )
        hunks.append(rows)
    return hunks


class RevisionRecordFilter(admin.SimpleListFilter):
    """The revisions of one record (``?record=<id>``), linked from the record's page."""

    title = "record"
    parameter_name = "record"

    def lookups(self, request, model_admin):
        return [(self.value(), self.value())] if self.value() else []

    def queryset(self, request, queryset):
        return queryset.filter(record_id=self.value()) if self.value() else queryset


@admin.register(RecordRevision)
class RecordRevisionAdmin(ServiceAdmin):
    list_display = ["revision", "record_link", "action", "user", "created", "compare_link"]
    list_display_links = ["revision"]
    list_filter = [RevisionRecordFilter, "action", "created"]
    search_fields = ["=record__id"]
    list_select_related = ["user"]
    ordering = ["-created", "-pk"]
    fields = readonly_fields = [
        "record_link",
        "revision_id",
        "action",
        "user",
        "created",
        "compare_links",
        "document",
    ]
    actions = ["compare_revisions"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RecordRevision]:
        if not record_policy.can(request.user, "read_revisions"):
            return RecordRevision.objects.none()
        previous = RecordRevision.objects.filter(
            record=OuterRef("record"), revision_id__lt=OuterRef("revision_id")
        ).order_by("-revision_id")
        queryset = super().get_queryset(request).annotate(previous_pk=Subquery(previous.values("pk")[:1]))
        return queryset.defer("json")  # lists need no documents; a single one loads its own

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # history is immutable

    def get_urls(self):
        diff = path(
            "<path:object_id>/diff/<path:other_id>/",
            self.admin_site.admin_view(self.diff_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_diff",
        )
        return [diff, *super().get_urls()]

    def diff_view(self, request: HttpRequest, object_id: str, other_id: str) -> HttpResponse:
        """Side-by-side diff of two revisions of one record (pretty, key-sorted JSON)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        first, second = self.get_object(request, object_id), self.get_object(request, other_id)
        if first is None or second is None or first.record_id != second.record_id:
            raise Http404("No such pair of revisions of one record.")
        old, new = sorted([first, second], key=lambda revision: revision.revision_id)
        full = request.GET.get("full") == "1"
        hunks = side_by_side_diff(
            pretty_json(old.json, sort_keys=True),
            pretty_json(new.json, sort_keys=True),
            None if full else DIFF_CONTEXT_LINES,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare revisions {old.revision_id} and {new.revision_id} of {old.record_id}",
            "opts": self.opts,
            "old": old,
            "new": new,
            "revisions": [old, new],
            "hunks": hunks,
            "full": full,
            "context_lines": DIFF_CONTEXT_LINES,
        }
        return TemplateResponse(request, "admin/records/recordrevision/diff.html", context)

    @admin.display(description="revision", ordering="revision_id")
    def revision(self, revision: RecordRevision) -> str:
        return f"r{revision.revision_id}"

    @admin.display(description="record", ordering="record_id")
    def record_link(self, revision: RecordRevision) -> str:
        url = reverse("admin:records_record_change", args=[quote(revision.record_id)])
        return format_html('<a href="{}">{}</a>', url, revision.record_id)

    def _diff_url(self, revision: RecordRevision, other_pk: int) -> str:
        return reverse("admin:records_recordrevision_diff", args=[revision.pk, other_pk])

    @admin.display(description="compare")
    def compare_link(self, revision: RecordRevision) -> str:
        if revision.previous_pk is None:
            return "-"
        return format_html('<a href="{}">with previous</a>', self._diff_url(revision, revision.previous_pk))

    @admin.display(description="compare")
    def compare_links(self, revision: RecordRevision) -> str:
        links = []
        if revision.previous_pk is not None:
            links.append((self._diff_url(revision, revision.previous_pk), "with the previous revision"))
        newest = RecordRevision.objects.filter(record_id=revision.record_id).order_by("-revision_id")
        latest = newest.values_list("pk", flat=True).first()
        if latest is not None and latest != revision.pk:
            links.append((self._diff_url(revision, latest), "with the latest revision"))
        if not links:
            return "-"
        return format_html_join(" | ", '<a href="{}">{}</a>', links)

    @admin.display(description="document (JSON)")
    def document(self, revision: RecordRevision) -> str:
        return json_block(revision.json)

    @admin.action(description="Compare the two selected revisions", permissions=["view"])
    def compare_revisions(self, request: HttpRequest, queryset: QuerySet[RecordRevision]):
        selected = list(queryset.order_by("revision_id")[:3])
        if len(selected) != 2 or selected[0].record_id != selected[1].record_id:
            self.message_user(request, "Select exactly two revisions of the same record.", messages.WARNING)
            return None
        return HttpResponseRedirect(self._diff_url(selected[0], selected[1].pk))
