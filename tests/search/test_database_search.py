"""Searching records through the API on the database backend (SQLite FTS5 and PostgreSQL alike)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def titles(client, **params) -> set[str]:
    response = client.get("/api/records", params)
    assert response.status_code == 200, response.json()
    return {hit["metadata"]["title"] for hit in response.json()["hits"]["hits"]}


def error(client, **params) -> dict:
    response = client.get("/api/records", params)
    assert response.status_code == 400, response.json()
    return response.json()


GLACIER = "Glacier melt observations in Greenland"
CORAL = "Coral reef photographs"
SOFTWARE = "Ocean circulation model software"
FIGURE = "Glacier figure"
SECRET = "Glacier secret cores"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("glacier", {GLACIER, FIGURE}),
        ("glaciers", {GLACIER, FIGURE}),  # stemming
        ("Glacier Greenland", {GLACIER}),  # words are all required
        ("glacier AND greenland", {GLACIER}),
        ("greenland OR coral", {GLACIER, CORAL}),
        ("glacier NOT greenland", {FIGURE}),
        ("glacier -greenland", {FIGURE}),
        ("+glacier -figure", {GLACIER}),
        ("(coral OR ocean) AND NOT software", {CORAL}),
        ('"melt observations"', {GLACIER}),
        ('"observations melt"', set()),
        ("glac*", {GLACIER, FIGURE}),
        ("gl?cier", {GLACIER, FIGURE}),
        ("circ*tion", {SOFTWARE}),
        ("title:glacier", {GLACIER, FIGURE}),
        ("metadata.title:coral", {CORAL}),
        ("title:survey", set()),  # in the description, not the title
        ("survey", {GLACIER}),
        ('title:"glacier figure"', {FIGURE}),
        ("creator:lovelace", {GLACIER, FIGURE}),
        ("author:hopper", {SOFTWARE}),
        ("metadata.creators.person_or_org.family_name:darwin", {CORAL}),
        ("creator:love*", {GLACIER, FIGURE}),
        ('creator:"ada lovelace"', {GLACIER, FIGURE}),
        ("affiliation:polar", {GLACIER, FIGURE}),
        ('affiliation:"beagle society"', {CORAL}),
        ("subject:oceanography", {SOFTWARE}),
        ('subject:"climate change"', {GLACIER, SOFTWARE}),
        ("doi:10.1234/GLACIER.2019", {GLACIER}),
        ('doi:"10.1234/glacier.2019"', {GLACIER}),
        ("orcid:0000-0002-1825-0097", {GLACIER}),
        ("type:image", {CORAL, FIGURE}),
        ("type:image-photo", {CORAL}),
        ("metadata.resource_type.id:software", {SOFTWARE}),
        ("language:eng", {GLACIER, SOFTWARE}),
        ("language:fra OR language:eng", {GLACIER, SOFTWARE, CORAL}),
        ("license:cc-by-4.0", {GLACIER}),
        ("license:cc-by*", {GLACIER}),
        ("access_status:open", {GLACIER, CORAL, SOFTWARE, FIGURE}),
        ("year:2018", {SOFTWARE}),
        ("publication_date:[2018 TO 2020]", {GLACIER, SOFTWARE, FIGURE}),
        ("publication_date:[2019-06 TO 2020-11-30]", {GLACIER, FIGURE}),
        ("publication_date:{2019-06-01 TO 2021}", {FIGURE}),  # 2021 excluded: all of it
        ("publication_date:[2021-03-01 TO 2021-03-31]", {CORAL}),
        ("year:>=2020", {FIGURE, CORAL}),
        ("year:<2019", {SOFTWARE}),
        ("publication_date:[* TO 2018]", {SOFTWARE}),
        ("_exists_:doi", {GLACIER}),
        ("glacier AND NOT _exists_:doi", {FIGURE}),
        ("_exists_:language", {GLACIER, SOFTWARE, CORAL}),
        ("type:image AND creator:lovelace", {FIGURE}),
        ("(title:coral OR subject:oceanography) year:[2018 TO 2021]", {CORAL, SOFTWARE}),
        ("glacier^2 figure", {FIGURE}),
        ("glacer~1", set()),  # no edit distance on the database backends: the word itself
        ("*", {GLACIER, CORAL, SOFTWARE, FIGURE}),
        ("NOT glacier", {CORAL, SOFTWARE}),
        ("-type:image", {GLACIER, SOFTWARE}),
        ("north-atlantic", set()),
        ("_", {GLACIER, CORAL, SOFTWARE, FIGURE}),  # no word at all: ignored
    ],
)
def test_query_language(api_client, corpus, q, expected):
    assert titles(api_client, q=q, size=100) == expected


def test_restricted_records_only_for_owner_and_admins(
    api_client, owner_client, stranger_client, admin_client_api, corpus
):
    assert SECRET not in titles(api_client, q="glacier")
    assert SECRET not in titles(stranger_client, q="glacier")
    assert SECRET in titles(owner_client, q="glacier")
    assert SECRET in titles(admin_client_api, q="secret")
    assert titles(api_client, q="type:image-photo") == {CORAL}
    assert titles(owner_client, q="type:image-photo") == {CORAL, SECRET}


@pytest.mark.parametrize(
    ("q", "position", "message"),
    [
        ("glacier AND", 11, "Unexpected end of query"),
        ("(glacier", 8, "Unexpected end of query"),
        ('"glacier', 0, "Unclosed quote"),
        ("colour:red", 0, "Unknown field 'colour'"),
        ("glacier title:(a creator:b)", 17, "inside field"),
        ("year:2020-13", 5, "is not a date"),
        ("title:[a TO b]", 6, "only supported on date fields"),
        ("[2018 TO 2020]", 0, "A range needs a field"),
        ("/glac.*/", 0, "Regular expressions"),
        ("year:20*", 5, "Wildcards are not supported"),
    ],
)
def test_bad_queries_are_400_with_position(api_client, corpus, q, position, message):
    body = error(api_client, q=q)
    assert body["status"] == 400
    assert body["errors"][0]["field"] == "q"
    assert message in body["errors"][0]["messages"][0]
    assert f"at position {position}" in body["errors"][0]["messages"][0]


def test_unknown_field_lists_the_known_ones(api_client, db):
    message = error(api_client, q="colour:red")["errors"][0]["messages"][0]
    for name in ("title", "creator", "subject", "doi", "type", "language", "year", "license", "orcid"):
        assert name in message


def test_sorting(api_client, corpus):
    def order(**params):
        response = api_client.get("/api/records", {"size": 10, **params})
        assert response.status_code == 200
        return [hit["metadata"]["title"] for hit in response.json()["hits"]["hits"]]

    assert order() == [FIGURE, SOFTWARE, CORAL, GLACIER]  # newest first without a query
    assert order(sort="oldest") == [GLACIER, CORAL, SOFTWARE, FIGURE]
    assert order(sort="title") == [CORAL, FIGURE, GLACIER, SOFTWARE]
    assert order(sort="updated-asc") == [GLACIER, CORAL, SOFTWARE, FIGURE]
    assert order(sort="updated-desc") == [FIGURE, SOFTWARE, CORAL, GLACIER]
    # bestmatch: a title match ranks above a match elsewhere
    assert order(q="ocean")[0] == SOFTWARE
    assert order(q="glacier figure OR glacier")[0] == FIGURE
    assert api_client.get("/api/records", {"q": "glacier"}).json()["sortBy"] == "bestmatch"
    assert api_client.get("/api/records").json()["sortBy"] == "newest"


def test_sort_by_version(api_client, user, corpus):
    from records import services
    from tests.records.conftest import valid_document

    draft = services.record_new_version(actor=user, record_id=corpus.software.pk)
    services.draft_update(actor=user, draft_id=draft.pk, data=valid_document(title="Ocean model v2"))
    services.draft_publish(actor=user, draft_id=draft.pk)
    hits = api_client.get("/api/records", {"sort": "version", "allversions": "1", "q": "ocean"}).json()
    assert [h["versions"]["index"] for h in hits["hits"]["hits"]] == [2, 1]


def test_suggest_titles_and_creators(api_client, corpus):
    assert titles(api_client, suggest="gla") == {GLACIER, FIGURE}
    assert titles(api_client, suggest="glacier fig") == {FIGURE}
    assert titles(api_client, suggest="hop") == {SOFTWARE}  # a creator name
    assert titles(api_client, suggest="surv") == set()  # description words are not suggested
    assert titles(api_client, suggest="lovelace gla", q="type:image") == {FIGURE}


def test_paging_limits(api_client, db):
    assert error(api_client, size=101)["errors"][0]["field"] == "size"
    assert error(api_client, page=101, size=100)["errors"][0]["field"] == "page"
    assert api_client.get("/api/records", {"page": 100, "size": 100}).status_code == 200


def test_total_is_a_lower_bound_beyond_the_window(api_client, corpus, settings):
    settings.SEARCH_MAX_RESULT_WINDOW = 2
    body = api_client.get("/api/records", {"size": 1}).json()
    assert body["hits"]["total"] == 2


FUZZ_PIECES = st.sampled_from(
    [
        *'ab :()"*?-+![]{}^~/\\é_',
        "AND",
        " OR ",
        " TO ",
        "NOT ",
        "title",
        "creator",
        "_exists_",
        "year",
        "2018",
        "type",
    ]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.lists(FUZZ_PIECES, max_size=16).map("".join), suggest=st.sampled_from(["", "gla", "ö*", '"']))
def test_fuzzed_queries_are_200_or_400_never_500(api_client, corpus, q, suggest):
    response = api_client.get("/api/records", {"q": q, "suggest": suggest})
    assert response.status_code in (200, 400), (q, response.content)
    if response.status_code == 400:
        assert response.json()["errors"][0]["field"] == "q"


def test_bounded_ranking_pages_through_every_match(api_client, corpus, settings):
    """Relevance is computed for a window of the newest matches; later pages still list every match once."""
    settings.SEARCH_CANDIDATE_WINDOW = 2
    seen = []
    for page in (1, 2, 3, 4, 5):
        body = api_client.get(
            "/api/records", {"q": "glacier OR ocean OR coral", "size": 1, "page": page}
        ).json()
        seen += [hit["metadata"]["title"] for hit in body["hits"]["hits"]]
    assert sorted(seen) == sorted([GLACIER, FIGURE, SOFTWARE, CORAL])
    assert body["hits"]["total"] == 4  # the total is not windowed


def years_of(body: dict) -> dict[str, int]:
    return {b["key"]: b["doc_count"] for b in body["aggregations"]["publication_date"]["buckets"]}


def test_facet_counts_cover_every_match_not_the_ranking_window(api_client, corpus, settings):
    """Relevance is windowed, counts are not: with a window of 2 the four visible records all count."""
    settings.SEARCH_CANDIDATE_WINDOW = 2
    body = api_client.get("/api/records").json()
    assert years_of(body) == {"2021": 1, "2020": 1, "2019": 1, "2018": 1}
    body = api_client.get("/api/records", {"q": "glacier OR ocean", "sort": "bestmatch"}).json()
    assert years_of(body) == {"2020": 1, "2019": 1, "2018": 1}
    # a selection is a post filter: the counts stay those of the query, beyond the window too
    body = api_client.get("/api/records", {"language": "fra"}).json()
    assert body["hits"]["total"] == 1
    assert years_of(body) == {"2021": 1, "2020": 1, "2019": 1, "2018": 1}


def test_facet_counts_beyond_the_cap_cover_the_same_records_as_the_total(api_client, corpus, settings):
    """Past the cap the total and the counts are lower bounds over the same capped set of matches."""
    settings.SEARCH_CANDIDATE_WINDOW = 1
    settings.SEARCH_MAX_RESULT_WINDOW = 3
    body = api_client.get("/api/records", {"size": 1}).json()
    assert body["hits"]["total"] == 3
    assert sum(years_of(body).values()) == 3
    assert set(years_of(body)) <= {"2021", "2020", "2019", "2018"}
    access = {b["key"]: b["doc_count"] for b in body["aggregations"]["access_status"]["buckets"]}
    assert access == {"open": 3}


def test_api_search_query_count_does_not_grow_with_the_page(
    api_client, corpus, django_assert_max_num_queries
):
    # count, candidate window, page, versions (records, drafts), vocabulary titles (3 types),
    # facet counts, facet labels (2 types): not a query per hit
    with django_assert_max_num_queries(11):
        body = api_client.get("/api/records", {"size": 25}).json()
    assert len(body["hits"]["hits"]) == 4
    assert body["hits"]["hits"][0]["metadata"]["resource_type"]["title"] == {"en": "Figure"}
