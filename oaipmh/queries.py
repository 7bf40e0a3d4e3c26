"""Reads for the OAI-PMH endpoint: keyset pages of items, single items, sets, earliest datestamp.

Pages are keyset-paged on (datestamp, record id), never OFFSET, both on the item table and on
the materialized set membership, and never reach past the watermark (oaipmh.datestamps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Min, Q

from oaipmh.models import OAIItem, OAIMetadata, OAISet, OAISetMembership
from records.models import Record
from records.permissions import record_policy

COMPLETE_SIZE_LIMIT = 100_000  # count exactly up to this; beyond, completeListSize is omitted


@dataclass
class Entry:
    """One item of a response: its header data and, unless deleted, the record's revision id."""

    item: OAIItem
    revision_id: int | None

    @property
    def deleted(self) -> bool:
        return self.revision_id is None


def earliest_datestamp() -> datetime | None:
    """The oldest datestamp in the repository (None when it is empty)."""
    return OAIItem.objects.aggregate(earliest=Min("datestamp"))["earliest"]


def _filtered(set_spec: str | None, start: datetime | None, end: datetime | None, watermark: datetime):
    if set_spec is None:
        queryset = OAIItem.objects.all()
    else:
        queryset = OAISetMembership.objects.filter(oai_set__spec=set_spec)
    queryset = queryset.filter(datestamp__lt=min(end, watermark) if end is not None else watermark)
    if start is not None:
        queryset = queryset.filter(datestamp__gte=start)
    return queryset


def count_items(
    set_spec: str | None, start: datetime | None, end: datetime | None, watermark: datetime
) -> int | None:
    """The exact size of a list when it is at most COMPLETE_SIZE_LIMIT, else None."""
    total = _filtered(set_spec, start, end, watermark).order_by()[: COMPLETE_SIZE_LIMIT + 1].count()
    return total if total <= COMPLETE_SIZE_LIMIT else None


def page_of_items(
    *,
    set_spec: str | None,
    start: datetime | None,
    end: datetime | None,
    watermark: datetime,
    after: tuple[datetime, str] | None,
    size: int,
) -> tuple[list[Entry], bool]:
    """Up to SIZE entries after the key AFTER, in (datestamp, id) order, and whether more follow."""
    queryset = _filtered(set_spec, start, end, watermark)
    if after is not None:
        queryset = queryset.filter(Q(datestamp__gt=after[0]) | Q(datestamp=after[0], record_id__gt=after[1]))
    ordered = queryset.order_by("datestamp", "record_id")
    if set_spec is None:
        items = list(ordered[: size + 1])
    else:  # the membership rows page; the items carry deleted flags and set specs
        rows = list(ordered.values_list("record_id", "datestamp", "removed")[: size + 1])
        by_id = OAIItem.objects.in_bulk([row[0] for row in rows])
        items = []
        for record_id, stamp, removed in rows:
            item = by_id.get(record_id)
            if item is None:
                continue
            if removed:  # left the set: a deleted header in this set's listing (docs/adr/0011)
                item = OAIItem(record_id=record_id, datestamp=stamp, deleted=True, set_specs=[set_spec])
            item.datestamp = stamp  # the keyset is the membership's (equal to the item's for members)
            items.append(item)
    more = len(items) > size
    return _entries(items[:size]), more


def get_entry(record_id: str) -> Entry | None:
    """The entry of one record, or None when harvesters do not know it."""
    item = OAIItem.objects.filter(record_id=record_id).first()
    return _entries([item])[0] if item else None


def _entries(items: list[OAIItem]) -> list[Entry]:
    """Attach the current revision of the items anonymous users may read; the others are deleted.

    The policy is asked again (its queryset form, one query): a record restricted since its item
    was read is never shown as present.
    """
    wanted = [item.record_id for item in items if not item.deleted]
    visible = Record.objects.filter(pk__in=wanted) if wanted else Record.objects.none()
    revisions = dict(record_policy.filter_visible(AnonymousUser(), visible).values_list("pk", "revision_id"))
    entries = []
    for item in items:
        revision = revisions.get(item.record_id) if not item.deleted else None
        if revision is None:
            item.deleted = True
        entries.append(Entry(item=item, revision_id=revision))
    return entries


def cached_metadata(entries: list[Entry], prefix: str) -> dict[str, str]:
    """Rendered PREFIX metadata of ENTRIES that is current (same revision), by record id."""
    wanted = {e.item.record_id: e.revision_id for e in entries if not e.deleted}
    rows = OAIMetadata.objects.filter(record_id__in=list(wanted), prefix=prefix).values_list(
        "record_id", "revision_id", "xml"
    )
    return {record_id: xml for record_id, revision, xml in rows if wanted.get(record_id) == revision}


def records_for_rendering(record_ids: list[str]) -> dict[str, Record]:
    """The records to render, with only the columns the crosswalks read."""
    columns = ("id", "json", "revision_id", "deletion_status", "created", "updated")
    return Record.objects.only(*columns).in_bulk(record_ids)


def all_sets() -> list[OAISet]:
    """Every set, by spec."""
    return list(OAISet.objects.order_by("spec"))


def set_exists(spec: str) -> bool:
    """Whether a set with this spec exists."""
    return OAISet.objects.filter(spec=spec).exists()
