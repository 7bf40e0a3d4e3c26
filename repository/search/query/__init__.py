"""The search query language: Lucene/query_string syntax parsed once, compiled per backend."""

from repository.search.query.fields import DATE, KEYWORD, TEXT, FieldSet, SearchField
from repository.search.query.parse import QueryError, parse_query, text_tokens

__all__ = ["DATE", "KEYWORD", "TEXT", "FieldSet", "QueryError", "SearchField", "parse_query", "text_tokens"]
