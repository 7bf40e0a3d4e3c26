"""Searchable fields: canonical names, kinds and the aliases users type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

TEXT = "text"  # analysed words (full text)
KEYWORD = "keyword"  # exact values, compared lower-cased
DATE = "date"  # ISO dates, partial dates expanded to ranges


@dataclass(frozen=True)
class SearchField:
    """One field of a search index: what users type (aliases) and how it is matched (kind)."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    #: the field of the Elasticsearch document (default: NAME)
    es_field: str = ""

    @property
    def document_field(self) -> str:
        return self.es_field or self.name


class FieldSet:
    """The fields of one index, looked up by name or alias (case-insensitive)."""

    def __init__(self, fields: Iterable[SearchField]):
        self.fields = {field.name: field for field in fields}
        self._by_alias: dict[str, SearchField] = {}
        for field in self.fields.values():
            for alias in (field.name, *field.aliases):
                self._by_alias[alias.lower()] = field

    def resolve(self, name: str) -> SearchField | None:
        return self._by_alias.get(name.lower())

    def __getitem__(self, name: str) -> SearchField:
        return self.fields[name]

    @property
    def short_names(self) -> list[str]:
        """The names to suggest in error messages: each field with its short aliases (``creator/author``)."""
        return sorted(
            "/".join([field.name, *(alias for alias in field.aliases if "." not in alias)])
            for field in self.fields.values()
        )
