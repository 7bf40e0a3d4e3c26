"""Writes to the vocabularies."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from repository.exceptions import FieldError, ValidationError
from repository.vocabularies.cache import terms_changed
from repository.vocabularies.loader import LoadStats, Progress, load_terms, shipped_types
from repository.vocabularies.models import VocabularyTerm, VocabularyType


@transaction.atomic
def vocabulary_load(
    *, types: Iterable[str] | None = None, progress: Progress | None = None
) -> dict[str, LoadStats]:
    """Create or update the shipped terms of ``types`` (all shipped types by default); idempotent."""
    available = shipped_types()
    selected = list(available) if types is None else list(dict.fromkeys(types))
    unknown = [name for name in selected if name not in available]
    if unknown:
        raise ValidationError(
            f"Unknown vocabulary type: {', '.join(unknown)}. Shipped: {', '.join(available)}.",
            errors=[FieldError("types", [f"Unknown vocabulary type: {name}." for name in unknown])],
        )
    stats = load_terms(
        type_model=VocabularyType, term_model=VocabularyTerm, types=selected, progress=progress
    )
    if any(item.created or item.updated for item in stats.values()):
        terms_changed()
    return stats
