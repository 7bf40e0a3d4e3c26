"""Every write of the OAI-PMH projection: items, sets and set membership."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from oaipmh.datestamps import write_stamp
from oaipmh.models import SET_SPEC_VALIDATOR, OAIItem, OAIMetadata, OAISet, OAISetMembership
from oaipmh.permissions import oai_set_policy
from oaipmh.sets import chunks, matching_ids
from records.models import Record
from records.permissions import record_policy
from repository.exceptions import FieldError, NotFound, ValidationError
from repository.permissions import UserLike

BATCH = 1000
SET_FIELDS = ("spec", "name", "description", "search_pattern")


def _memberships(record_ids: list[str], oai_sets: list[OAISet]) -> dict[str, list[OAISet]]:
    """Sets each of RECORD_IDS belongs to."""
    result: dict[str, list[OAISet]] = {record_id: [] for record_id in record_ids}
    for oai_set in oai_sets:
        for record_id in matching_ids(oai_set.search_pattern, Record.objects.filter(pk__in=record_ids)):
            result[record_id].append(oai_set)
    return result


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
        ids = [item.record_id for item in items]
        OAISetMembership.objects.filter(record_id__in=ids).delete()
        OAISetMembership.objects.bulk_create(
            [
                OAISetMembership(oai_set=oai_set, record_id=item.record_id, datestamp=stamp)
                for item in items
                for oai_set in members[item.record_id]
            ]
        )
        written += len(items)
    return written


def items_rebuild(*, progress=None) -> int:
    """Create or refresh the items of every record (backfill) and empty the metadata cache.

    PROGRESS(n) is called per batch. The cache is emptied because what it holds also depends on
    vocabularies and settings (license titles, SITE_URL), which do not change record revisions.
    """
    OAIMetadata.objects.all().delete()
    ids = list(Record.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for batch in chunks(ids, BATCH):
        written += items_update(record_ids=batch)
        if progress:
            progress(len(batch))
    return written


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
        errors.append(FieldError("spec", ["System sets are managed by the platform."]))
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
            was_in = set(oai_set.memberships.filter(record_id__in=batch).values_list("record_id", flat=True))
            moved = now_in ^ was_in
            if moved:
                changed += items_update(record_ids=sorted(moved))
        if progress:
            progress(len(batch))
    return changed
