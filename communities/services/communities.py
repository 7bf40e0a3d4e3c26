"""Community lifecycle: create, update, rename, delete (tombstone) and restore, logo, featured."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from communities.models import (
    Community,
    CommunityRecord,
    FeaturedCommunity,
    Membership,
    RemovedCommunityRecord,
    Role,
    SlugRedirect,
    Visibility,
)
from communities.permissions import community_policy
from communities.signals import community_changed, community_records_changed
from communities.validation import clean_access, clean_metadata, clean_slug
from repository.exceptions import Conflict, FieldError, NotFound, ValidationError
from repository.ids import parse_row_id
from repository.permissions import UserLike

LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
LOGO_MAX_PIXELS = 4096 * 4096


def get_community_for_update(community_id: object) -> Community:
    """The community row, locked until the transaction ends; NotFound if there is none."""
    community = Community.objects.select_for_update().filter(pk=community_id).first()
    if community is None:
        raise NotFound("Community not found.")
    return community


def visible_community(actor: UserLike, community_id: object, action: str) -> Community:
    """The locked community if the actor may see it (else 404) and may do ACTION (else 403)."""
    community = get_community_for_update(community_id)
    readable = community_policy.can(actor, "read", community) or (
        community.is_deleted and community_policy.can(actor, "restore", community)
    )
    if not readable:
        raise NotFound("Community not found.")
    community_policy.require(actor, action, community)
    return community


def _slug_taken(slug: str, exclude: Community | None = None) -> bool:
    current = Community.objects.filter(slug=slug)
    if exclude is not None:
        current = current.exclude(pk=exclude.pk)
    redirects = SlugRedirect.objects.filter(slug=slug)
    if exclude is not None:
        redirects = redirects.exclude(community=exclude)
    return current.exists() or redirects.exists()


def _check_body(data: object) -> dict:
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.")
    return data


@transaction.atomic
def community_create(*, actor: UserLike, data: dict) -> Community:
    """Create a community; the actor becomes its owner."""
    community_policy.require(actor, "create")
    data = _check_body(data)
    errors = []
    slug = metadata = access = None
    for name, clean in (
        ("slug", lambda: clean_slug(data.get("slug"))),
        ("metadata", lambda: clean_metadata(data.get("metadata"))),
        ("access", lambda: clean_access(data.get("access"))),
    ):
        try:
            value = clean()
        except ValidationError as exc:
            errors.extend(exc.errors)
            continue
        if name == "slug":
            slug = value
        elif name == "metadata":
            metadata = value
        else:
            access = value
    if errors:
        raise ValidationError(errors=errors)
    if _slug_taken(slug):
        raise ValidationError(errors=[FieldError("slug", ["A community with this slug already exists."])])
    try:
        with transaction.atomic():
            community = Community.objects.create(
                slug=slug, metadata=metadata, title=metadata["title"], **access
            )
    except IntegrityError as exc:  # a concurrent creation took the slug
        raise ValidationError(
            errors=[FieldError("slug", ["A community with this slug already exists."])]
        ) from exc
    Membership.objects.create(community=community, user=actor, role=Role.OWNER)
    community_changed.send(sender=Community, community_id=str(community.pk), action="created")
    return community


@transaction.atomic
def community_update(
    *, actor: UserLike, community_id: object, data: dict, revision_id: int | None = None
) -> Community:
    """Replace a community's metadata and access (managers+); a different slug renames it (owners)."""
    from records.services import check_revision

    community = visible_community(actor, community_id, "update")
    check_revision(community.revision_id, revision_id)
    data = _check_body(data)
    metadata = clean_metadata(data.get("metadata"))
    access = clean_access(data.get("access"), community.access)
    if "slug" in data and data["slug"] != community.slug:
        community = _rename(actor, community, data["slug"])
    was_public = community.visibility
    community.metadata = metadata
    community.title = metadata["title"]
    for key, value in access.items():
        setattr(community, key, value)
    community.updated = timezone.now()
    community.revision_id += 1
    community.save(update_fields=["metadata", "title", *access, "updated", "revision_id"])
    action = "visibility" if was_public != community.visibility else "updated"
    community_changed.send(sender=Community, community_id=str(community.pk), action=action)
    return community


def _rename(actor: UserLike, community: Community, new_slug: object) -> Community:
    community_policy.require(actor, "rename", community)
    slug = clean_slug(new_slug)
    if slug == community.slug:
        return community
    if _slug_taken(slug, exclude=community):
        raise ValidationError(errors=[FieldError("slug", ["A community with this slug already exists."])])
    SlugRedirect.objects.filter(community=community, slug=slug).delete()  # renaming back
    SlugRedirect.objects.create(slug=community.slug, community=community)
    community.slug = slug
    community.updated = timezone.now()
    community.revision_id += 1
    community.save(update_fields=["slug", "updated", "revision_id"])
    community_changed.send(sender=Community, community_id=str(community.pk), action="renamed")
    return community


@transaction.atomic
def community_rename(*, actor: UserLike, community_id: object, slug: object) -> Community:
    """Give a community a new slug (owners); the old slug keeps redirecting to it."""
    community = visible_community(actor, community_id, "rename")
    return _rename(actor, community, slug)


@transaction.atomic
def community_delete(*, actor: UserLike, community_id: object, note: str = "") -> Community:
    """Delete a community (owners): a tombstone remains; its records stay but leave the community.

    The links are kept aside (RemovedCommunityRecord) so that a restore brings them back.
    """
    community = visible_community(actor, community_id, "delete")
    if not isinstance(note, str) or len(note) > 2000:
        raise ValidationError(errors=[FieldError("note", ["Must be a string of at most 2000 characters."])])
    now = timezone.now()
    links = list(CommunityRecord.objects.filter(community=community).values_list("parent_id", "created"))
    RemovedCommunityRecord.objects.filter(community=community).delete()
    RemovedCommunityRecord.objects.bulk_create(
        [RemovedCommunityRecord(community=community, parent_id=pid, linked=created) for pid, created in links]
    )
    _unlink(community, [pid for pid, _ in links])
    community.is_deleted = True
    community.tombstone = {
        "removed_by": {"user": str(actor.pk)},
        "removal_date": now.isoformat(),
        "note": note,
        "is_visible": True,
    }
    community.updated = now
    community.revision_id += 1
    community.save(update_fields=["is_deleted", "tombstone", "updated", "revision_id"])
    FeaturedCommunity.objects.filter(community=community).delete()
    _close_open_requests(community)
    community_changed.send(sender=Community, community_id=str(community.pk), action="deleted")
    return community


def _close_open_requests(community: Community) -> None:
    """Requests to a deleted community are declined, its invitations cancelled, by the system."""
    from workflows.models import Request, RequestStatus
    from workflows.services import request_transition

    open_requests = Request.objects.select_for_update().filter(status=RequestStatus.SUBMITTED)
    note = "<p>The community was deleted.</p>"
    for request in open_requests.filter(receiver_type="community", receiver_id=str(community.pk)):
        request_transition(request, "decline", None, note)
    for request in open_requests.filter(created_by_type="community", created_by_id=str(community.pk)):
        request_transition(request, "cancel", None, note)


def _unlink(community: Community, parent_ids: list[str]) -> None:
    """Remove the community's links to PARENT_IDS; a record losing its default gets another one."""
    from records.models import Record
    from records.services import records_changed_in_transaction

    if not parent_ids:
        return
    CommunityRecord.objects.filter(community=community, parent_id__in=parent_ids).delete()
    for parent_id in parent_ids:
        links = CommunityRecord.objects.filter(parent_id=parent_id)
        if not links.filter(is_default=True).exists():
            first = links.order_by("created", "id").first()
            if first is not None:
                CommunityRecord.objects.filter(pk=first.pk).update(is_default=True)
    community_records_changed.send(
        sender=Community, community_id=str(community.pk), parent_ids=list(parent_ids), action="removed"
    )
    record_ids = list(Record.objects.filter(parent_id__in=parent_ids).values_list("pk", flat=True))
    records_changed_in_transaction(record_ids, action="community")


@transaction.atomic
def community_restore(*, actor: UserLike, community_id: object) -> Community:
    """Restore a deleted community (owners, admins) with the records it had when it was deleted.

    A record comes back unless it no longer fits (a restricted community only takes records
    whose latest version is restricted); it is the default community of records that have none.
    """
    community = get_community_for_update(community_id)
    if not community.is_deleted:
        if not community_policy.can(actor, "read", community):
            raise NotFound("Community not found.")
        raise Conflict("The community is not deleted.")
    if not community_policy.can(actor, "restore", community):
        raise NotFound("Community not found.")
    community.is_deleted = False
    community.tombstone = None
    community.updated = timezone.now()
    community.revision_id += 1
    community.save(update_fields=["is_deleted", "tombstone", "updated", "revision_id"])
    community_changed.send(sender=Community, community_id=str(community.pk), action="restored")
    _relink_removed(community)
    return community


def _relink_removed(community: Community) -> list[str]:
    """Bring back the record links the community's deletion removed; returns the parent ids."""
    from records.models import Parent, Record
    from records.services import records_changed_in_transaction

    removed = RemovedCommunityRecord.objects.filter(community=community)
    linked = dict(removed.values_list("parent_id", "linked"))
    removed.delete()
    # Parents deleted since (a discarded record) are gone from the CASCADE; lock the others.
    parent_ids = list(
        Parent.objects.select_for_update().filter(pk__in=list(linked)).values_list("pk", flat=True)
    )
    present = CommunityRecord.objects.filter(community=community, parent_id__in=parent_ids)
    present_ids = set(present.values_list("parent_id", flat=True))
    parent_ids = [pid for pid in parent_ids if pid not in present_ids]
    if community.visibility == Visibility.RESTRICTED:
        latest = dict(
            Record.objects.filter(parent_id__in=parent_ids, is_latest=True).values_list(
                "parent_id", "json__access__record"
            )
        )
        parent_ids = [pid for pid in parent_ids if latest.get(pid, "restricted") == "restricted"]
    if not parent_ids:
        return []
    with_default = set(
        CommunityRecord.objects.filter(parent_id__in=parent_ids, is_default=True).values_list(
            "parent_id", flat=True
        )
    )
    parent_ids.sort(key=lambda pid: linked[pid])
    CommunityRecord.objects.bulk_create(
        [
            CommunityRecord(
                community=community, parent_id=pid, is_default=pid not in with_default, created=linked[pid]
            )
            for pid in parent_ids
        ]
    )
    community_records_changed.send(
        sender=Community, community_id=str(community.pk), parent_ids=list(parent_ids), action="added"
    )
    record_ids = list(Record.objects.filter(parent_id__in=parent_ids).values_list("pk", flat=True))
    records_changed_in_transaction(record_ids, action="community")
    return parent_ids


def _image_type(content: bytes) -> tuple[str, str]:
    """(content type, extension) of a PNG/JPEG/GIF/WebP raster; ValidationError for anything else."""
    invalid = ValidationError(errors=[FieldError("logo", ["Must be a PNG, JPEG, GIF or WebP image."])])
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format not in LOGO_FORMATS:
                raise invalid
            if image.width * image.height > LOGO_MAX_PIXELS:
                raise ValidationError(
                    errors=[FieldError("logo", ["The image is larger than 4096 x 4096 pixels."])]
                )
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError) as exc:
        raise invalid from exc
    return LOGO_FORMATS[image_format], image_format.lower().replace("jpeg", "jpg")


@transaction.atomic
def community_logo_set(*, actor: UserLike, community_id: object, content: bytes) -> Community:
    """Store a community logo (managers+): a validated raster image within the size limit."""
    community = visible_community(actor, community_id, "update")
    limit = settings.COMMUNITY_LOGO_MAX_BYTES
    if not content:
        raise ValidationError(errors=[FieldError("logo", ["The body must be the image file."])])
    if len(content) > limit:
        raise ValidationError(errors=[FieldError("logo", [f"The logo must be at most {limit} bytes."])])
    content_type, extension = _image_type(content)
    old_name = community.logo.name if community.logo else ""
    community.logo.save(f"{community.pk}.{extension}", ContentFile(content), save=False)
    community.logo_content_type = content_type
    community.updated = timezone.now()
    community.save(update_fields=["logo", "logo_content_type", "updated"])
    if old_name and old_name != community.logo.name:
        storage = community.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return community


@transaction.atomic
def community_logo_delete(*, actor: UserLike, community_id: object) -> None:
    """Remove a community's logo (managers+)."""
    community = visible_community(actor, community_id, "update")
    if not community.logo:
        raise NotFound("The community has no logo.")
    name, storage = community.logo.name, community.logo.storage
    community.logo = ""
    community.logo_content_type = ""
    community.updated = timezone.now()
    community.save(update_fields=["logo", "logo_content_type", "updated"])
    transaction.on_commit(lambda: storage.delete(name))


def _start_date(value: object) -> datetime:
    if value is None:
        return timezone.now()
    parsed = None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationError(errors=[FieldError("start_date", ["Must be an ISO 8601 date and time."])])
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


@transaction.atomic
def featured_create(*, actor: UserLike, community_id: object, start_date: object = None) -> FeaturedCommunity:
    """Feature a public community from START_DATE on (admins)."""
    community = visible_community(actor, community_id, "feature")
    if community.visibility != "public":
        raise ValidationError("Only public communities can be featured.")
    return FeaturedCommunity.objects.create(community=community, start_date=_start_date(start_date))


def _featured_entry(actor: UserLike, community_id: object, featured_id: object) -> FeaturedCommunity:
    community = visible_community(actor, community_id, "feature")
    entry = (
        FeaturedCommunity.objects.select_for_update()
        .filter(pk=parse_row_id(featured_id), community=community)
        .first()
    )
    if entry is None:
        raise NotFound("Featured entry not found.")
    return entry


@transaction.atomic
def featured_update(
    *, actor: UserLike, community_id: object, featured_id: object, start_date: object
) -> FeaturedCommunity:
    """Change when a featured entry starts (admins)."""
    entry = _featured_entry(actor, community_id, featured_id)
    entry.start_date = _start_date(start_date)
    entry.save(update_fields=["start_date"])
    return entry


@transaction.atomic
def featured_delete(*, actor: UserLike, community_id: object, featured_id: object) -> None:
    """Remove a featured entry (admins)."""
    _featured_entry(actor, community_id, featured_id).delete()
