"""HTML sanitizing for the rich-text fields of a record (descriptions).

Only what a description editor produces survives: text formatting, lists, quotes,
code, headings, tables and links. Links may only point to http, https or mailto
URLs and always carry ``rel="noopener noreferrer nofollow"``. Scripts and styles
are removed together with their content; event handlers and every other
attribute are dropped.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "a",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "sub",
        "sup",
        "span",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
    # Relative links would resolve against whichever site shows the record.
    url_relative="deny",
)


def sanitize_html(value: str) -> str:
    """Return ``value`` with every tag, attribute and URL outside the allow-lists removed."""
    return _cleaner.clean(value)
