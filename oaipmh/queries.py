"""Reads for the OAI-PMH endpoint: keyset pages of items, single items, sets, earliest datestamp.

Pages are keyset-paged on (datestamp, record id), never OFFSET, both on the item table and on
the materialized set membership, and never reach past the watermark (oaipmh.datestamps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import BooleanField, Min, OuterRef, Subquery
from django.db.models.expressions import RawSQL

from oaipmh.models import OAIItem, OAIMetadata, OAISet, OAISetMembership
from records.models import Record
from records.permissions import record_policy

COMPLETE_SIZE_LIMIT = 100_000  # count exactly up to this; beyond, completeListSize is omitted


@dataclass(slots=True)
class Item:
    """The header data of an item as a list page reads it (lighter than an OAIItem instance)."""

    record_id: str
    datestamp: datetime
    deleted: bool
    set_specs: list[str]


@dataclass
class Entry:
    """One item of a response: its header data and, unless deleted, the record's revision id and,
    when asked for a format, its cached rendering of that revision (None on a cache miss)."""

    item: OAIItem | Item
    revision_id: int | None
    xml: str | None = None

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
        # The set's id from a subquery, not a join on its spec: with the join, PostgreSQL read the
        # whole set's membership and sorted it for every page instead of a range on the keyset index.
        set_id = Subquery(OAISet.objects.filter(spec=set_spec).values("pk")[:1])
        queryset = OAISetMembership.objects.filter(oai_set_id=set_id)
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
    prefix: str | None = None,
) -> tuple[list[Entry], bool]:
    """Up to SIZE entries after the key AFTER, in (datestamp, id) order, and whether more follow.

    With PREFIX, the entries carry their cached rendering in that format when it is current.
    """
    queryset = _filtered(set_spec, start, end, watermark)
    if after is not None:
        # A row-value comparison, which both databases use as a range condition on the keyset index
        # (an OR of the two cases made PostgreSQL read and sort everything after the key's datestamp).
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        key_sql = f"({table}.datestamp, {table}.record_id) > (%s, %s)"
        key = (connection.ops.adapt_datetimefield_value(after[0]), after[1])  # as the column stores it
        # bound parameters; the table name is the model's
        queryset = queryset.filter(RawSQL(key_sql, key, output_field=BooleanField()))  # noqa: S611
    ordered = (
        queryset.order_by("datestamp", "record_id")
        if set_spec is None
        else queryset.order_by("oai_set_id", "datestamp", "record_id")
    )  # the keyset index's order (one set: the same order)
    # One query: the keyset page, the policy's verdict (current revision of what anonymous users
    # may read) and the cached rendering of that revision, as correlated subqueries per row.
    visible = record_policy.filter_visible(AnonymousUser(), Record.objects.filter(pk=OuterRef("record_id")))
    annotations = {"revision": Subquery(visible.order_by().values("revision_id")[:1])}
    if set_spec is None:
        fields = ["record_id", "datestamp", "deleted", "set_specs"]
    else:  # membership rows; the item carries the deleted flag and the set specs
        item = OAIItem.objects.filter(record_id=OuterRef("record_id"))
        annotations["item_deleted"] = Subquery(item.values("deleted")[:1])
        annotations["item_set_specs"] = Subquery(item.values("set_specs")[:1])
        fields = ["record_id", "datestamp", "removed"]
    if prefix is not None:
        # The record's current revision without the policy's condition: that verdict is "revision"
        # above, and repeating it here read (and decompressed) each record's JSON a second time.
        current = Record.objects.filter(pk=OuterRef(OuterRef("record_id"))).values("revision_id")[:1]
        cached = OAIMetadata.objects.filter(
            record_id=OuterRef("record_id"), prefix=prefix, revision_id=Subquery(current)
        )
        annotations["cached_xml"] = Subquery(cached.values("xml")[:1])
    rows = list(ordered.annotate(**annotations).values_list(*fields, *annotations)[: size + 1])
    entries = []
    for row in rows[:size]:
        if set_spec is None:
            record_id, stamp, deleted, specs, revision = row[:5]
        else:
            record_id, stamp, removed, revision, deleted, specs = row[:6]
            if deleted is None:
                continue  # no item (cannot happen: rows are written together)
            if removed:  # left the set: a deleted header in this set's listing (docs/adr/0011)
                deleted, specs = True, [set_spec]
        if deleted:
            revision = None
        item = Item(record_id=record_id, datestamp=stamp, deleted=revision is None, set_specs=specs)
        xml = row[-1] if prefix is not None and revision is not None else None
        entries.append(Entry(item=item, revision_id=revision, xml=xml))
    return entries, len(rows) > size


def get_entry(record_id: str, prefix: str | None = None) -> Entry | None:
    """The entry of one record, or None when harvesters do not know it."""
    item = OAIItem.objects.filter(record_id=record_id).first()
    return _entries([item], prefix)[0] if item else None


def _entries(items: list[OAIItem], prefix: str | None) -> list[Entry]:
    """Attach the current revision of the items anonymous users may read; the others are deleted.

    The policy is asked again (its queryset form, one query): a record restricted since its item
    was read is never shown as present. The same query fetches the cached PREFIX rendering of
    the current revision (a row of another revision is stale and ignored).
    """
    wanted = [item.record_id for item in items if not item.deleted]
    visible = Record.objects.filter(pk__in=wanted) if wanted else Record.objects.none()
    visible = record_policy.filter_visible(AnonymousUser(), visible)
    if prefix is None:
        rows = {pk: (revision, None) for pk, revision in visible.values_list("pk", "revision_id")}
    else:
        cached = OAIMetadata.objects.filter(
            record_id=OuterRef("pk"), prefix=prefix, revision_id=OuterRef("revision_id")
        ).values("xml")[:1]
        rows = {
            pk: (revision, xml)
            for pk, revision, xml in visible.annotate(cached_xml=Subquery(cached)).values_list(
                "pk", "revision_id", "cached_xml"
            )
        }
    entries = []
    for item in items:
        revision, xml = rows.get(item.record_id, (None, None)) if not item.deleted else (None, None)
        if revision is None:
            item.deleted = True
        entries.append(Entry(item=item, revision_id=revision, xml=xml))
    return entries


def all_sets() -> list[OAISet]:
    """Every set, by spec."""
    return list(OAISet.objects.order_by("spec"))


def set_exists(spec: str) -> bool:
    """Whether a set with this spec exists."""
    return OAISet.objects.filter(spec=spec).exists()
