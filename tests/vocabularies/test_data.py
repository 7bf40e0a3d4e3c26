"""The data migration gives every new database the shipped vocabularies."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from repository.vocabularies.models import VocabularyTerm, VocabularyType
from repository.vocabularies.selectors import get_term, term_ids

pytestmark = pytest.mark.django_db

data_migration = importlib.import_module("repository.vocabularies.migrations.0002_load_vocabularies")

DATACITE_ROLES = {
    "contactperson", "datacollector", "datacurator", "datamanager", "distributor", "editor", "funder",
    "hostinginstitution", "producer", "projectleader", "projectmanager", "projectmember",
    "registrationagency", "registrationauthority", "relatedperson", "researcher", "researchgroup",
    "rightsholder", "sponsor", "supervisor", "workpackageleader", "other",
}  # fmt: skip


def count(vocabulary_type: str) -> int:
    return VocabularyTerm.objects.filter(type_id=vocabulary_type).count()


def test_every_type_is_loaded():
    assert set(VocabularyType.objects.values_list("id", flat=True)) >= {
        "resourcetypes", "languages", "licenses", "creatorsroles", "contributorsroles", "relationtypes",
        "datetypes", "titletypes", "descriptiontypes", "removalreasons",
    }  # fmt: skip


def test_languages_are_the_full_iso_639_3_list():
    assert count("languages") > 7000
    assert get_term("languages", "eng") == {
        "id": "eng",
        "title": {"en": "English"},
        "props": {"alpha_2": "en"},
        "tags": [],
    }
    assert get_term("languages", "deu")["props"]["alpha_2"] == "de"
    assert "alpha_2" not in get_term("languages", "gsw")["props"]  # no two-letter code exists


def test_licenses_are_the_spdx_list():
    assert count("licenses") > 500
    cc_by = get_term("licenses", "cc-by-4.0")
    assert cc_by["title"] == {"en": "Creative Commons Attribution 4.0 International"}
    assert cc_by["props"] == {
        "url": "https://creativecommons.org/licenses/by/4.0/legalcode",
        "scheme": "spdx",
        "osi_approved": False,
    }
    mit = get_term("licenses", "mit")
    assert mit["props"]["osi_approved"] is True
    assert mit["props"]["url"] == "https://spdx.org/licenses/MIT.html"


def test_deprecated_spdx_ids_resolve_but_are_not_accepted():
    assert get_term("licenses", "gpl-2.0+") is not None
    assert "gpl-2.0+" not in term_ids("licenses")
    assert "gpl-2.0-or-later" in term_ids("licenses")


def test_resource_types_carry_mappings_and_nesting():
    article = get_term("resourcetypes", "publication-article")
    assert article["title"] == {"en": "Journal article"}
    assert article["props"]["type"] == "publication"
    assert article["props"]["subtype"] == "publication-article"
    assert article["props"]["datacite_general"] == "JournalArticle"
    assert article["props"]["csl"] == "article-journal"
    assert article["props"]["bibtex"] == "article"
    assert article["props"]["eurepo"] == "info:eu-repo/semantics/article"
    assert article["props"]["schema.org"] == "https://schema.org/ScholarlyArticle"
    assert article["props"]["openaire_resourceType"] == "0001"
    ids = term_ids("resourcetypes")
    assert {"publication", "dataset", "image-photo", "software", "other"} <= ids
    for term in VocabularyTerm.objects.filter(type_id="resourcetypes"):
        assert term.props["type"] in ids, term.term_id
        assert term.props["subtype"] in {"", term.term_id}, term.term_id


def test_roles_relations_and_types():
    assert term_ids("creatorsroles") == DATACITE_ROLES
    assert term_ids("contributorsroles") == DATACITE_ROLES
    assert get_term("contributorsroles", "contactperson")["props"] == {"datacite": "ContactPerson"}
    assert len(term_ids("relationtypes")) == 38
    assert get_term("relationtypes", "isnewversionof")["props"] == {"datacite": "IsNewVersionOf"}
    assert term_ids("datetypes") == {
        "accepted", "available", "collected", "copyrighted", "created", "issued", "other",
        "submitted", "updated", "valid", "withdrawn",
    }  # fmt: skip
    assert term_ids("titletypes") == {"alternative-title", "subtitle", "translated-title", "other"}
    assert get_term("descriptiontypes", "series-information")["title"] == {"en": "Series information"}
    assert get_term("removalreasons", "misconduct")["title"] == {"en": "Research misconduct"}


def test_data_migration_reverses_and_reapplies():
    total = VocabularyTerm.objects.count()
    data_migration.unload(apps, None)
    assert VocabularyTerm.objects.count() == 0
    assert not VocabularyType.objects.exists()
    data_migration.load(apps, None)
    assert VocabularyTerm.objects.count() == total
