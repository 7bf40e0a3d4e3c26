"""Reads for the OAI-PMH endpoint: keyset pages of items, single items, sets, earliest datestamp.

Pages are keyset-paged on (datestamp, record id), never OFFSET, both on the item table and on
the materialized set membership, and never reach past the watermark (oaipmh.datestamps).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import BooleanField, Min, OuterRef, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

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


def after_key(queryset, after: tuple[datetime, str] | None):
    """The rows of QUERYSET (items or set memberships) after the key AFTER in harvest order,
    (datestamp, record id); all of them when AFTER is None."""
    if after is None:
        return queryset
    # A row-value comparison, which both databases use as a range condition on the keyset index
    # (an OR of the two cases made PostgreSQL read and sort everything after the key's datestamp).
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    key_sql = f"({table}.datestamp, {table}.record_id) > (%s, %s)"
    key = (connection.ops.adapt_datetimefield_value(after[0]), after[1])  # as the column stores it
    # bound parameters; the table name is the model's
    return queryset.filter(RawSQL(key_sql, key, output_field=BooleanField()))  # noqa: S611


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
    The statement is compiled once per shape of request (:func:`_page_statement`); the rows are
    read with a plain cursor and turned into entries here, without the ORM's per-row converters.
    """
    values = {
        "upper": min(end, watermark) if end is not None else watermark,
        "start": start,
        "after_stamp": after[0] if after is not None else None,
        "after_id": after[1] if after is not None else None,
        "set_spec": set_spec,
        "prefix": prefix,
    }
    sql, params = _page_statement(
        connection.alias,
        has_set=set_spec is not None,
        has_start=start is not None,
        has_after=after is not None,
        has_prefix=prefix is not None,
        size=size,
        values=values,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
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
        stamp = datetime.fromisoformat(stamp)  # PostgreSQL: with its offset; SQLite: naive UTC
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        if isinstance(specs, str):  # JSON as text
            specs = json.loads(specs)
        item = Item(record_id=record_id, datestamp=stamp, deleted=revision is None, set_specs=specs)
        xml = row[-1] if prefix is not None and revision is not None else None
        entries.append(Entry(item=item, revision_id=revision, xml=xml))
    return entries, len(rows) > size


def _page_queryset(
    *,
    set_spec: str | None,
    start: datetime | None,
    upper: datetime,
    after: tuple[datetime, str] | None,
    size: int,
):
    """The ORM form of a page: the keyset page and the policy's verdict (the current revision of
    what anonymous users may read, as a correlated subquery per row)."""
    queryset = after_key(_filtered(set_spec, start, None, upper), after)
    ordered = (
        queryset.order_by("datestamp", "record_id")
        if set_spec is None
        else queryset.order_by("oai_set_id", "datestamp", "record_id")
    )  # the keyset index's order (one set: the same order)
    visible = record_policy.filter_visible(AnonymousUser(), Record.objects.filter(pk=OuterRef("record_id")))
    # The datestamp as text, which Python parses in C: the database driver's loader (in Python,
    # with Django's time zone handling) cost about as much as the rest of the row's handling.
    ordered = ordered.annotate(stamp=Cast("datestamp", output_field=TextField()))
    annotations = {"revision": Subquery(visible.order_by().values("revision_id")[:1])}
    if set_spec is None:
        fields = ["record_id", "stamp", "deleted", "set_specs"]
    else:  # membership rows; the item carries the deleted flag and the set specs
        item = OAIItem.objects.filter(record_id=OuterRef("record_id"))
        annotations["item_deleted"] = Subquery(item.values("deleted")[:1])
        annotations["item_set_specs"] = Subquery(item.values("set_specs")[:1])
        fields = ["record_id", "stamp", "removed"]
    return ordered.annotate(**annotations).values_list(*fields, *annotations)[: size + 1]


# Stand-ins for a page's variable values while its statement is compiled (no real value is one).
_SENTINELS = {
    "upper": datetime(1901, 1, 1, 0, 0, 1, tzinfo=UTC),
    "start": datetime(1901, 1, 1, 0, 0, 2, tzinfo=UTC),
    "after_stamp": datetime(1901, 1, 1, 0, 0, 3, tzinfo=UTC),
    "after_id": "oai-sentinel-after-id",
    "set_spec": "oai-sentinel-set-spec",
    "prefix": "oai-sentinel-prefix",
}
_DATETIME_ROLES = ("upper", "start", "after_stamp")
_statements: dict[tuple, tuple[str, tuple]] = {}


def _page_statement(
    alias: str, *, has_set, has_start, has_after, has_prefix, size, values
) -> tuple[str, list]:
    """The SQL and parameters of a page.

    Building the queryset and compiling it took more time than running it (most of a warm
    page's time in the database layer). Its SQL depends only on the request's shape (which
    filters are present, the page size), so it is compiled once per shape with stand-in values;
    each parameter is remembered as the role it plays or as a constant, and a page fills in its
    own values. A shape whose compiled parameters the stand-ins do not account for (a constant
    that is a time, which would freeze) is compiled for every page instead.
    """
    shape = (alias, connection.vendor, has_set, has_start, has_after, has_prefix, size)
    ops = connection.ops

    def adapt(role: str, value):
        return ops.adapt_datetimefield_value(value) if role in _DATETIME_ROLES else value

    cached = _statements.get(shape)
    if cached is None:
        present = {
            "upper": True,
            "start": has_start,
            "after_stamp": has_after,
            "after_id": has_after,
            "set_spec": has_set,
            "prefix": has_prefix,
        }
        stand_in = {role: _SENTINELS[role] if present[role] else None for role in _SENTINELS}
        queryset = _page_queryset(
            set_spec=stand_in["set_spec"],
            start=stand_in["start"],
            upper=stand_in["upper"],
            after=(stand_in["after_stamp"], stand_in["after_id"]) if has_after else None,
            size=size,
        )
        sql, params = queryset.query.get_compiler(using=alias).as_sql()
        by_value = {adapt(role, _SENTINELS[role]): role for role, wanted in present.items() if wanted}
        slots = tuple((by_value.get(param), param) for param in params)
        found = {role for role, _ in slots if role}
        frozen_time = any(role is None and isinstance(param, datetime) for role, param in slots)
        if found != {role for role, wanted in present.items() if wanted and role != "prefix"} or frozen_time:
            return _compile_page(size=size, values=values)
        if has_prefix:
            sql, slots = _with_cached_metadata(sql), (("prefix", None), *slots)
        cached = _statements[shape] = (sql, slots)
    sql, slots = cached
    return sql, [adapt(role, values[role]) if role else param for role, param in slots]


def _compile_page(*, size: int, values: dict) -> tuple[str, list]:
    """The SQL and parameters of one page, compiled for it."""
    after = (values["after_stamp"], values["after_id"]) if values["after_id"] is not None else None
    queryset = _page_queryset(
        set_spec=values["set_spec"], start=values["start"], upper=values["upper"], after=after, size=size
    )
    sql, params = queryset.query.get_compiler(using=connection.alias).as_sql()
    if values["prefix"] is None:
        return sql, list(params)
    return _with_cached_metadata(sql), [values["prefix"], *params]


def _with_cached_metadata(page_sql: str) -> str:
    """PAGE_SQL with one more column: each row's cached rendering of its current revision in a
    format (the first parameter), when anonymous users may read it.

    The lookup keys on the revision the policy's verdict returned: looking the record up again
    for its current revision cost a third index probe per row. The rows keep the page's order:
    the datestamps' text sorts as the datestamps do (one format, one offset: UTC).
    """
    quote = connection.ops.quote_name
    table = quote(OAIMetadata._meta.db_table)
    # identifiers are the model's; the format is a bound parameter
    return (
        f"SELECT page.*, (SELECT m.{quote('xml')} FROM {table} m"  # noqa: S608
        f" WHERE m.{quote('record_id')} = page.{quote('record_id')} AND m.{quote('prefix')} = %s"
        f" AND m.{quote('revision_id')} = page.{quote('revision')}) AS {quote('cached_xml')}"
        f" FROM ({page_sql}) page ORDER BY page.{quote('stamp')}, page.{quote('record_id')}"
    )


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
