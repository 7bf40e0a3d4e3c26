"""Reads of the vocabularies: the interface other apps use to validate and enrich terms."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import router
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from repository.exceptions import FieldError, NotFound, ValidationError
from repository.vocabularies.cache import has_uncommitted_changes, term_ids_cache
from repository.vocabularies.models import VocabularyTerm, VocabularyType
from repository.vocabularies.text import normalize, words

SORT_OPTIONS = ("bestmatch", "title", "id")


def term_as_dict(term: VocabularyTerm) -> dict:
    """The JSON-safe form of a term used to enrich records: id, title, props, tags (+ description, icon)."""
    data = {"id": term.term_id, "title": term.title, "props": term.props, "tags": term.tags}
    if term.description:
        data["description"] = term.description
    if term.icon:
        data["icon"] = term.icon
    return data


def _active_ids(vocabulary_type: str) -> frozenset[str]:
    return frozenset(
        VocabularyTerm.objects.filter(type_id=vocabulary_type, deprecated=False).values_list(
            "term_id", flat=True
        )
    )


def term_ids(vocabulary_type: str) -> frozenset[str]:
    """Ids of the active (not deprecated) terms of a type; empty for an unknown type. Cached in-process."""
    if has_uncommitted_changes(router.db_for_read(VocabularyTerm)):
        return _active_ids(vocabulary_type)
    return term_ids_cache.get(vocabulary_type, lambda: _active_ids(vocabulary_type))


# Terms loaded ahead for the current request (see prefetched_terms): type -> {id: term or None}.
_prefetched: ContextVar[dict[str, dict[str, dict | None]] | None] = ContextVar(
    "prefetched_terms", default=None
)


@contextmanager
def prefetched_terms(wanted: dict[str, set[str]]) -> Iterator[None]:
    """Within the block, get_terms answers for WANTED ({type: ids}) from one query per type.

    For pages that show many records: their vocabulary titles cost a few queries, not a few
    per record.
    """
    loaded: dict[str, dict[str, dict | None]] = {}
    for vocabulary_type, ids in wanted.items():
        found = get_terms(vocabulary_type, ids)
        loaded[vocabulary_type] = {term_id: found.get(term_id) for term_id in ids}
    token = _prefetched.set(loaded)
    try:
        yield
    finally:
        _prefetched.reset(token)


def get_terms(vocabulary_type: str, term_ids: Iterable[str]) -> dict[str, dict]:
    """The terms among ``term_ids`` that exist (deprecated ones included), keyed by id; one query."""
    wanted = set(term_ids)
    if not wanted:
        return {}
    known = (_prefetched.get() or {}).get(vocabulary_type)
    if known is not None and wanted <= known.keys():
        return {term_id: known[term_id] for term_id in wanted if known[term_id] is not None}
    terms = VocabularyTerm.objects.filter(type_id=vocabulary_type, term_id__in=wanted)
    return {term.term_id: term_as_dict(term) for term in terms}


def get_term(vocabulary_type: str, term_id: str) -> dict | None:
    """One term as :func:`term_as_dict`, or None when it does not exist."""
    return get_terms(vocabulary_type, [term_id]).get(term_id)


def term_retrieve(vocabulary_type: str, term_id: str) -> VocabularyTerm:
    """The term model instance (for the API); NotFound for an unknown type or id."""
    term = VocabularyTerm.objects.filter(type_id=vocabulary_type, term_id=term_id).first()
    if term is None:
        if not VocabularyType.objects.filter(id=vocabulary_type).exists():
            raise NotFound(f"Vocabulary type '{vocabulary_type}' does not exist.")
        raise NotFound(f"Vocabulary term '{term_id}' does not exist in '{vocabulary_type}'.")
    return term


def _matching(vocabulary_type: str, q: str | None, suggest: str | None) -> QuerySet[VocabularyTerm]:
    terms = VocabularyTerm.objects.filter(type_id=vocabulary_type, deprecated=False)
    # search_text is " word word ... ": a whole word is " w ", a word prefix " w".
    for word in words(q or ""):
        terms = terms.filter(search_text__contains=f" {word} ")
    for word in words(suggest or ""):
        terms = terms.filter(search_text__contains=f" {word}")
    return terms


def effective_sort(sort: str | None, *, q: str | None = None, suggest: str | None = None) -> str:
    """The sort applied: the one asked for, else best match for a query and title otherwise."""
    if sort:
        return sort
    return "bestmatch" if (q or suggest) else "title"


def search_terms(
    vocabulary_type: str,
    *,
    q: str | None = None,
    suggest: str | None = None,
    page: int = 1,
    size: int = 10,
    sort: str | None = None,
) -> tuple[list[VocabularyTerm], int]:
    """A page of the active terms of a type matching ``q`` (whole words) and ``suggest`` (prefixes).

    Returns (terms, total). NotFound for an unknown type.
    """
    order = effective_sort(sort, q=q, suggest=suggest)
    if order not in SORT_OPTIONS:
        raise ValidationError(errors=[FieldError("sort", [f"Must be one of: {', '.join(SORT_OPTIONS)}."])])
    if page < 1 or size < 1:
        raise ValidationError("page and size must be at least 1.")
    if not VocabularyType.objects.filter(id=vocabulary_type).exists():
        raise NotFound(f"Vocabulary type '{vocabulary_type}' does not exist.")
    terms = _matching(vocabulary_type, q, suggest)
    if order == "id":
        terms = terms.order_by("term_id")
    elif order == "title":
        terms = terms.order_by("sort_title", "term_id")
    else:
        query = normalize(" ".join(part for part in (q, suggest) if part))
        terms = terms.annotate(
            rank=Case(
                When(Q(term_id=query) | Q(sort_title=query), then=Value(0)),
                When(sort_title__startswith=query, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("rank", "sort_title", "term_id")
    total = terms.count()
    start = (page - 1) * size
    return list(terms[start : start + size]), total
