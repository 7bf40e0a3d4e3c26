"""Controlled vocabularies: types (resource types, languages, licenses, ...) and their terms."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from repository.vocabularies.text import SORT_TITLE_MAX_LENGTH, build_search_text, build_sort_title


class VocabularyType(models.Model):
    """A vocabulary, e.g. ``resourcetypes`` or ``languages``."""

    id = models.CharField(primary_key=True, max_length=64)
    description = models.CharField(max_length=255, blank=True, default="")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.id


class VocabularyTerm(models.Model):
    """One term of a vocabulary, addressed by (type, term_id), e.g. (resourcetypes, image-photo)."""

    type = models.ForeignKey(VocabularyType, on_delete=models.CASCADE, related_name="terms")
    term_id = models.CharField("id", max_length=128)
    title = models.JSONField(help_text='Title per language, e.g. {"en": "Photo"}.')
    description = models.JSONField(default=dict, blank=True, help_text="Description per language.")
    props = models.JSONField(
        default=dict, blank=True, help_text="Mappings and properties (DataCite, URL, ...)."
    )
    tags = models.JSONField(default=list, blank=True)
    icon = models.CharField(max_length=64, blank=True, default="")
    deprecated = models.BooleanField(
        default=False, help_text="Deprecated terms still resolve but are not offered or accepted."
    )
    revision_id = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    # Derived from term_id and title (repository.vocabularies.text) on every write.
    search_text = models.TextField(blank=True, default="", editable=False)
    sort_title = models.CharField(max_length=SORT_TITLE_MAX_LENGTH, blank=True, default="", editable=False)

    class Meta:
        ordering = ["type", "sort_title", "term_id"]
        constraints = [models.UniqueConstraint(fields=["type", "term_id"], name="vocabularyterm_unique_id")]
        indexes = [models.Index(fields=["type", "sort_title"], name="vocabularyterm_title_idx")]

    def __str__(self) -> str:
        return f"{self.type_id}:{self.term_id}"

    def save(self, *args, **kwargs) -> None:
        """Keep the search columns in step with id and title; count revisions of existing terms."""
        self.search_text = build_search_text(self.term_id, self.title or {})
        self.sort_title = build_sort_title(self.term_id, self.title or {})
        update_fields = kwargs.get("update_fields")
        if not self._state.adding:
            self.revision_id += 1
            self.updated = timezone.now()
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", "sort_title", "revision_id", "updated"}
        super().save(*args, **kwargs)
