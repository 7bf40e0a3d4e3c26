"""Which records a set selects.

Custom sets: a resource-type selection (``resource_type.id:dataset OR resource_type.id:publication``;
a type matches itself and its subtypes, ``publication`` matches ``publication-article``) evaluated
on the database, or any other query of the search language evaluated by the search backend over a
batch of candidates, asking for the whole batch sorted by date (no relevance ranking, so neither
``SEARCH_CANDIDATE_WINDOW`` nor ``SEARCH_MAX_RESULT_WINDOW`` applies: batches are at most 1,000).
Community sets: the records whose parent is included in the community.
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


def community_members(record_ids: list[str], community_ids: list) -> dict[str, set]:
    """Per record id, which of COMMUNITY_IDS include it (by its parent; all versions join together)."""
    from communities.models import CommunityRecord

    result: dict[str, set] = {record_id: set() for record_id in record_ids}
    if not record_ids or not community_ids:
        return result
    parents = dict(candidates_parents(record_ids))
    links = CommunityRecord.objects.filter(
        parent_id__in=set(parents.values()), community_id__in=community_ids
    ).values_list("parent_id", "community_id")
    by_parent: dict[str, set] = {}
    for parent_id, community_id in links:
        by_parent.setdefault(parent_id, set()).add(community_id)
    for record_id, parent_id in parents.items():
        result[record_id] = by_parent.get(parent_id, set())
    return result


def candidates_parents(record_ids: list[str]) -> list[tuple[str, str]]:
    """(record id, parent id) of RECORD_IDS."""
    from records.models import Record

    return list(Record.objects.filter(pk__in=record_ids).values_list("pk", "parent_id"))


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
