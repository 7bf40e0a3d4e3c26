"""Load the shipped vocabularies, so that every new database has them."""

from django.db import migrations

from repository.vocabularies.loader import load_terms, shipped_types


def load(apps, schema_editor):
    load_terms(
        type_model=apps.get_model("vocabularies", "VocabularyType"),
        term_model=apps.get_model("vocabularies", "VocabularyTerm"),
        types=shipped_types(),
    )


def unload(apps, schema_editor):
    types = list(shipped_types())
    apps.get_model("vocabularies", "VocabularyTerm").objects.filter(type_id__in=types).delete()
    apps.get_model("vocabularies", "VocabularyType").objects.filter(id__in=types).delete()


class Migration(migrations.Migration):
    dependencies = [("vocabularies", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
