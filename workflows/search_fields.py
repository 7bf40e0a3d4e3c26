"""What users can search for in requests (``GET /api/requests?q=``): fields and their aliases."""

from __future__ import annotations

from repository.search.columns import ColumnField, ColumnIndex
from repository.search.query import DATE, KEYWORD, TEXT

REQUEST_SEARCH = ColumnIndex(
    [
        ColumnField("title", TEXT, ("title",)),
        ColumnField("description", TEXT, ("description",)),
        ColumnField("type", KEYWORD, ("type",)),
        ColumnField("status", KEYWORD, ("status",)),
        ColumnField("created", DATE, ("created",)),
        ColumnField("updated", DATE, ("updated",)),
        ColumnField("expires_at", DATE, ("expires_at",), ("expires",)),
    ],
    default=("title", "description"),
)
