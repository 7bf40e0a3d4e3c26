"""Helpers of the access tests: users, groups, grants and links built through the services."""

from __future__ import annotations

from django.contrib.auth.models import Group

from accounts.services import user_create
from records.access import services as access
from tests.records.conftest import publish, valid_document


def restricted_document(*, files: str = "restricted") -> dict:
    document = valid_document()
    document["access"] = {"record": "restricted", "files": files}
    return document


def make_user(email: str):
    return user_create(email=email, password="correct-horse-battery")


def make_group(name: str, *members) -> Group:
    group = Group.objects.create(name=name)
    group.user_set.add(*members)
    return group


def grant(owner, record_id: str, subject, permission: str, expires_at=None):
    kind = "group" if isinstance(subject, Group) else "user"
    return access.grant_create(
        actor=owner,
        record_id=record_id,
        subject=access.Subject(type=kind, id=str(subject.pk)),
        permission=permission,
        expires_at=expires_at,
    )


def link(owner, record_id: str, permission: str, expires_at=None):
    return access.link_create(actor=owner, record_id=record_id, permission=permission, expires_at=expires_at)


__all__ = ["grant", "link", "make_group", "make_user", "publish", "restricted_document", "valid_document"]
