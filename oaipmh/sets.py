"""Which records a set's query selects.

Until the search issue's query language lands, a set query is either a resource-type selection
(``resource_type.id:dataset OR resource_type.id:publication``; a type matches itself and its
subtypes, ``publication`` matches ``publication-article``) or plain words evaluated by the search
backend (``repository.search.get_backend().search_records``). To switch to the new language,
replace :func:`matching_ids` with a call to the new parser/backend; nothing else changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from repository.search import SearchParams, get_backend

_TYPE_TERM = re.compile(r"^resource_type\.id:([A-Za-z0-9_\-]+)$")


def resource_types_of(query: str) -> list[str] | None:
    """The resource type ids of a ``resource_type.id:X OR ...`` query, or None for other queries."""
    terms = [t.strip() for t in re.split(r"\s+OR\s+", query.strip())]
    types = []
    for term in terms:
        match = _TYPE_TERM.match(term)
        if not match:
            return None
        types.append(match.group(1))
    return types or None


def matching_ids(query: str, candidates: QuerySet) -> set[str]:
    """Ids of the records among CANDIDATES (a Record queryset) that QUERY selects."""
    types = resource_types_of(query)
    if types is not None:
        condition = Q()
        for type_id in types:
            condition |= Q(json__metadata__resource_type__id=type_id)
            condition |= Q(json__metadata__resource_type__id__startswith=f"{type_id}-")
        return set(candidates.filter(condition).values_list("pk", flat=True))
    ids = list(candidates.values_list("pk", flat=True))
    if not ids or not query.strip():
        return set()
    result = get_backend().search_records(
        candidates.model.objects.filter(pk__in=ids), SearchParams(q=query, sort="newest", size=len(ids))
    )
    return {record.pk for record in result.hits}


def chunks(ids: Iterable[str], size: int) -> Iterable[list[str]]:
    """IDS in lists of at most SIZE."""
    batch: list[str] = []
    for item in ids:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
