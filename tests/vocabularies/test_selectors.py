"""Selectors other apps use: cached term ids, term look-ups, search."""

from __future__ import annotations

import pytest
from django.db import transaction

from repository.exceptions import NotFound, ValidationError
from repository.vocabularies.cache import term_ids_cache
from repository.vocabularies.models import VocabularyTerm
from repository.vocabularies.selectors import get_term, get_terms, search_terms, term_ids

pytestmark = pytest.mark.django_db


def add_resource_type(term_id: str = "publication-zine", **fields) -> VocabularyTerm:
    return VocabularyTerm.objects.create(
        type_id="resourcetypes", term_id=term_id, title={"en": "Zine"}, **fields
    )


class TestTermIds:
    def test_is_served_from_the_cache(self, django_assert_num_queries):
        term_ids_cache.invalidate()
        with django_assert_num_queries(1):
            ids = term_ids("resourcetypes")
        with django_assert_num_queries(0):
            assert term_ids("resourcetypes") == ids

    def test_unknown_type_has_no_ids(self):
        assert term_ids("colours") == frozenset()

    def test_sees_an_added_term(self):
        assert "publication-zine" not in term_ids("resourcetypes")
        add_resource_type()
        assert "publication-zine" in term_ids("resourcetypes")

    def test_sees_a_deleted_term(self):
        assert "image-photo" in term_ids("resourcetypes")
        VocabularyTerm.objects.filter(type_id="resourcetypes", term_id="image-photo").delete()
        assert "image-photo" not in term_ids("resourcetypes")

    def test_sees_a_term_deprecated_in_the_admin(self):
        term = VocabularyTerm.objects.get(type_id="resourcetypes", term_id="image-photo")
        assert "image-photo" in term_ids("resourcetypes")
        term.deprecated = True
        term.save(update_fields=["deprecated"])
        assert "image-photo" not in term_ids("resourcetypes")

    def test_rolled_back_changes_do_not_linger_in_the_cache(self, django_assert_num_queries):
        term_ids("resourcetypes")
        with pytest.raises(RuntimeError), transaction.atomic():
            add_resource_type()
            assert "publication-zine" in term_ids("resourcetypes")
            raise RuntimeError("roll back")
        with django_assert_num_queries(0):
            assert "publication-zine" not in term_ids("resourcetypes")

    def test_a_committed_change_drops_the_cache(self, django_capture_on_commit_callbacks):
        version = term_ids_cache.version
        with django_capture_on_commit_callbacks(execute=True):
            add_resource_type()
        assert term_ids_cache.version == version + 1
        assert "publication-zine" in term_ids("resourcetypes")


class TestGetTerms:
    def test_one_query_for_many_terms(self, django_assert_num_queries):
        with django_assert_num_queries(1):
            terms = get_terms("languages", ["eng", "fra", "xx-unknown"])
        assert set(terms) == {"eng", "fra"}
        assert terms["fra"]["title"] == {"en": "French"}

    def test_get_term_shape(self):
        photo = get_term("resourcetypes", "image-photo")
        assert set(photo) == {"id", "title", "props", "tags"}
        assert photo["id"] == "image-photo"
        assert photo["title"] == {"en": "Photo"}
        assert photo["tags"] == ["depositable", "linkable"]
        assert photo["props"]["datacite_general"] == "Image"
        assert photo["props"]["datacite_type"] == "Photo"
        assert photo["props"]["type"] == "image"
        assert get_term("resourcetypes", "image")["icon"] == "chart bar outline"
        assert get_term("removalreasons", "spam")["description"]["en"]

    def test_missing_term_is_none(self):
        assert get_term("resourcetypes", "nope") is None
        assert get_term("colours", "red") is None


class TestSearchTerms:
    def test_q_matches_whole_words_of_id_and_title(self):
        terms, total = search_terms("resourcetypes", q="Journal ARTICLE")
        assert [t.term_id for t in terms] == ["publication-article"] and total == 1
        assert search_terms("languages", q="engl")[1] == 0

    def test_q_matches_the_id(self):
        terms, _ = search_terms("licenses", q="cc-by-4.0")
        assert terms[0].term_id == "cc-by-4.0"

    def test_q_ignores_accents(self):
        terms, _ = search_terms("languages", q="ngabere")
        assert [t.term_id for t in terms] == ["gym"]

    def test_suggest_matches_prefixes_best_first(self):
        terms, total = search_terms("languages", suggest="engl")
        assert terms[0].term_id == "eng"
        assert total > 1
        assert all("engl" in t.sort_title for t in terms)

    def test_suggest_combines_words(self):
        terms, _ = search_terms("resourcetypes", suggest="jour art")
        assert [t.term_id for t in terms] == ["publication-article"]

    def test_sort_and_paging(self):
        page1, total = search_terms("resourcetypes", page=1, size=5, sort="id")
        page2, _ = search_terms("resourcetypes", page=2, size=5, sort="id")
        ids = [t.term_id for t in page1 + page2]
        assert ids == sorted(ids) and len(set(ids)) == 10
        assert total == 44
        by_title, _ = search_terms("resourcetypes", size=100)
        titles = [t.sort_title for t in by_title]
        assert titles == sorted(titles)

    def test_deprecated_terms_are_not_offered(self):
        terms, _ = search_terms("licenses", q="gpl-2.0", size=100)
        assert "gpl-2.0+" not in {t.term_id for t in terms}
        assert "gpl-2.0-or-later" in {t.term_id for t in terms}

    def test_unknown_type_and_bad_arguments(self):
        with pytest.raises(NotFound):
            search_terms("colours")
        with pytest.raises(ValidationError):
            search_terms("languages", sort="popularity")
        with pytest.raises(ValidationError):
            search_terms("languages", page=0)
