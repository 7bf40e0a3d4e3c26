"""Vocabulary API: query parameters in, InvenioRDM-shaped terms and search results out."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from repository.vocabularies.models import VocabularyTerm
from repository.vocabularies.selectors import SORT_OPTIONS

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100


class VocabularySearchParamsSerializer(serializers.Serializer):
    """Query parameters of a vocabulary search."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=256,
        help_text="Words that must all occur in id or title.",
    )
    suggest = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=256,
        help_text="Search as you type: every word is a prefix of a word of id or title.",
    )
    page = serializers.IntegerField(required=False, default=1, min_value=1)
    size = serializers.IntegerField(
        required=False, default=DEFAULT_PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE
    )
    sort = serializers.ChoiceField(
        choices=SORT_OPTIONS,
        required=False,
        help_text="Default: bestmatch when q or suggest is given, title otherwise.",
    )

    def validate(self, attrs: dict) -> dict:
        window = settings.SEARCH_MAX_RESULT_WINDOW
        if attrs["page"] * attrs["size"] > window:
            raise serializers.ValidationError(
                {"page": [f"page * size must not exceed {window}; refine the query instead."]}
            )
        return attrs


class TermLinksSerializer(serializers.Serializer):
    self = serializers.URLField()


class VocabularyTermSerializer(serializers.Serializer):
    """One term as the API shows it (``description`` and ``icon`` only when set)."""

    id = serializers.CharField(source="term_id")
    title = serializers.DictField(
        child=serializers.CharField(), help_text='Per language, e.g. {"en": "Photo"}.'
    )
    description = serializers.DictField(child=serializers.CharField(), required=False)
    props = serializers.DictField()
    tags = serializers.ListField(child=serializers.CharField())
    icon = serializers.CharField(required=False)
    type = serializers.CharField(source="type_id")
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()
    revision_id = serializers.IntegerField()
    links = serializers.SerializerMethodField()

    @extend_schema_field(TermLinksSerializer)
    def get_links(self, term: VocabularyTerm) -> dict:
        path = reverse("api-vocabulary-term", args=[term.type_id, term.term_id])
        return {"self": self.context["request"].build_absolute_uri(path)}

    def to_representation(self, instance: VocabularyTerm) -> dict:
        data = super().to_representation(instance)
        for optional in ("description", "icon"):
            if not data[optional]:
                del data[optional]
        return data


class TermHitsSerializer(serializers.Serializer):
    hits = VocabularyTermSerializer(many=True)
    total = serializers.IntegerField()


class SearchLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    prev = serializers.URLField(required=False)
    next = serializers.URLField(required=False)


class VocabularySearchResultSerializer(serializers.Serializer):
    """A page of search results, shaped like InvenioRDM's."""

    hits = TermHitsSerializer()
    aggregations = serializers.DictField()
    sortBy = serializers.CharField()  # camelCase: InvenioRDM's key
    links = SearchLinksSerializer()
