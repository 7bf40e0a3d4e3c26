"""The admin lists, filters and searches terms, and escapes what it shows."""

from __future__ import annotations

import pytest
from django.test import Client

from repository.vocabularies.models import VocabularyTerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_web(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_term_changelist_filters_and_searches(admin_web):
    response = admin_web.get(
        "/admin/vocabularies/vocabularyterm/", {"type__id__exact": "licenses", "q": "mit"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "MIT License" in page
    assert "English" not in page


def test_type_changelist_counts_terms(admin_web):
    response = admin_web.get("/admin/vocabularies/vocabularytype/")
    assert response.status_code == 200
    assert "7923" in response.content.decode()


def test_titles_are_escaped(admin_web):
    VocabularyTerm.objects.create(
        type_id="resourcetypes", term_id="x-test", title={"en": "<script>alert(1)</script>"}
    )
    response = admin_web.get("/admin/vocabularies/vocabularyterm/", {"q": "x-test"})
    page = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_editing_a_title_in_the_admin_updates_search_and_revision(admin_web):
    term = VocabularyTerm.objects.get(type_id="titletypes", term_id="subtitle")
    response = admin_web.post(
        f"/admin/vocabularies/vocabularyterm/{term.pk}/change/",
        {
            "type": "titletypes",
            "term_id": "subtitle",
            "title": '{"en": "Sub-heading"}',
            "description": "{}",
            "props": '{"datacite": "Subtitle"}',
            "tags": "[]",
            "icon": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    term.refresh_from_db()
    assert term.title == {"en": "Sub-heading"}
    assert term.revision_id == 2
    assert " heading " in term.search_text
