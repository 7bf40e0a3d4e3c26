"""Reads for the OAI-PMH endpoint: keyset pages of items, single items, sets, earliest datestamp.

Pages are keyset-paged on (datestamp, record id), never OFFSET, both on the item table and on
the materialized set membership, and never reach past the watermark (oaipmh.datestamps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Min, Q

from oaipmh.models import OAIItem, OAISet, OAISetMembership
from records.models import Record
from records.permissions import record_policy

COMPLETE_SIZE_LIMIT = 100_000  # count exactly up to this; beyond, completeListSize is omitted


@dataclass
class Entry:
    """One item of a response: its header data and, unless deleted, the record."""

    item: OAIItem
    record: Record | None

    @property
    def deleted(self) -> bool:
        return self.record is None


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
        keys = list(ordered.values_list("record_id", flat=True)[: size + 1])
        by_id = OAIItem.objects.in_bulk(keys)
        items = [by_id[key] for key in keys if key in by_id]
    more = len(items) > size
    return _entries(items[:size]), more


def get_entry(record_id: str) -> Entry | None:
    """The entry of one record, or None when harvesters do not know it."""
    item = OAIItem.objects.filter(record_id=record_id).first()
    return _entries([item])[0] if item else None


def _entries(items: list[OAIItem]) -> list[Entry]:
    """Attach the records of the items not deleted; a record no longer public is shown deleted."""
    wanted = [item.record_id for item in items if not item.deleted]
    # Loaded for ListIdentifiers too: the policy is asked again, so a record restricted since the
    # item was read is never shown as present.
    # Only what the crosswalks and the anonymous read check use (no parent, search text, tombstone).
    columns = ("id", "json", "deletion_status", "created", "updated")
    records = Record.objects.only(*columns).in_bulk(wanted) if wanted else {}
    anonymous = AnonymousUser()
    entries = []
    for item in items:
        record = records.get(item.record_id) if not item.deleted else None
        if record is not None and not record_policy.can(anonymous, "read", record):
            record = None  # changed since the item was read: never disclose it
        if record is None and not item.deleted:
            item.deleted = True
        entries.append(Entry(item=item, record=record))
    return entries


def all_sets() -> list[OAISet]:
    """Every set, by spec."""
    return list(OAISet.objects.order_by("spec"))


def set_exists(spec: str) -> bool:
    """Whether a set with this spec exists."""
    return OAISet.objects.filter(spec=spec).exists()
