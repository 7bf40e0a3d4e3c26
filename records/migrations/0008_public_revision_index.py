"""An index of what anonymous users may read, with its revision (docs/adr/0020).

OAI-PMH list pages ask the read policy for every item (published, not restricted) and take
the current revision to find the cached rendering. With this partial index PostgreSQL answers
from the index alone instead of fetching each record's wide row (JSON document and search
columns, ~5 KB). SQLite has no INCLUDE: there it is a partial index on the id.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0007_search_read_scope_facets"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="record",
            index=models.Index(
                condition=models.Q(("deletion_status", "P"), ("search_restricted", False)),
                fields=["id"],
                include=("revision_id",),
                name="record_public_revision_idx",
            ),
        ),
    ]
