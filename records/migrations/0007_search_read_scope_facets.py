"""Search reads indexed columns instead of JSON: the read scope's restricted flag, facet values per record.

- ``Record.search_restricted``: a generated column (access.record == "restricted"), so the read
  filter of lists and searches stops reading every row's JSON document. PostgreSQL stores it
  (filled by the ALTER TABLE itself); SQLite adds it as a virtual column (adding a stored one
  would rebuild the table and lose the full-text triggers).
- ``RecordSearchFacets``: one row per record with its facet values, filled from the facet term
  rows in one statement; facet counts read it instead of ~7.5 term rows per record, so the
  partial facet index of the term rows (0006) goes.
- PostgreSQL only, like ``search_vector`` (not a model field): ``records_record.search_facets``,
  the same values as a GIN-indexed ``text[]``, so that a facet selection and the full-text
  match combine in one bitmap scan.
"""

import django.db.models.deletion
from django.db import migrations, models

# as records.search_models at this migration (a migration must not follow later code)
FACET_SEPARATOR = "\x1e"
FACET_TERM_FIELDS = (
    "access_status",
    "community",
    "file_type",
    "language",
    "resource_type",
    "subject.exact",
    "year",
)

RESTRICTED = models.GeneratedField(
    db_persist=True,
    expression=models.Case(
        models.When(json__access__record="restricted", then=models.Value(True)),
        default=models.Value(False),
    ),
    output_field=models.BooleanField(),
)

SQLITE_RESTRICTED = (
    "ALTER TABLE records_record ADD COLUMN search_restricted bool GENERATED ALWAYS AS "
    "(CASE WHEN json_extract(\"json\", '$.access.record') = 'restricted' THEN 1 ELSE 0 END) VIRTUAL"
)


POSTGRES_RESTRICTED = (
    "ALTER TABLE records_record ADD COLUMN search_restricted boolean GENERATED ALWAYS AS "
    "(CASE WHEN (\"json\" #> '{access,record}') = '\"restricted\"'::jsonb THEN true ELSE false END) STORED"
)


def add_restricted(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(SQLITE_RESTRICTED if vendor == "sqlite" else POSTGRES_RESTRICTED)


def add_facet_array(apps, schema_editor):
    """PostgreSQL: records_record.search_facets, the facet rows as a GIN-indexed array (selections).

    Filled before the generated column is added: that ALTER TABLE rewrites the table, which
    leaves no dead row versions of this UPDATE behind.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE records_record ADD COLUMN search_facets text[] NOT NULL DEFAULT '{}'")
    schema_editor.execute(
        "UPDATE records_record r SET search_facets = string_to_array(f.facets, chr(30)) "
        "FROM records_recordsearchfacets f WHERE f.record_id = r.id"
    )
    schema_editor.execute(
        "CREATE INDEX records_record_search_facets_gin ON records_record USING gin (search_facets)"
    )


def remove_facet_array(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE records_record DROP COLUMN IF EXISTS search_facets")


def remove_restricted(apps, schema_editor):
    schema_editor.execute("ALTER TABLE records_record DROP COLUMN search_restricted")


def fill_facets(apps, schema_editor):
    """One row per record with facet term rows: its ``field=value`` entries, sorted, joined."""
    fields = ", ".join(f"'{name}'" for name in FACET_TERM_FIELDS)
    if schema_editor.connection.vendor == "postgresql":
        statement = (
            "INSERT INTO records_recordsearchfacets (record_id, facets) "
            f"SELECT record_id, string_agg(field || '=' || value, chr({ord(FACET_SEPARATOR)}) "
            "ORDER BY field, value) FROM records_recordsearchterm "
            f"WHERE field IN ({fields}) AND strpos(value, chr({ord(FACET_SEPARATOR)})) = 0 GROUP BY record_id"
        )
    else:
        statement = (
            "INSERT INTO records_recordsearchfacets (record_id, facets) "
            f"SELECT record_id, group_concat(entry, char({ord(FACET_SEPARATOR)})) FROM ("
            "SELECT record_id, field || '=' || value AS entry FROM records_recordsearchterm "
            f"WHERE field IN ({fields}) AND instr(value, char({ord(FACET_SEPARATOR)})) = 0 "
            "ORDER BY record_id, field, value) GROUP BY record_id"
        )
    schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_search_facet_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordSearchFacets",
            fields=[
                (
                    "record",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_facets",
                        serialize=False,
                        to="records.record",
                    ),
                ),
                ("facets", models.TextField()),
            ],
            options={
                "verbose_name": "search facets",
                "verbose_name_plural": "search facets",
            },
        ),
        migrations.RunPython(fill_facets, migrations.RunPython.noop),
        migrations.RunPython(add_facet_array, remove_facet_array),
        migrations.RemoveIndex(
            model_name="recordsearchterm",
            name="record_search_term_facet_idx",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(model_name="record", name="search_restricted", field=RESTRICTED)],
            database_operations=[migrations.RunPython(add_restricted, remove_restricted)],
        ),
    ]
