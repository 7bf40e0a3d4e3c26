"""The OpenAIRE-ready default sets: openaire_data (datasets) and openaire (publications).

Their membership is computed by ``manage.py oai_rebuild`` (or when records change).
"""

from django.db import migrations

DEFAULT_SETS = [
    {
        "spec": "openaire_data",
        "name": "OpenAIRE data",
        "description": "Datasets, for OpenAIRE's data guidelines.",
        "search_pattern": "resource_type.id:dataset",
    },
    {
        "spec": "openaire",
        "name": "OpenAIRE publications",
        "description": "Publications, for OpenAIRE's literature guidelines.",
        "search_pattern": "resource_type.id:publication",
    },
]


def create_sets(apps, schema_editor):
    OAISet = apps.get_model("oaipmh", "OAISet")
    for data in DEFAULT_SETS:
        OAISet.objects.get_or_create(spec=data["spec"], defaults=data)


def delete_sets(apps, schema_editor):
    OAISet = apps.get_model("oaipmh", "OAISet")
    OAISet.objects.filter(spec__in=[d["spec"] for d in DEFAULT_SETS]).delete()


class Migration(migrations.Migration):
    dependencies = [("oaipmh", "0001_items_and_sets")]

    operations = [migrations.RunPython(create_sets, delete_sets)]
