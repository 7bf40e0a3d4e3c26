"""Publishing the demo content through the record services, exactly as a depositor would."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from accounts.services import user_create
from records import services
from records.demo.generator import TEST_DOI_PREFIX, DemoContent, Work
from records.models import Parent, PersistentIdentifier
from repository.exceptions import ValidationError

DEMO_EMAIL = "demo@example.org"
ADMIN_EMAIL = "admin@example.org"
DOI_NAMESPACE = "repono-demo"

Progress = Callable[[Iterable], Iterable]


@dataclass
class DemoAccount:
    """A demo user; ``password`` is set only when this run created the account."""

    user: User
    password: str | None


@dataclass
class DemoSummary:
    """What one load published."""

    records: int = 0
    versions: int = 0
    deleted: list[str] = field(default_factory=list)
    resource_types: set[str] = field(default_factory=set)


def demo_record_count() -> int:
    """How many parent records the demo depositor owns (0 when the user does not exist)."""
    return Parent.objects.filter(owner__email__iexact=DEMO_EMAIL).count()


def ensure_account(email: str, *, password: str | None, is_admin: bool) -> DemoAccount:
    """Return the user with EMAIL, creating it (with PASSWORD or a generated one) if absent."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if is_admin and not user.is_superuser:
            raise ValueError(
                f"{email} exists but is not an admin; the demo needs an admin to delete a record."
            )
        return DemoAccount(user, None)
    password = password or secrets.token_urlsafe(12)
    full_name = "Repono Admin" if is_admin else "Demo Depositor"
    return DemoAccount(
        user_create(email=email, password=password, is_admin=is_admin, full_name=full_name), password
    )


def free_doi_namespace() -> str:
    """The DOI namespace of this load: ``repono-demo``, or ``repono-demoN`` when loading again (--force)."""
    namespace, number = DOI_NAMESPACE, 1
    while PersistentIdentifier.objects.filter(
        scheme=services.PID_DOI, value__startswith=f"{TEST_DOI_PREFIX}/{namespace}."
    ).exists():
        number += 1
        namespace = f"{DOI_NAMESPACE}{number}"
    return namespace


def _publish_new(depositor: User, document: dict, key: str) -> str:
    draft, errors = services.draft_create(actor=depositor, data=document)
    if errors:
        raise ValidationError(f"Demo work {key!r} is invalid.", errors=errors)
    return services.draft_publish(actor=depositor, draft_id=draft.pk).pk


def _publish_version(depositor: User, record_id: str, document: dict, key: str) -> str:
    draft = services.record_new_version(actor=depositor, record_id=record_id)
    draft, errors = services.draft_update(actor=depositor, draft_id=draft.pk, data=document)
    if errors:
        raise ValidationError(f"Demo work {key!r} (new version) is invalid.", errors=errors)
    return services.draft_publish(actor=depositor, draft_id=draft.pk).pk


def _landing_page(record_id: str) -> str:
    return settings.SITE_URL + reverse("records:detail", args=[record_id])


@transaction.atomic
def publish_demo_records(
    *, depositor: User, admin: User, content: DemoContent, progress: Progress = iter
) -> DemoSummary:
    """Publish every demo work (and its later versions), then delete the ones marked for retraction.

    One transaction: a failure leaves no half-loaded demo behind. Search indexing is
    queued by the services and runs after commit.
    """
    summary = DemoSummary()
    steps: list[tuple[Work, int]] = [(work, 1) for work in content.works]
    steps += [(work, index) for work in content.works for index in range(2, work.version_count + 1)]
    latest: dict[str, str] = {}  # work key -> id of its latest published version
    landing_pages: dict[str, str] = {}
    for work, index in progress(steps):
        document = content.document(work, index, landing_pages=landing_pages)
        if index == 1:
            latest[work.key] = _publish_new(depositor, document, work.key)
            landing_pages[work.key] = _landing_page(latest[work.key])
            summary.records += 1
            summary.resource_types.add(work.resource_type)
        else:
            latest[work.key] = _publish_version(depositor, latest[work.key], document, work.key)
            summary.versions += 1
    for work in content.works:
        if work.retraction:
            services.record_delete(
                actor=admin,
                record_id=latest[work.key],
                removal_reason=work.retraction["reason"],
                note=work.retraction["note"],
                citation_text=content.citation(work, work.version_count),
            )
            summary.deleted.append(latest[work.key])
    return summary
