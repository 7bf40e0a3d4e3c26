"""Drop indexes the queries do not use, to make writing records cheaper.

The single-column indexes of records_record.parent_id and records_recordrevision.record_id
duplicate the unique (parent_id, index) and (record_id, revision_id) indexes, which start
with the same column (AlterField to db_index=False also drops their varchar_pattern_ops
twins). On PostgreSQL Django adds a varchar_pattern_ops "_like" index to every CharField
primary key; it serves only LIKE 'prefix%' on the id, which nothing does, so the ones of
the tables the bulk import writes (records and parents) are dropped too. The indexes are
dropped on PostgreSQL only, by the names Django gave them; on SQLite nothing changes.
"""

import django.db.models.deletion
from django.db import migrations, models

PRIMARY_KEY_LIKE_INDEXES = [("record", "id"), ("parent", "id")]
FOREIGN_KEY_INDEXES = [("record", "parent"), ("recordrevision", "record")]


def _drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    targets = [(model_name, field_name, "_like") for model_name, field_name in PRIMARY_KEY_LIKE_INDEXES]
    for model_name, field_name in FOREIGN_KEY_INDEXES:
        targets += [(model_name, field_name, ""), (model_name, field_name, "_like")]
    for model_name, field_name, suffix in targets:
        model = apps.get_model("records", model_name)
        column = model._meta.get_field(field_name).column
        name = schema_editor._create_index_name(model._meta.db_table, [column], suffix=suffix)
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def _create_indexes(apps, schema_editor):
    """The indexes as Django created them (same names), so that later AlterFields find them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, field_name in PRIMARY_KEY_LIKE_INDEXES + FOREIGN_KEY_INDEXES:
        model = apps.get_model("records", model_name)
        field = model._meta.get_field(field_name)
        if (model_name, field_name) in FOREIGN_KEY_INDEXES:
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
        schema_editor.execute(schema_editor._create_like_index_sql(model, field))


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_search_index"),
    ]

    # The field changes only in the state: on SQLite, AlterField would rebuild the table and
    # lose the full-text triggers of 0002_search_index; its extra indexes are left there.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="record",
                    name="parent",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="records",
                        to="records.parent",
                    ),
                ),
                migrations.AlterField(
                    model_name="recordrevision",
                    name="record",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="revisions",
                        to="records.record",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(_drop_indexes, _create_indexes)],
        ),
    ]
