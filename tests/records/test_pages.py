"""Server-rendered pages: home, search, landing pages, tombstones, resolvers, draft preview, export."""

from __future__ import annotations

import copy
import json

import pytest
from django.views import defaults

from records import services
from records.models import PersistentIdentifier, PIDStatus
from records.templatetags import record_display
from repository.ids import generate_id
from tests.records.conftest import publish, valid_document

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"


def publish_titled(user, title: str, **metadata):
    return publish(user, valid_document(title=title, **metadata))


def publish_new_version(user, record, **metadata):
    """Publish the next version of RECORD with a new publication date and version (and METADATA)."""
    draft = services.record_new_version(actor=user, record_id=record.pk)
    document = copy.deepcopy(draft.json)
    document["metadata"].update({"publication_date": "2025-01-15", "version": "2.0", **metadata})
    _, errors = services.draft_update(actor=user, draft_id=draft.pk, data=document)
    assert errors == [], errors
    return services.draft_publish(actor=user, draft_id=draft.pk)


def full_document() -> dict:
    """A record using most metadata fields a landing page shows."""
    document = valid_document(
        title="Ocean temperature profiles of the North Atlantic",
        version="1.2",
        publisher="Analytical Engine Press",
        subjects=[{"subject": "Oceanography"}],
        languages=[{"id": "eng"}],
        rights=[{"id": "cc-by-4.0"}],
        dates=[{"date": "2020-01/2021-06", "type": {"id": "collected"}}],
        identifiers=[{"identifier": "10.5555/alternate", "scheme": "doi"}],
        related_identifiers=[
            {"identifier": "10.5555/paper", "scheme": "doi", "relation_type": {"id": "iscitedby"}}
        ],
        funding=[
            {"funder": {"name": "Royal Society"}, "award": {"title": {"en": "Engines"}, "number": "RS-1"}}
        ],
        references=[{"reference": "Babbage, C. (1864). Passages from the Life of a Philosopher."}],
        additional_descriptions=[
            {"description": "<p>Measured <em>weekly</em>.</p>", "type": {"id": "methods"}}
        ],
    )
    document["pids"] = {"doi": {"identifier": "10.1234/abc", "provider": "external"}}
    return document


# --- Layout ---------------------------------------------------------------------------------


def test_layout_is_accessible_and_loads_static_css(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav class="site-nav" aria-label="Main">' in html
    assert 'href="/api/docs"' in html and 'href="/admin/"' in html
    assert '<label for="home-q">' in html and 'id="home-q"' in html
    assert "<script" not in html and "onclick" not in html
    assert '<link rel="stylesheet" href="/static/repository/site.css">' in html
    css = client.get("/static/repository/site.css")
    assert css.status_code == 200
    assert b".skip-link" in b"".join(css.streaming_content)


def test_header_search_box_on_other_pages(client, user):
    record = publish(user)
    html = client.get(f"/records/{record.pk}").content.decode()
    assert 'role="search" action="/search" method="get"' in html
    assert '<label for="header-q" class="visually-hidden">Search records</label>' in html


def test_unknown_url_uses_404_template(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_error_templates_render_without_a_request_context(rf):
    """Django renders 400.html and 500.html without context processors; they must still work."""
    server_error = defaults.server_error(rf.get("/"))
    assert server_error.status_code == 500
    assert "Something went wrong" in server_error.content.decode()
    bad_request = defaults.bad_request(rf.get("/"), exception=None)
    assert bad_request.status_code == 400
    assert "Bad request" in bad_request.content.decode()


def test_pages_only_answer_get_and_head(client):
    assert client.post("/search").status_code == 405
    assert client.head("/search").status_code == 200


# --- Home -----------------------------------------------------------------------------------


def test_home_lists_latest_versions_newest_first(client, user, django_assert_max_num_queries):
    first = publish_titled(user, "Glacier mass balance of the Alps")
    second = publish_titled(user, "Seismic records of Mount Etna")
    publish_new_version(user, first, title="Glacier mass balance of the Alps, revised")
    with django_assert_max_num_queries(4):
        response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Glacier mass balance of the Alps, revised" in html
    assert "Glacier mass balance of the Alps<" not in html  # the first version is not listed
    assert html.index("Glacier mass balance of the Alps, revised") < html.index(second.title)
    assert "Lovelace, Ada" in html and "Dataset" in html and "Open" in html


def test_home_hides_deleted_records(client, user, admin_user):
    record = publish_titled(user, "Spam about cheap watches")
    services.record_delete(actor=admin_user, record_id=record.pk, removal_reason="spam")
    html = client.get("/").content.decode()
    assert "cheap watches" not in html
    assert "No records have been published yet." in html


# --- Search ---------------------------------------------------------------------------------


def test_search_finds_by_title_word(client, user):
    publish_titled(user, "Glacier mass balance of the Alps")
    publish_titled(user, "Seismic records of Mount Etna")
    response = client.get("/search", {"q": "glacier"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Glacier mass balance of the Alps" in html
    assert "Mount Etna" not in html
    assert "1 result for “glacier”" in html
    assert 'value="glacier"' in html
    assert "Profiles measured by Argo floats." in html  # the description snippet, tags stripped


def test_search_without_query_lists_everything_newest_first(client, user):
    publish_titled(user, "Glacier mass balance of the Alps")
    publish_titled(user, "Seismic records of Mount Etna")
    html = client.get("/search").content.decode()
    assert "2 results" in html
    assert html.index("Mount Etna") < html.index("Glacier mass")
    assert '<option value="newest" selected>' in html


def test_search_no_results(client, user):
    publish(user)
    html = client.get("/search", {"q": "zebrafish"}).content.decode()
    assert "0 results" in html and "No records match your search." in html


def test_search_paging_links(client, user):
    for word in ("alpha", "beta", "gamma"):
        publish_titled(user, f"Shared survey {word}")
    response = client.get("/search", {"q": "survey", "size": 1, "page": 2, "sort": "oldest"})
    html = response.content.decode()
    assert "3 results" in html
    assert "Shared survey beta" in html
    assert "Shared survey alpha" not in html and "Shared survey gamma" not in html
    assert 'href="?q=survey&amp;size=1&amp;page=1&amp;sort=oldest" rel="prev"' in html
    assert 'href="?q=survey&amp;size=1&amp;page=3&amp;sort=oldest" rel="next"' in html
    assert 'aria-current="page" aria-label="Page 2">2</a>' in html
    assert '<ol class="results" start="2">' in html
    assert '<option value="1" selected>1</option>' in html  # a size from the URL stays selected


def test_search_shows_lower_bound_beyond_the_result_window(client, user, settings):
    for word in ("alpha", "beta", "gamma"):
        publish_titled(user, f"Shared survey {word}")
    settings.SEARCH_MAX_RESULT_WINDOW = 2
    html = client.get("/search", {"q": "survey", "size": 1}).content.decode()
    assert "More than 2 results" in html
    assert 'aria-label="Page 3"' not in html  # pages beyond the window are not offered


def test_search_hides_other_versions_and_deleted_records(client, user, admin_user):
    record = publish_titled(user, "Shared survey old")
    publish_new_version(user, record, title="Shared survey new")
    deleted = publish_titled(user, "Shared survey removed")
    services.record_delete(actor=admin_user, record_id=deleted.pk, removal_reason="spam")
    html = client.get("/search", {"q": "shared survey"}).content.decode()
    assert "1 result" in html
    assert "Shared survey new" in html
    assert "Shared survey old" not in html and "Shared survey removed" not in html


def test_search_query_count_is_bounded(client, user, django_assert_max_num_queries):
    for index in range(6):
        publish_titled(user, f"Shared survey number {index}")
    # session/user, count, page of hits, six facet counts, resource type labels
    with django_assert_max_num_queries(12):
        response = client.get("/search", {"q": "survey"})
    assert response.content.decode().count('class="result"') == 6


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "abc"}, "Not a valid integer"),
        ({"page": "0"}, "greater than or equal to 1"),
        ({"size": "101"}, "Must be at most 100"),
        ({"page": "101", "size": "100"}, "page * size must not exceed 10000"),
        ({"sort": "random"}, "Must be one of: bestmatch"),
        ({"q": "title:(glacier"}, "Unexpected end of query"),
        ({"q": "colour:red"}, "Unknown field &#x27;colour&#x27;"),
    ],
)
def test_search_bad_parameters_are_400(client, params, message):
    response = client.get("/search", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Bad request" in html


# --- Landing page ---------------------------------------------------------------------------


def test_landing_page_shows_the_metadata(client, user):
    record = publish(user, full_document())
    response = client.get(f"/records/{record.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="record-title">Ocean temperature profiles of the North Atlantic</h1>' in html
    assert "Lovelace, Ada" in html and "Analytical Engine Institute" in html
    assert f'href="https://orcid.org/{ORCID}"' in html
    assert "May 1, 2024" in html
    assert "Dataset" in html  # the resource type's title, not its id
    assert "1.2" in html and "Analytical Engine Press" in html
    assert "<p>Profiles measured by <strong>Argo</strong> floats.</p>" in html  # sanitized HTML kept
    assert "<p>Measured <em>weekly</em>.</p>" in html and "Methods" in html
    assert "Oceanography" in html and "English" in html
    assert "Creative Commons Attribution 4.0 International" in html
    assert "January 2020 – June 2021" in html and "Collected" in html
    assert 'href="https://doi.org/10.5555/alternate"' in html
    assert "Is cited by" in html and 'href="https://doi.org/10.5555/paper"' in html
    assert "Royal Society" in html and "Engines" in html and "RS-1" in html
    assert "Passages from the Life of a Philosopher" in html
    assert 'href="https://doi.org/10.1234/abc"' in html
    assert f"oai:127.0.0.1:{record.pk}" in html
    assert f'href="/records/{record.pk}/export/json"' in html
    assert (
        "Lovelace, A. (2024). Ocean temperature profiles of the North Atlantic (Version 1.2) [Dataset]. "
        "Analytical Engine Press. https://doi.org/10.1234/abc"
    ) in html
    assert '<meta name="citation_doi" content="10.1234/abc">' in html


def test_landing_page_without_optional_fields(client, user):
    document = valid_document()
    del document["metadata"]["description"]
    record = publish(user, document)
    html = client.get(f"/records/{record.pk}").content.decode()
    assert "Description" not in html and "Funding" not in html and "References" not in html
    assert f"http://testserver/records/{record.pk}" in html  # the citation links the landing page


def test_title_is_escaped(client, user):
    record = publish_titled(user, "<script>alert(1)</script> results")
    for url in ("/", "/search?q=results", f"/records/{record.pk}"):
        html = client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<script>" not in html, url


def test_description_event_handlers_are_removed(client, user):
    record = publish(user, valid_document(description='<p>Hello<img src=x onerror="alert(1)"></p>'))
    for url in ("/", f"/records/{record.pk}"):
        html = client.get(url).content.decode()
        assert "Hello" in html
        assert "onerror" not in html, url


def test_other_fields_are_not_rendered_as_html(client, user):
    record = publish(user, valid_document(publisher='<b onmouseover="alert(1)">Evil</b>'))
    html = client.get(f"/records/{record.pk}").content.decode()
    assert "&lt;b onmouseover=&quot;alert(1)&quot;&gt;Evil&lt;/b&gt;" in html
    assert "<b onmouseover" not in html


def test_unknown_record_is_404(client, user):
    assert client.get(f"/records/{generate_id()}").status_code == 404
    assert client.get("/records/not-an-id").status_code == 404
    response = client.get("/records/zzzzz-zzzzz")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_unpublished_draft_id_is_404_like_an_unknown_id(client, user):
    draft, _ = services.draft_create(actor=user, data=valid_document())
    client.force_login(user)
    response = client.get(f"/records/{draft.pk}")
    unknown = client.get(f"/records/{generate_id()}")
    assert response.status_code == unknown.status_code == 404
    assert response.content == unknown.content


def test_non_canonical_id_redirects_to_the_canonical_address(client, user):
    record = publish(user)
    response = client.get(f"/records/{record.pk.upper().replace('-', '')}")
    assert response.status_code == 301
    assert response["Location"] == f"/records/{record.pk}"


def test_deleted_record_is_a_410_tombstone(client, user, admin_user):
    record = publish(user, full_document())
    services.record_delete(
        actor=admin_user,
        record_id=record.pk,
        removal_reason="spam",
        note="Advertising for watches.",
        citation_text="Lovelace, A. (2024). Ocean temperature profiles.",
    )
    for url in (f"/records/{record.pk}", "/doi/10.1234/abc", f"/records/{record.pk}/latest"):
        response = client.get(url)
        assert response.status_code == 410, url
        html = response.content.decode()
        assert "This record has been deleted" in html
        assert "Spam" in html and "Advertising for watches." in html
        assert "Lovelace, A. (2024). Ocean temperature profiles." in html


def test_hidden_tombstone_shows_only_the_reason(client, user, admin_user):
    record = publish(user)
    services.record_delete(
        actor=admin_user, record_id=record.pk, removal_reason="spam", note="Secret note", is_visible=False
    )
    response = client.get(f"/records/{record.pk}")
    assert response.status_code == 410
    html = response.content.decode()
    assert "Spam" in html and "Secret note" not in html


def test_admin_sees_a_deleted_record_with_a_banner(client, user, admin_user):
    record = publish(user)
    services.record_delete(actor=admin_user, record_id=record.pk, removal_reason="spam")
    client.force_login(admin_user)
    response = client.get(f"/records/{record.pk}")
    assert response.status_code == 200
    assert "Deleted record." in response.content.decode()


# --- Versions and resolvers -----------------------------------------------------------------


def test_versions_box_and_latest_redirect(client, user):
    first = publish(user)
    second = publish_new_version(user, first)
    html = client.get(f"/records/{first.pk}").content.decode()
    assert "There is a newer version of this record." in html
    assert f'<a href="/records/{second.pk}">Version 2.0</a>' in html
    assert '<span aria-current="page">Version 1</span>' in html
    assert f'href="/records/{first.pk}/latest"' in html

    response = client.get(f"/records/{first.pk}/latest")
    assert response.status_code == 302
    assert response["Location"] == f"/records/{second.pk}"

    latest_html = client.get(f"/records/{second.pk}").content.decode()
    assert "There is a newer version" not in latest_html
    assert '<span aria-current="page">Version 2.0</span>' in latest_html


def test_parent_id_redirects_permanently_to_the_latest_version(client, user):
    first = publish(user)
    second = publish_new_version(user, first)
    response = client.get(f"/records/{first.parent_id}")
    assert response.status_code == 301
    assert response["Location"] == f"/records/{second.pk}"
    assert client.get(f"/records/{first.parent_id}/latest")["Location"] == f"/records/{second.pk}"


def test_redirected_recid_redirects_permanently(client, user):
    record = publish(user)
    target = PersistentIdentifier.objects.get(scheme="recid", value=record.pk)
    old_id = generate_id()
    # No service merges records yet; the PID table is what a merge would leave behind.
    PersistentIdentifier.objects.create(
        scheme="recid", value=old_id, status=PIDStatus.REDIRECTED, object_type="rec", redirect_to=target
    )
    response = client.get(f"/records/{old_id}")
    assert response.status_code == 301
    assert response["Location"] == f"/records/{record.pk}"


def test_doi_resolves_to_the_landing_page(client, user):
    record = publish(user, full_document())
    for doi in ("10.1234/abc", "10.1234/ABC"):
        response = client.get(f"/doi/{doi}")
        assert response.status_code == 302
        assert response["Location"] == f"/records/{record.pk}"
    assert client.get("/doi/10.1234/unknown").status_code == 404


# --- Draft preview --------------------------------------------------------------------------


def test_draft_preview_is_for_the_owner_and_admins(client, user, other_user, admin_user):
    draft, _ = services.draft_create(actor=user, data=valid_document(title="Unpublished cave survey"))
    url = f"/uploads/{draft.pk}"

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/account/login")

    client.force_login(other_user)
    stranger = client.get(url)
    unknown = client.get(f"/uploads/{generate_id()}")
    assert stranger.status_code == unknown.status_code == 404
    assert "Unpublished cave survey" not in stranger.content.decode()

    for viewer in (user, admin_user):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Draft — not published." in html
        assert "Unpublished cave survey" in html
        assert "deposit form" in html
        assert '<meta name="robots" content="noindex">' in html


def test_draft_preview_survives_invalid_metadata(client, user):
    data = {
        "metadata": {
            "title": {"<i>": "nested"},
            "creators": "not a list",
            "description": {"<script>": "not a string"},
            "subjects": [1, "two", None],
            "dates": {"date": "x"},
        }
    }
    draft, errors = services.draft_create(actor=user, data=data)
    assert errors
    client.force_login(user)
    response = client.get(f"/uploads/{draft.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<i>" not in html


# --- Export ---------------------------------------------------------------------------------


def test_export_json_is_a_download(client, user, admin_user):
    record = publish(user, full_document())
    response = client.get(f"/records/{record.pk}/export/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="{record.pk}.json"'
    body = json.loads(response.content)
    assert body["id"] == record.pk
    assert body["metadata"]["title"] == "Ocean temperature profiles of the North Atlantic"
    assert body["links"]["export_json"] == f"http://testserver/records/{record.pk}/export/json"

    assert client.get(f"/records/{record.pk}/export/xml").status_code == 404
    assert client.get(f"/records/{generate_id()}/export/json").status_code == 404
    services.record_delete(actor=admin_user, record_id=record.pk, removal_reason="spam")
    assert client.get(f"/records/{record.pk}/export/json").status_code == 410


# --- Display filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2024", "2024"),
        ("2024-05", "May 2024"),
        ("2024-05-01", "May 1, 2024"),
        ("2024-02-30", "2024-02-30"),
        ("2020/2021-03", "2020 – March 2021"),
        ("2020/..", "2020 – …"),
        (None, ""),
    ],
)
def test_edtf_display(value, shown):
    assert record_display.edtf_display(value) == shown


@pytest.mark.parametrize(
    ("entry", "url"),
    [
        ({"scheme": "doi", "identifier": "doi:10.1234/X Y"}, "https://doi.org/10.1234/X%20Y"),
        ({"scheme": "url", "identifier": "https://example.org/a"}, "https://example.org/a"),
        ({"scheme": "url", "identifier": "javascript:alert(1)"}, ""),
        ({"scheme": "orcid", "identifier": ORCID}, f"https://orcid.org/{ORCID}"),
        ({"scheme": "isbn", "identifier": "978-3-16-148410-0"}, ""),
        ("not a dict", ""),
    ],
)
def test_identifier_url(entry, url):
    assert record_display.identifier_url(entry) == url


def test_citation_lists_all_creators():
    metadata = {
        "title": "Notes.",
        "publication_date": "1843-10",
        "creators": [
            {"person_or_org": {"type": "personal", "family_name": "Lovelace", "given_name": "Augusta Ada"}},
            {
                "person_or_org": {
                    "type": "personal",
                    "family_name": "Menabrea",
                    "given_name": "Luigi-Federico",
                }
            },
            {"person_or_org": {"type": "organizational", "name": "Royal Society"}},
        ],
    }
    assert record_display.citation(metadata) == (
        "Lovelace, A. A., Menabrea, L. F. & Royal Society. (1843). Notes."
    )
