"""What users can search for in communities (``GET /api/communities?q=``): fields and their aliases."""

from __future__ import annotations

from repository.search.columns import ColumnField, ColumnIndex
from repository.search.query import DATE, KEYWORD, TEXT

COMMUNITY_SEARCH = ColumnIndex(
    [
        ColumnField("title", TEXT, ("title",), ("metadata.title",)),
        ColumnField("slug", TEXT, ("slug",), ("id",)),
        ColumnField("description", TEXT, ("metadata__description",), ("metadata.description",)),
        ColumnField("type", KEYWORD, ("metadata__type__id",), ("metadata.type.id",)),
        ColumnField("visibility", KEYWORD, ("visibility",), ("access.visibility",)),
        ColumnField("website", TEXT, ("metadata__website",), ("metadata.website",)),
        ColumnField("created", DATE, ("created",)),
        ColumnField("updated", DATE, ("updated",)),
    ],
    default=("title", "slug", "description"),
)
