"""records.documents and the normalization behind it: input left untouched, the search text."""

from __future__ import annotations

import copy
import html

import pytest
from django.utils.html import strip_tags

from records.documents import document_from_input, html_text, search_projection
from records.sanitize import sanitize_html
from records.validation import normalize_record
from records.validation.identifiers import normalize_identifier
from records.validation.normalize import CANONICAL_ORCID, copy_json
from tests.records.conftest import valid_document

DESCRIPTIONS = [
    "plain words, no markup",
    "<p>Temperature &amp; salinity of the <strong>North</strong> Atlantic</p>",
    "<p>one</p><p>two</p><br>three<hr/>four",
    '<a href="https://example.org/?a=1&amp;b=2" title="x">a link</a> after',
    '<a href="https://example.org/a>b">angle bracket in a link</a>',
    "<ul><li>first</li><li>second &lt;tag&gt; kept as text</li></ul>",
    "<table><tr><td colspan=2>cell</td></tr></table><!-- comment -->",
    "<script>alert(1)</script><style>p {}</style>visible",
    "Caf&eacute; &#233; &#x00e9; &nbsp;spaced&nbsp;out",
    "AT&T 3 < 4 and 5 > 2",
    "<em>unclosed <strong>tags",
    "",
]


@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_html_text_has_the_words_of_strip_tags_on_sanitized_html(description):
    sanitized = sanitize_html(description)
    assert html_text(sanitized).split() == html.unescape(strip_tags(sanitized)).split()


def test_search_text_resolves_character_references():
    document = valid_document(description="<p>Fish &amp; chips, <em>caf&eacute;</em></p>")
    text = search_projection(normalize_record(document_from_input(document)))["search_text"]
    assert "Fish & chips, café" in text
    assert "<" not in text and "&amp;" not in text


def test_document_from_input_leaves_the_input_alone():
    data = valid_document()
    data["access"] = {"record": "public"}
    data["id"] = "abcde-12345"
    before = copy.deepcopy(data)

    document = normalize_record(document_from_input(data))
    document["metadata"]["creators"][0]["person_or_org"]["name"] = "changed"
    document["access"]["files"] = "restricted"

    assert data == before
    assert "id" not in document and document["access"]["embargo"] == {
        "active": False,
        "until": None,
        "reason": None,
    }


def test_owned_input_is_used_without_a_copy():
    data = valid_document(description="<p onclick='x()'>text</p>")
    metadata = data["metadata"]

    document = normalize_record(document_from_input(data, owned=True), in_place=True)

    assert document["metadata"] is metadata
    assert metadata["description"] == "<p>text</p>"
    assert document == normalize_record(document_from_input(valid_document(description="<p>text</p>")))


def test_copy_json_is_a_deep_copy():
    value = {"a": [1, {"b": "c"}, None, 2.5, True], "d": {"e": []}, "f": {1, 2}, "g": ([],)}
    copied = copy_json(value)
    assert copied == copy.deepcopy(value)
    copied["a"][1]["b"] = "changed"
    copied["d"]["e"].append(1)
    copied["f"].add(3)
    copied["g"][0].append(1)
    assert value == {"a": [1, {"b": "c"}, None, 2.5, True], "d": {"e": []}, "f": {1, 2}, "g": ([],)}


@pytest.mark.parametrize(
    "orcid",
    [
        "0000-0002-1825-0097",  # valid
        "0000-0002-1694-233X",  # valid, X check digit
        "0000-0002-1825-0098",  # wrong check digit
        "9999-9999-9999-9999",  # outside the ORCID ranges
        "0000-0000-0000-0000",
    ],
)
def test_an_orcid_in_canonical_form_is_its_own_normal_form(orcid):
    assert CANONICAL_ORCID.fullmatch(orcid)
    assert normalize_identifier(orcid, "orcid") == orcid  # what the shortcut in normalize skips


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("0000 0002 1825 0097", "0000-0002-1825-0097"),
        (" 0000-0002-1825-0097 ", "0000-0002-1825-0097"),
        ("0000000218250097", "0000-0002-1825-0097"),
        ("0000-0002-1694-233x", "0000-0002-1694-233x"),  # not canonical: left to idutils
    ],
)
def test_other_orcid_forms_are_still_normalized(written, normalized):
    document = valid_document(
        creators=[
            {
                "person_or_org": {
                    "type": "personal",
                    "family_name": "Doe",
                    "identifiers": [{"scheme": "ORCID", "identifier": written}],
                }
            }
        ]
    )
    identifier = normalize_record(document)["metadata"]["creators"][0]["person_or_org"]["identifiers"][0]
    assert identifier == {"scheme": "orcid", "identifier": normalized}
    assert normalized == normalize_identifier(written, "orcid")
