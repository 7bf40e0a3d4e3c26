"""Facet filters from query parameters and InvenioRDM's aggregation shape, shared by the backends."""

from __future__ import annotations

from collections.abc import Iterable

from repository.exceptions import FieldError, ValidationError
from repository.search.query.dates import parse_partial_date
from repository.search.spec import Facet, SearchIndex

NESTED_SEPARATOR = "::"
YEAR_RANGE_SEPARATOR = ".."
MAX_YEARS = 1000


def selected_values(
    index: SearchIndex, filters: Iterable[tuple[str, str]], viewer=None
) -> dict[str, list[str]]:
    """Facet name -> the term values its selections stand for (values OR'ed, facets AND'ed).

    ``resource_type=image::image-photo`` selects the subtype, ``resource_type=image`` the type;
    ``publication_date=2020`` a year, ``publication_date=2018..2020`` several.
    """
    selected: dict[str, list[str]] = {}
    errors = []
    for name, raw in filters:
        facet = index.facet(name)
        if facet is None:
            continue
        value = raw.strip()
        if facet.nested and NESTED_SEPARATOR in value:
            value = value.split(NESTED_SEPARATOR, 1)[1]
        if facet.order_by_key:  # the year histogram
            years = _years(value)
            if years is None:
                errors.append(FieldError(name, [f"Not a year or a range of years (2018..2020): {raw!r}."]))
                continue
            selected.setdefault(name, []).extend(years)
            continue
        if facet.resolve is not None:  # a selection naming nothing the viewer may see selects nothing
            selected.setdefault(name, []).extend(facet.resolve([value], viewer) or [""])
            continue
        if facet.term_field != "subject.exact":
            value = value.lower()
        if value:
            selected.setdefault(name, []).append(value)
    if errors:
        raise ValidationError(errors=errors)
    return selected


def within_values(within: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Facet name -> term values of a caller's fixed restriction (``SearchParams.within``)."""
    values: dict[str, list[str]] = {}
    for name, value in within:
        values.setdefault(name, []).append(value)
    return values


def wanted_facets(index: SearchIndex, names: Iterable[str] | None) -> tuple[Facet, ...]:
    """The facets of INDEX to compute: NAMES (in the index's order), or all of them."""
    if names is None:
        return index.facets
    chosen = set(names)
    return tuple(facet for facet in index.facets if facet.name in chosen)


def _years(value: str) -> list[str] | None:
    low, _, high = value.partition(YEAR_RANGE_SEPARATOR)
    high = high or low
    if not (len(low) == len(high) == 4 and parse_partial_date(low) and parse_partial_date(high)):
        return None
    first, last = int(low), int(high)
    if last < first or last - first > MAX_YEARS:
        return None
    return [str(year) for year in range(first, last + 1)]


def build_aggregations(
    index: SearchIndex,
    counts: dict[str, list[tuple[str, int]]],
    filters: Iterable[tuple[str, str]],
    *,
    viewer=None,
) -> dict:
    """``{name: {"label", "buckets": [{key, doc_count, label, is_selected[, inner]}]}}`` from raw counts.

    Buckets of a facet with ``restrict`` keep only the keys VIEWER may see (a record in a community
    the viewer cannot see must not reveal that community).
    """
    chosen: dict[str, set[str]] = {}
    for name, value in filters:
        chosen.setdefault(name, set()).add(value.strip())
    result = {}
    for facet in index.facets:
        if facet.name not in counts:
            continue
        rows = counts[facet.name]
        if facet.restrict is not None:
            allowed = facet.restrict([key for key, _ in rows], viewer)
            rows = [(key, count) for key, count in rows if key in allowed]
        keys = [key for key, _ in rows]
        labels = facet.labels(keys) if facet.labels else {}
        selected = chosen.get(facet.name, set())
        if facet.resolve is not None:  # a selection by another name (a slug) marks the key it resolves to
            selected = selected | set(facet.resolve(sorted(selected), viewer))
        if facet.nested:
            buckets = _nested_buckets(facet, rows, labels, selected)
        else:
            buckets = [
                {
                    "key": key,
                    "doc_count": count,
                    "label": labels.get(key, key),
                    "is_selected": key in selected or _year_selected(facet, key, selected),
                }
                for key, count in rows
            ][: facet.size]
        result[facet.name] = {"label": facet.label, "buckets": buckets}
    return result


def _year_selected(facet: Facet, key: str, selected: set[str]) -> bool:
    if not facet.order_by_key:
        return False
    for value in selected:
        years = _years(value)
        if years and key in years:
            return True
    return False


def _nested_buckets(facet: Facet, rows, labels: dict[str, str], selected: set[str]) -> list[dict]:
    """Types with their subtypes (``image`` → ``image-photo``) from the flat counts of both."""
    tops = {key: count for key, count in rows if "-" not in key}
    inner: dict[str, list[dict]] = {}
    for key, count in rows:
        if "-" in key:
            parent = key.split("-", 1)[0]
            inner.setdefault(parent, []).append(
                {
                    "key": key,
                    "doc_count": count,
                    "label": labels.get(key, key),
                    "is_selected": f"{parent}{NESTED_SEPARATOR}{key}" in selected or key in selected,
                }
            )
    buckets = []
    for key, count in sorted(tops.items(), key=lambda item: (-item[1], item[0]))[: facet.size]:
        buckets.append(
            {
                "key": key,
                "doc_count": count,
                "label": labels.get(key, key),
                "is_selected": key in selected,
                "inner": {"buckets": sorted(inner.get(key, []), key=lambda b: (-b["doc_count"], b["key"]))},
            }
        )
    return buckets
