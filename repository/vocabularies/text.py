"""Text normalisation shared by the search columns and the search queries."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")
SORT_TITLE_MAX_LENGTH = 255


def normalize(text: str) -> str:
    """Case-fold ``text`` and strip accents, so "Ngäbere" is found with "ngabere"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold().strip()


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (``publication-article`` -> publication, article)."""
    return _WORD.findall(normalize(text))


def build_search_text(term_id: str, title: dict) -> str:
    """The search column: the id and every word of id and titles, space-delimited on both ends.

    The surrounding spaces let a whole-word match be ``contains " word "`` and a
    prefix match ``contains " word"``, which any database can answer.
    """
    tokens = [normalize(term_id), *words(term_id)]
    for value in title.values():
        tokens.extend(words(str(value)))
    return " " + " ".join(dict.fromkeys(token for token in tokens if token)) + " "


def build_sort_title(term_id: str, title: dict) -> str:
    """The sort key: the normalised English title (the id when there is none)."""
    return normalize(str(title.get("en") or term_id))[:SORT_TITLE_MAX_LENGTH]
