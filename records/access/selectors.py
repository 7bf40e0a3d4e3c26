"""Reads of record access: a parent's grants (in a stable order) and secret links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from records.access import levels
from records.access.models import ParentGroupGrant, ParentUserGrant, SecretLink
from records.models import Parent


@dataclass(frozen=True)
class GrantView:
    """One grant as the API shows it; ``index`` is its position (InvenioRDM's grant id)."""

    index: int
    subject_type: str
    subject_id: str
    permission: str
    expires_at: datetime | None
    created: datetime


def grants_of(parent: Parent, subject_type: str | None = None) -> list[GrantView]:
    """PARENT's grants, oldest first (users before groups on ties); optionally of one subject type."""
    rows = []
    for kind, model, key in (("user", ParentUserGrant, "user_id"), ("group", ParentGroupGrant, "group_id")):
        for row in model.objects.filter(content_object=parent).values(
            "pk", key, "permission__codename", "expires_at", "created"
        ):
            rows.append((row["created"], kind, row["pk"], str(row[key]), row))
    rows.sort(key=lambda item: item[:3])
    result = [
        GrantView(
            index=index,
            subject_type=kind,
            subject_id=subject_id,
            permission=levels.level_of_codename(row["permission__codename"]),
            expires_at=row["expires_at"],
            created=row["created"],
        )
        for index, (_, kind, _, subject_id, row) in enumerate(rows)
    ]
    return [g for g in result if subject_type is None or g.subject_type == subject_type]


def links_of(parent: Parent) -> list[SecretLink]:
    """PARENT's secret links, oldest first (expired ones included: their owner may extend them)."""
    return list(SecretLink.objects.filter(parent=parent).order_by("created", "pk"))


def shared_with(user) -> list:
    """Latest versions of records shared with USER (grants to them or their groups), newest first."""
    from django.db.models import Q

    from records.access.models import active_q
    from records.models import Record

    user_parents = ParentUserGrant.objects.filter(active_q(), user=user).values("content_object_id")
    group_parents = ParentGroupGrant.objects.filter(active_q(), group__user=user).values("content_object_id")
    return list(
        Record.objects.filter(Q(parent_id__in=user_parents) | Q(parent_id__in=group_parents))
        .filter(is_latest=True, deletion_status="P")
        .order_by("-updated")
    )


@dataclass(frozen=True)
class SharedGrant:
    """A grant as the share page lists it: the grant and its subject's name."""

    grant: GrantView
    name: str
    detail: str


def grants_with_subjects(parent: Parent) -> list[SharedGrant]:
    """PARENT's grants with the name of each user or group (two queries)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.models import Visibility

    grants = grants_of(parent)
    user_ids = [int(g.subject_id) for g in grants if g.subject_type == "user"]
    group_ids = [int(g.subject_id) for g in grants if g.subject_type == "group"]
    users = {str(u.pk): u for u in get_user_model().objects.filter(pk__in=user_ids)}
    groups = {str(g.pk): g for g in Group.objects.filter(pk__in=group_ids)}
    rows = []
    for grant in grants:
        if grant.subject_type == "user":
            user = users.get(grant.subject_id)
            name = (user.full_name or f"User {user.pk}") if user else f"User {grant.subject_id}"
            public_email = user is not None and user.email_visibility == Visibility.PUBLIC
            detail = user.email if public_email else ""
        else:
            group = groups.get(grant.subject_id)
            name, detail = (group.name if group else f"Group {grant.subject_id}"), "group"
        rows.append(SharedGrant(grant=grant, name=name, detail=detail))
    return rows


def pending_requests(parent: Parent) -> list:
    """PARENT's access requests waiting for an answer, oldest first."""
    from records.access.models import AccessRequest, RequestStatus

    return list(
        AccessRequest.objects.filter(parent=parent, status=RequestStatus.SUBMITTED)
        .select_related("requester")
        .order_by("created")
    )


def link_target(parent: Parent) -> str:
    """The page a secret link of PARENT opens: its latest published version, else its draft."""
    from django.urls import reverse

    from records.models import DeletionStatus, Draft, Record

    latest = (
        Record.objects.filter(parent=parent, is_latest=True, deletion_status=DeletionStatus.PUBLISHED)
        .values_list("pk", flat=True)
        .first()
    )
    if latest is not None:
        return reverse("records:detail", args=[latest])
    draft = Draft.objects.filter(parent=parent).values_list("pk", flat=True).first()
    return reverse("records:draft-preview", args=[draft]) if draft is not None else ""
