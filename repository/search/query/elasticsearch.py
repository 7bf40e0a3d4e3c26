"""Compile a query tree to the Elasticsearch/OpenSearch query DSL: a pure function, no client."""

from __future__ import annotations

from collections.abc import Sequence

from repository.search.query import nodes
from repository.search.query.dates import range_bounds
from repository.search.query.fields import DATE, KEYWORD, FieldSet

MATCH_NONE = {"match_none": {}}


def to_elasticsearch(node: nodes.Node, fields: FieldSet, default_fields: Sequence[str]) -> dict:
    """The ES query for NODE; text terms without a field search DEFAULT_FIELDS (``name^boost`` allowed)."""
    return _Compiler(fields, list(default_fields)).compile(node)


class _Compiler:
    def __init__(self, fields: FieldSet, default_fields: list[str]):
        self.fields = fields
        self.default_fields = default_fields

    def compile(self, node: nodes.Node) -> dict:
        if isinstance(node, nodes.MatchAll):
            return {"match_all": {}}
        if isinstance(node, nodes.And):
            must = [self.compile(c) for c in node.children if not isinstance(c, nodes.Not)]
            must_not = [self.compile(c.child) for c in node.children if isinstance(c, nodes.Not)]
            query: dict = {"must": must} if must else {"must": [{"match_all": {}}]}
            if must_not:
                query["must_not"] = must_not
            return {"bool": query}
        if isinstance(node, nodes.Or):
            return {"bool": {"should": [self.compile(c) for c in node.children], "minimum_should_match": 1}}
        if isinstance(node, nodes.Not):
            return {"bool": {"must": [{"match_all": {}}], "must_not": [self.compile(node.child)]}}
        if isinstance(node, nodes.Exists):
            return {"exists": {"field": self.fields[node.field].document_field}}
        if isinstance(node, nodes.Range):
            return self._range(node)
        if isinstance(node, nodes.Term):
            return self._term(node)
        raise TypeError(f"Unknown query node {node!r}")

    def _range(self, node: nodes.Range) -> dict:
        start, end = range_bounds(node.lower, node.upper, node.include_lower, node.include_upper)
        bounds = {}
        if start is not None:
            bounds["gte"] = start.isoformat()
        if end is not None:
            bounds["lt"] = end.isoformat()
        if start is not None and end is not None and start >= end:
            return MATCH_NONE
        return {"range": {self.fields[node.field].document_field: bounds}}

    def _term(self, node: nodes.Term) -> dict:
        field = self.fields[node.field] if node.field else None
        if field is not None and field.kind == KEYWORD:
            name = field.document_field
            if node.kind == "prefix":
                return {"prefix": {name: {"value": node.value, "case_insensitive": True}}}
            if node.kind == "wildcard":
                return {"wildcard": {name: {"value": node.value, "case_insensitive": True}}}
            return {"term": {name: {"value": node.value, "case_insensitive": True}}}
        if field is not None and field.kind == DATE:  # the parser turns date terms into ranges
            raise TypeError(f"Date term {node!r}")
        targets = [field.document_field] if field is not None else self.default_fields
        text = " ".join(node.tokens)
        if node.kind == "wildcard":
            wildcards = [
                {"wildcard": {target.split("^")[0]: {"value": node.value, "case_insensitive": True}}}
                for target in targets
            ]
            return (
                wildcards[0]
                if len(wildcards) == 1
                else {"bool": {"should": wildcards, "minimum_should_match": 1}}
            )
        match_type = {"word": "best_fields", "phrase": "phrase", "prefix": "phrase_prefix"}[node.kind]
        if len(targets) == 1 and "^" not in targets[0]:
            if node.kind == "word":
                return {"match": {targets[0]: {"query": text, "operator": "and"}}}
            if node.kind == "phrase":
                return {"match_phrase": {targets[0]: {"query": text}}}
            return {"match_phrase_prefix": {targets[0]: {"query": text}}}
        query = {"query": text, "fields": targets, "type": match_type}
        if node.kind == "word":
            query["operator"] = "and"
        return {"multi_match": query}
