"""The query language on its own: parsing into the tree, errors, and the Elasticsearch JSON (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from records.search_indexes import RECORD_FIELDS
from repository.search.query import QueryError, parse_query
from repository.search.query.elasticsearch import to_elasticsearch
from repository.search.query.nodes import And, Exists, MatchAll, Not, Or, Range, Term

DEFAULT = ("title^3", "text")


def es(q: str) -> dict:
    return to_elasticsearch(parse_query(q, RECORD_FIELDS), RECORD_FIELDS, DEFAULT)


def test_tree_of_every_construct():
    parsed = parse_query(
        'glacier "ice cores" creator:love* -type:image year:[2018 TO 2020] _exists_:doi', RECORD_FIELDS
    )
    assert parsed == And(
        (
            Term(None, "glacier", "word", ("glacier",)),
            Term(None, "ice cores", "phrase", ("ice", "cores")),
            Term("creator", "love", "prefix", ("love",)),
            Not(Term("resource_type", "image", "word")),
            Range("publication_date", "2018", "2020"),
            Exists("doi"),
        )
    )
    assert parse_query("a OR b", RECORD_FIELDS) == Or(
        (Term(None, "a", "word", ("a",)), Term(None, "b", "word", ("b",)))
    )
    assert parse_query("  ", RECORD_FIELDS) == MatchAll()
    assert parse_query("metadata.title:x", RECORD_FIELDS) == Term("title", "x", "word", ("x",))
    assert parse_query("AUTHOR:x", RECORD_FIELDS) == Term("creator", "x", "word", ("x",))
    assert parse_query(r"doi:10.1234\/abc", RECORD_FIELDS) == Term("doi", "10.1234/abc", "word")


@pytest.mark.parametrize(
    "q",
    [
        "a AND",
        "(a",
        "a)",
        '"a',
        "foo:bar",
        "title:(a creator:b)",
        "year:x",
        "[1 TO 2]",
        "/a/",
        "AND",
        "a OR OR b",
        "year:2020-02-30",
        "_exists_:(a b)",
        "_exists_:nothing",
        "(" * 60 + "a" + ")" * 60,
        "a" * 3000,
        "title:[a TO b]",
    ],
)
def test_malformed_queries_raise_query_error(q):
    with pytest.raises(QueryError) as excinfo:
        parse_query(q, RECORD_FIELDS)
    assert str(excinfo.value)


QUERY_PIECES = st.sampled_from(
    [*'ab :()"*?-+![]{}^~/\\', "AND", " OR ", " TO ", "NOT ", "title", "_exists_", "year", "2018", "type"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(QUERY_PIECES, max_size=20).map("".join))
def test_fuzzed_queries_parse_or_fail_cleanly(q):
    try:
        tree = parse_query(q, RECORD_FIELDS)
    except QueryError:
        return
    to_elasticsearch(tree, RECORD_FIELDS, DEFAULT)  # every tree compiles


def test_es_terms_and_phrases():
    assert es("glacier") == {
        "multi_match": {
            "query": "glacier",
            "fields": ["title^3", "text"],
            "type": "best_fields",
            "operator": "and",
        }
    }
    assert es('"ice cores"') == {
        "multi_match": {"query": "ice cores", "fields": ["title^3", "text"], "type": "phrase"}
    }
    assert es("glac*") == {
        "multi_match": {"query": "glac", "fields": ["title^3", "text"], "type": "phrase_prefix"}
    }
    assert es("title:glacier") == {"match": {"title": {"query": "glacier", "operator": "and"}}}
    assert es('creator:"ada lovelace"') == {"match_phrase": {"creators": {"query": "ada lovelace"}}}
    assert es("creator:love*") == {"match_phrase_prefix": {"creators": {"query": "love"}}}
    assert es("title:gl?c*er") == {"wildcard": {"title": {"value": "gl?c*er", "case_insensitive": True}}}


def test_es_keywords_dates_and_exists():
    assert es("type:image") == {"term": {"resource_type": {"value": "image", "case_insensitive": True}}}
    assert es("license:cc-by*") == {"prefix": {"license": {"value": "cc-by", "case_insensitive": True}}}
    assert es("year:[2018 TO 2020]") == {
        "range": {"publication_date": {"gte": "2018-01-01", "lt": "2021-01-01"}}
    }
    assert es("publication_date:{2019-06 TO 2020-02-29]") == {
        "range": {"publication_date": {"gte": "2019-07-01", "lt": "2020-03-01"}}
    }
    assert es("year:>=2020") == {"range": {"publication_date": {"gte": "2020-01-01"}}}
    assert es("created:2024-05") == {"range": {"created": {"gte": "2024-05-01", "lt": "2024-06-01"}}}
    assert es("year:[2020 TO 2019]") == {"match_none": {}}
    assert es("_exists_:doi") == {"exists": {"field": "doi"}}
    assert es("*") == {"match_all": {}}


def test_es_boolean_structure():
    assert es("a -b +c") == {
        "bool": {
            "must": [
                {
                    "multi_match": {
                        "query": "a",
                        "fields": ["title^3", "text"],
                        "type": "best_fields",
                        "operator": "and",
                    }
                },
                {
                    "multi_match": {
                        "query": "c",
                        "fields": ["title^3", "text"],
                        "type": "best_fields",
                        "operator": "and",
                    }
                },
            ],
            "must_not": [
                {
                    "multi_match": {
                        "query": "b",
                        "fields": ["title^3", "text"],
                        "type": "best_fields",
                        "operator": "and",
                    }
                }
            ],
        }
    }
    assert es("type:image OR language:eng") == {
        "bool": {
            "should": [
                {"term": {"resource_type": {"value": "image", "case_insensitive": True}}},
                {"term": {"language": {"value": "eng", "case_insensitive": True}}},
            ],
            "minimum_should_match": 1,
        }
    }
    assert es("NOT type:image") == {
        "bool": {
            "must": [{"match_all": {}}],
            "must_not": [{"term": {"resource_type": {"value": "image", "case_insensitive": True}}}],
        }
    }
