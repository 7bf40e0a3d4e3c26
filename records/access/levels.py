"""Access levels, ordered: each level includes the ones before it."""

from __future__ import annotations

from typing import Final

VIEW: Final = "view"
PREVIEW: Final = "preview"
EDIT: Final = "edit"
MANAGE: Final = "manage"

LEVELS: Final[tuple[str, ...]] = (VIEW, PREVIEW, EDIT, MANAGE)
LINK_LEVELS: Final[tuple[str, ...]] = (VIEW, PREVIEW, EDIT)
NONE: Final = -1


def rank(level: str | None) -> int:
    """Position of LEVEL in LEVELS (NONE for no access)."""
    return LEVELS.index(level) if level in LEVELS else NONE


def codename(level: str) -> str:
    """The guardian permission codename of a grant level (a permission on records.Parent)."""
    return f"access_{level}"


def codenames_at_least(level: str) -> list[str]:
    """Codenames of LEVEL and every level above it."""
    return [codename(other) for other in LEVELS[rank(level) :]]


def level_of_codename(name: str) -> str:
    return name.removeprefix("access_")


PARENT_PERMISSIONS: Final = [
    (codename(VIEW), "View the record, restricted or not, and its files"),
    (codename(PREVIEW), "Preview the record's drafts"),
    (codename(EDIT), "Edit the record's drafts and publish them"),
    (codename(MANAGE), "Manage the record's access (share it)"),
]
