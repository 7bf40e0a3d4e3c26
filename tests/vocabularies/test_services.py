"""Loading the shipped vocabularies: idempotent, updates changed terms, keeps local ones."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from repository.exceptions import ValidationError
from repository.vocabularies.models import VocabularyTerm, VocabularyType
from repository.vocabularies.selectors import get_term, search_terms, term_ids
from repository.vocabularies.services import vocabulary_load

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {t.id: t.terms.count() for t in VocabularyType.objects.all()}


def rewrite(path: Path, term_id: str, **changes) -> None:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        term = json.loads(line)
        if term["id"] == term_id:
            term.update(changes)
        lines.append(json.dumps(term))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("load_vocabularies", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_loading_twice_changes_nothing():
    before = counts()
    first = run_command()
    second = run_command()
    assert counts() == before
    assert "languages: 0 created, 0 updated, 7923 unchanged" in first
    assert first == second


def test_loading_an_empty_database_creates_every_term():
    VocabularyType.objects.all().delete()
    output = run_command("languages", "licenses")
    assert "languages: 7923 created, 0 updated, 0 unchanged" in output
    assert "licenses: 740 created" in output
    assert get_term("languages", "eng")["title"] == {"en": "English"}
    assert not VocabularyTerm.objects.filter(type_id="resourcetypes").exists()


def test_changed_title_in_the_data_updates_the_term(data_dir):
    original = VocabularyTerm.objects.get(type_id="resourcetypes", term_id="image-photo")
    rewrite(data_dir / "resourcetypes.jsonl", "image-photo", title={"en": "Photograph"})

    output = run_command("resourcetypes")

    assert "resourcetypes: 0 created, 1 updated, 43 unchanged" in output
    updated = VocabularyTerm.objects.get(pk=original.pk)
    assert updated.title == {"en": "Photograph"}
    assert updated.revision_id == original.revision_id + 1
    assert updated.updated > original.updated
    terms, total = search_terms("resourcetypes", q="photograph")
    assert [t.term_id for t in terms] == ["image-photo"] and total == 1


def test_a_term_deprecated_in_the_data_is_no_longer_accepted(data_dir):
    rewrite(data_dir / "languages.jsonl", "eng", deprecated=True)
    assert "eng" in term_ids("languages")
    vocabulary_load(types=["languages"])
    assert "eng" not in term_ids("languages")
    assert get_term("languages", "eng") is not None


def test_terms_added_by_operators_are_kept():
    VocabularyTerm.objects.create(type_id="resourcetypes", term_id="publication-zine", title={"en": "Zine"})
    vocabulary_load(types=["resourcetypes"])
    assert "publication-zine" in term_ids("resourcetypes")


def test_unknown_type_is_refused():
    with pytest.raises(ValidationError):
        vocabulary_load(types=["colours"])
    with pytest.raises(CommandError, match="colours"):
        run_command("colours")
