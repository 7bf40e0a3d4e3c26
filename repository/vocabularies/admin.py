"""Admin for vocabulary types and terms."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from repository.vocabularies.models import VocabularyTerm, VocabularyType


@admin.register(VocabularyType)
class VocabularyTypeAdmin(admin.ModelAdmin):
    list_display = ("id", "description", "term_count", "updated")
    search_fields = ("id", "description")
    readonly_fields = ("created", "updated")

    def get_queryset(self, request: HttpRequest) -> QuerySet[VocabularyType]:
        return super().get_queryset(request).annotate(term_count=Count("terms"))

    @admin.display(description="terms", ordering="term_count")
    def term_count(self, vocabulary: VocabularyType) -> int:
        return vocabulary.term_count


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(admin.ModelAdmin):
    list_display = ("term_id", "title_en", "type", "deprecated", "updated")
    list_filter = ("type", "deprecated")
    search_fields = ("term_id", "search_text")
    list_select_related = ("type",)
    readonly_fields = ("revision_id", "created", "updated")
    ordering = ("type", "sort_title", "term_id")

    @admin.display(description="title (en)", ordering="sort_title")
    def title_en(self, term: VocabularyTerm) -> str:
        return str((term.title or {}).get("en", ""))
