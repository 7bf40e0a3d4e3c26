"""Small text helpers shared by the crosswalks: plain text from HTML, XML-safe strings, years."""

from __future__ import annotations

import html
import re

# Characters XML 1.0 forbids (lxml refuses them): C0 controls except tab, LF, CR; surrogates; U+FFFE/F.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|blockquote|pre|tr)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_YEAR = re.compile(r"^(\d{4})")


def xml_text(value: object) -> str:
    """VALUE as a string that lxml accepts as element text or attribute value."""
    return _XML_FORBIDDEN.sub("", str(value))


def plain_text(markup: str) -> str:
    """The text of sanitized HTML (descriptions), paragraphs kept as blank-line breaks."""
    text = _BLOCK_END.sub("\n\n", markup)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return xml_text("\n".join(line.strip() for line in text.strip().split("\n")))


def year_of(date: object) -> str | None:
    """The four-digit year an EDTF date or interval starts with, or None."""
    match = _YEAR.match(date) if isinstance(date, str) else None
    return match.group(1) if match else None


def first_i18n(value: object, preferred: str = "en") -> str | None:
    """One string from an i18n dict ({"en": "..."}), preferring PREFERRED; plain strings pass through."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict) and value:
        text = value.get(preferred) or next(iter(value.values()))
        return text if isinstance(text, str) and text else None
    return None


def as_list(value: object) -> list:
    """VALUE if it is a list, else an empty list (crosswalks never trust shapes blindly)."""
    return value if isinstance(value, list) else []


def as_dict(value: object) -> dict:
    """VALUE if it is a dict, else an empty dict."""
    return value if isinstance(value, dict) else {}
