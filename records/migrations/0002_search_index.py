"""Full-text index of the search projection: FTS5 table on SQLite, GIN index on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE records_record_fts USING fts5(
        search_text, content='records_record', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER records_record_fts_ai AFTER INSERT ON records_record BEGIN
        INSERT INTO records_record_fts(rowid, search_text) VALUES (new.rowid, new.search_text);
    END""",
    """CREATE TRIGGER records_record_fts_ad AFTER DELETE ON records_record BEGIN
        INSERT INTO records_record_fts(records_record_fts, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
    END""",
    """CREATE TRIGGER records_record_fts_au AFTER UPDATE OF search_text ON records_record BEGIN
        INSERT INTO records_record_fts(records_record_fts, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
        INSERT INTO records_record_fts(rowid, search_text) VALUES (new.rowid, new.search_text);
    END""",
    "INSERT INTO records_record_fts(records_record_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS records_record_fts_au",
    "DROP TRIGGER IF EXISTS records_record_fts_ad",
    "DROP TRIGGER IF EXISTS records_record_fts_ai",
    "DROP TABLE IF EXISTS records_record_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX records_record_search_gin ON records_record "
    "USING gin (to_tsvector('simple', search_text))",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS records_record_search_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
