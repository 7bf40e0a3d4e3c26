"""Every write of the OAI-PMH projection: items, sets and set membership."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.html import strip_tags
from lxml import etree

from oaipmh.datestamps import write_stamp
from oaipmh.formats import METADATA_FORMATS
from oaipmh.models import SET_SPEC_VALIDATOR, OAIItem, OAIMetadata, OAISet, OAISetMembership
from oaipmh.permissions import oai_set_policy
from oaipmh.queries import after_key
from oaipmh.sets import chunks, community_members, matching_ids
from records.models import Record
from records.permissions import record_policy
from repository.exceptions import FieldError, NotFound, PermissionDenied, ValidationError
from repository.permissions import UserLike

BATCH = 1000
SET_FIELDS = ("spec", "name", "description", "search_pattern")


def _memberships(record_ids: list[str], oai_sets: list[OAISet]) -> dict[str, list[OAISet]]:
    """Sets each of RECORD_IDS belongs to: custom sets by their query, community sets by inclusion."""
    result: dict[str, list[OAISet]] = {record_id: [] for record_id in record_ids}
    by_community = {oai_set.community_id: oai_set for oai_set in oai_sets if oai_set.community_id}
    for oai_set in oai_sets:
        if oai_set.community_id:
            continue
        for record_id in matching_ids(oai_set.search_pattern, Record.objects.filter(pk__in=record_ids)):
            result[record_id].append(oai_set)
    for record_id, community_ids in community_members(record_ids, list(by_community)).items():
        result[record_id] += [by_community[community_id] for community_id in community_ids]
    return result


def _write_memberships(items: list[OAIItem], members: dict[str, list[OAISet]], stamp: datetime) -> None:
    """Replace the membership rows of ITEMS: current sets at STAMP, sets just left as removed at STAMP.

    Rows of sets left earlier keep their datestamp (they were announced then); a record coming
    back into a set is a member again.
    """
    ids = [item.record_id for item in items]
    current = {item.record_id: {s.pk for s in members[item.record_id]} for item in items}
    rows = OAISetMembership.objects.filter(record_id__in=ids).values_list(
        "pk", "record_id", "oai_set_id", "removed"
    )
    stale, leaving = [], []
    for pk, record_id, set_id, removed in rows:
        if set_id in current[record_id]:
            stale.append(pk)
        elif not removed:
            stale.append(pk)
            leaving.append((record_id, set_id))
    OAISetMembership.objects.filter(pk__in=stale).delete()
    OAISetMembership.objects.bulk_create(
        [
            *(
                OAISetMembership(oai_set_id=set_id, record_id=record_id, datestamp=stamp)
                for record_id, set_ids in current.items()
                for set_id in set_ids
            ),
            *(
                OAISetMembership(oai_set_id=set_id, record_id=record_id, datestamp=stamp, removed=True)
                for record_id, set_id in leaving
            ),
        ]
    )


@transaction.atomic
def items_update(*, record_ids: Iterable[str], stamp: datetime | None = None) -> int:
    """Bring the OAI items of RECORD_IDS up to date, with a new datestamp; returns items written.

    A record gets an item once it is visible to anonymous users; from then on it stays, as a
    deleted header while it is deleted or restricted (deletedRecord=persistent).
    """
    oai_sets = list(OAISet.objects.all())
    written = 0
    for batch in chunks(dict.fromkeys(record_ids), BATCH):
        existing = list(Record.objects.filter(pk__in=batch).values_list("pk", flat=True))
        # The policy's queryset form (one query, no JSON shipped): what anonymous users may read.
        visible = set(
            record_policy.filter_visible(AnonymousUser(), Record.objects.filter(pk__in=existing)).values_list(
                "pk", flat=True
            )
        )
        known = set(OAIItem.objects.filter(record_id__in=existing).values_list("record_id", flat=True))
        stamp = stamp or write_stamp()
        members = _memberships(existing, oai_sets)
        items = []
        for record_id in existing:
            if record_id not in visible and record_id not in known:
                continue  # never disseminated: nothing to tell harvesters
            specs = sorted(s.spec for s in members[record_id])
            items.append(
                OAIItem(
                    record_id=record_id, datestamp=stamp, deleted=record_id not in visible, set_specs=specs
                )
            )
        OAIItem.objects.bulk_create(
            items,
            update_conflicts=True,
            unique_fields=["record_id"],
            update_fields=["datestamp", "deleted", "set_specs"],
        )
        _write_memberships(items, members, stamp)
        written += len(items)
    return written


def items_rebuild(*, progress=None) -> int:
    """Create or refresh the community sets and the items of every record; empty the metadata cache.

    PROGRESS(n) is called per batch. The cache is emptied because what it holds also depends on
    vocabularies and settings (license titles, SITE_URL), which do not change record revisions.
    """
    from communities.models import Community

    OAIMetadata.objects.all().delete()
    stale = OAISet.objects.exclude(community_id=None).exclude(community_id__in=Community.objects.values("pk"))
    for community_id in [
        *Community.objects.values_list("pk", flat=True),
        *stale.values_list("community_id", flat=True),
    ]:
        community_set_sync(community_id=community_id, restamp=False)
    ids = list(Record.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for batch in chunks(ids, BATCH):
        written += items_update(record_ids=batch)
        if progress:
            progress(len(batch))
    return written


def render_metadata(record_ids: Iterable[str], prefix: str) -> dict[str, str]:
    """Render the PREFIX metadata of the records anonymous users may read, and cache it.

    Returns the XML by record id; restricted, deleted and unknown records are left out. Each row
    is stored for the revision it was rendered from, so a concurrent change is never served
    stale (a later read sees another revision and renders again). Rows are written in the order
    of RECORD_IDS: given in harvest order, they lie in the table as a harvest reads them.
    """
    from records.crosswalks import prepare_documents, record_document

    fmt = METADATA_FORMATS[prefix]
    columns = ("id", "json", "revision_id", "deletion_status", "created", "updated")
    record_ids = list(record_ids)
    records = Record.objects.only(*columns).in_bulk(record_ids)
    anonymous = AnonymousUser()
    readable = [
        records[pk]
        for pk in dict.fromkeys(record_ids)
        if pk in records and record_policy.can(anonymous, "read", records[pk])
    ]
    documents = {record.pk: record_document(record) for record in readable}
    prepare_documents(documents.values())
    rendered, rows = {}, []
    for record in readable:
        xml = etree.tostring(fmt.crosswalk(documents[record.pk]), encoding="unicode")
        rendered[record.pk] = xml
        rows.append(OAIMetadata(record_id=record.pk, prefix=prefix, revision_id=record.revision_id, xml=xml))
    OAIMetadata.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["record_id", "prefix"],
        update_fields=["revision_id", "xml"],
    )
    return rendered


def _stale(prefix: str, record_ids):
    """The records among RECORD_IDS (ids or a subquery) anonymous users may read whose PREFIX
    metadata is not cached for their current revision."""
    current = OAIMetadata.objects.filter(
        record_id=OuterRef("pk"), prefix=prefix, revision_id=OuterRef("revision_id")
    )
    if isinstance(record_ids, list):
        # Bounded on both sides: with only the records bounded, PostgreSQL hashed every cached row
        # of the format for each batch (an anti-join over 800,000 rows, 2 s a batch at 1M records).
        current = current.filter(record_id__in=record_ids)
    visible = record_policy.filter_visible(AnonymousUser(), Record.objects.filter(pk__in=record_ids))
    return visible.filter(~Exists(current)).order_by()


def stale_metadata(
    prefix: str, *, after: tuple[datetime, str] | None = None, limit: int = BATCH
) -> tuple[list[str], tuple[datetime, str] | None]:
    """The next LIMIT items after the key AFTER in harvest order, (datestamp, record id): the ids
    of those whose PREFIX metadata is missing or stale, in that order, and the key to go on from
    (None after the last item).

    Harvest order, not id order: rendered in it, a list page's renderings lie together in the
    table (a few pages read in sequence, not a hundred scattered ones; docs/adr/0020).
    """
    items = after_key(OAIItem.objects.filter(deleted=False), after)
    keys = list(items.order_by("datestamp", "record_id").values_list("datestamp", "record_id")[:limit])
    if not keys:
        return [], None
    stale = set(_stale(prefix, [record_id for _, record_id in keys]).values_list("pk", flat=True))
    return [record_id for _, record_id in keys if record_id in stale], keys[-1]


def any_stale_metadata(prefix: str) -> bool:
    """Whether an item anonymous users may read lacks a current PREFIX rendering."""
    return _stale(prefix, OAIItem.objects.filter(deleted=False).values("record_id")).exists()


def render_stale_metadata(prefixes: Iterable[str], *, progress=None) -> int:
    """Render every missing or stale cached metadata row of PREFIXES, in harvest order; returns
    the rows written.

    PROGRESS(n) is called per batch of records rendered.
    """
    written = 0
    for prefix in prefixes:
        after = None
        while True:
            batch, after = stale_metadata(prefix, after=after)
            if after is None:
                break
            if batch:
                written += len(render_metadata(batch, prefix))
                if progress:
                    progress(len(batch))
    return written


COMMUNITY_SET_PREFIX = "community-"


def _community_record_ids(community_id) -> list[str]:
    from communities.models import CommunityRecord

    parents = CommunityRecord.objects.filter(community_id=community_id).values("parent_id")
    return list(Record.objects.filter(parent_id__in=parents).values_list("pk", flat=True))


@transaction.atomic
def community_set_sync(*, community_id, restamp: bool = True) -> OAISet | None:
    """Bring the system set ``community-<slug>`` of one community in line with the community.

    A public, not deleted community has a set named after its title (description as plain
    text); when it is renamed the set's spec follows, and its records are restamped (their
    setSpecs changed). A restricted or deleted community has no set: it is removed, and its
    former members are restamped. Returns the set, or None. RESTAMP=False leaves the items
    alone (for items_rebuild, which restamps everything afterwards).
    """
    from communities.models import Community, Visibility

    community = Community.objects.filter(pk=community_id).first()
    oai_set = OAISet.objects.select_for_update().filter(community_id=community_id).first()
    if community is None or community.is_deleted or community.visibility != Visibility.PUBLIC:
        if oai_set is not None:
            members = list(oai_set.memberships.filter(removed=False).values_list("record_id", flat=True))
            oai_set.delete()
            if restamp:
                items_update(record_ids=members)
        return None
    spec = f"{COMMUNITY_SET_PREFIX}{community.slug}"
    description = community.metadata.get("description") if isinstance(community.metadata, dict) else ""
    fields = {
        "spec": spec,
        "name": community.title,
        "description": " ".join(strip_tags(description or "").split()),
        "search_pattern": f"parent.communities.ids:{community.pk}",
    }
    moved = oai_set is None or oai_set.spec != spec
    former_members: list[str] = []
    if oai_set is None:
        # Slugs are unique, so another set holding this spec is stale: a custom set from before
        # the prefix was reserved, or the set of a community removed from the database without
        # its signal (a raw delete). It gives way; its members are restamped with the rest.
        stale = OAISet.objects.select_for_update().filter(spec=spec).first()
        if stale is not None:
            former_members = list(stale.memberships.filter(removed=False).values_list("record_id", flat=True))
            stale.delete()
        oai_set = OAISet.objects.create(system=True, community_id=community.pk, **fields)
    elif any(getattr(oai_set, key) != value for key, value in fields.items()):
        for key, value in fields.items():
            setattr(oai_set, key, value)
        oai_set.updated = timezone.now()
        oai_set.save(update_fields=[*fields, "updated"])
    if moved and restamp:
        items_update(record_ids=[*former_members, *_community_record_ids(community.pk)])
    return oai_set


def _set_errors(data: dict, *, creating: bool) -> list[FieldError]:
    errors = []
    unknown = sorted(set(data) - set(SET_FIELDS) - {"id", "created", "updated", "system_created", "links"})
    errors += [FieldError(key, ["Unknown field."]) for key in unknown]
    for key in ("name", "search_pattern") if creating else ():
        if not isinstance(data.get(key), str) or not data[key].strip():
            errors.append(FieldError(key, ["Missing data for required field."]))
    for key in ("spec", "name", "description", "search_pattern"):
        if key in data and not isinstance(data[key], str):
            errors.append(FieldError(key, ["Not a valid string."]))
    if creating:
        spec = data.get("spec")
        if not isinstance(spec, str) or not spec:
            errors.append(FieldError("spec", ["Missing data for required field."]))
        elif len(spec) > 128:
            errors.append(FieldError("spec", ["At most 128 characters."]))
        else:
            try:
                SET_SPEC_VALIDATOR(spec)
            except Exception as exc:  # django.core.exceptions.ValidationError
                errors.append(FieldError("spec", list(getattr(exc, "messages", [str(exc)]))))
            if spec.startswith(COMMUNITY_SET_PREFIX):
                errors.append(
                    FieldError("spec", ["Specs starting with 'community-' are kept for communities."])
                )
            if OAISet.objects.filter(spec=spec).exists():
                errors.append(FieldError("spec", ["A set with this spec already exists."]))
    return errors


def _queue_rebuild(set_id: int) -> None:
    from oaipmh.tasks import rebuild_set

    transaction.on_commit(lambda: rebuild_set.delay(set_id))


@transaction.atomic
def oai_set_create(*, actor: UserLike, data: dict) -> OAISet:
    """Create a set; its membership is computed after commit (a Celery task)."""
    oai_set_policy.require(actor, "create")
    errors = _set_errors(data, creating=True)
    if errors:
        raise ValidationError(errors=errors)
    oai_set = OAISet.objects.create(
        spec=data["spec"],
        name=data["name"].strip(),
        description=data.get("description") or "",
        search_pattern=data["search_pattern"],
    )
    _queue_rebuild(oai_set.pk)
    return oai_set


@transaction.atomic
def oai_set_update(*, actor: UserLike, set_id: int, data: dict) -> OAISet:
    """Change a set's name, description or search pattern (never its spec)."""
    oai_set_policy.require(actor, "update")
    oai_set = OAISet.objects.select_for_update().filter(pk=set_id).first()
    if oai_set is None:
        raise NotFound("OAI set not found.")
    errors = _set_errors(data, creating=False)
    if "spec" in data and data["spec"] != oai_set.spec:
        errors.append(FieldError("spec", ["The spec of a set cannot change (harvesters rely on it)."]))
    if oai_set.system:
        raise PermissionDenied("System sets are managed by the platform.")
    if "name" in data and isinstance(data["name"], str) and not data["name"].strip():
        errors.append(FieldError("name", ["Must not be blank."]))
    if (
        "search_pattern" in data
        and isinstance(data["search_pattern"], str)
        and not data["search_pattern"].strip()
    ):
        errors.append(FieldError("search_pattern", ["Must not be blank."]))
    if errors:
        raise ValidationError(errors=errors)
    query_changed = "search_pattern" in data and data["search_pattern"] != oai_set.search_pattern
    for key in ("name", "description", "search_pattern"):
        if key in data:
            setattr(oai_set, key, data[key])
    oai_set.updated = timezone.now()
    oai_set.save(update_fields=["name", "description", "search_pattern", "updated"])
    if query_changed:
        _queue_rebuild(oai_set.pk)
    return oai_set


@transaction.atomic
def oai_set_delete(*, actor: UserLike, set_id: int) -> None:
    """Delete a set; its former members get a new datestamp (their setSpecs changed)."""
    oai_set_policy.require(actor, "delete")
    oai_set = OAISet.objects.select_for_update().filter(pk=set_id).first()
    if oai_set is None:
        raise NotFound("OAI set not found.")
    if oai_set.system:
        raise PermissionDenied("System sets are managed by the platform.")
    members = list(oai_set.memberships.values_list("record_id", flat=True))
    oai_set.delete()
    items_update(record_ids=members)


def set_membership_rebuild(*, set_id: int, progress=None) -> int:
    """Recompute a set's members over all records; records entering or leaving get a new datestamp."""
    oai_set = OAISet.objects.filter(pk=set_id).first()
    if oai_set is None:
        return 0
    changed = 0
    ids = list(OAIItem.objects.order_by("record_id").values_list("record_id", flat=True))
    for batch in chunks(ids, BATCH):
        with transaction.atomic():
            now_in = matching_ids(oai_set.search_pattern, Record.objects.filter(pk__in=batch))
            was_in = set(
                oai_set.memberships.filter(record_id__in=batch, removed=False).values_list(
                    "record_id", flat=True
                )
            )
            moved = now_in ^ was_in
            if moved:
                changed += items_update(record_ids=sorted(moved))
        if progress:
            progress(len(batch))
    return changed
