"""The policy base: one policy per protected model.

A policy answers both questions about a model: "may this user do ACTION to this
object?" (``can``) and "which objects may this user see?" (``filter_visible``).
Views, search and exports ask the policy; none decides on its own. Tests prove
the two answers agree (tests/records/test_permissions.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet

from repository.exceptions import PermissionDenied

UserLike = Any  # accounts.User or AnonymousUser


def is_admin(user: UserLike) -> bool:
    """Admins (superusers) may do everything; staff alone may use the admin site."""
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


class Policy(ABC):
    """Base class: subclasses implement ``can_<action>`` methods and ``filter_visible``."""

    actions: ClassVar[tuple[str, ...]] = ()

    def can(self, user: UserLike | None, action: str, obj: Model | None = None) -> bool:
        if action not in self.actions:
            raise ValueError(f"{type(self).__name__} knows no action {action!r}")
        return bool(getattr(self, f"can_{action}")(user or AnonymousUser(), obj))

    def require(self, user: UserLike | None, action: str, obj: Model | None = None) -> None:
        """Raise PermissionDenied unless the user may do ACTION."""
        if not self.can(user, action, obj):
            raise PermissionDenied(f"Not allowed to {action.replace('_', ' ')}.")

    @abstractmethod
    def filter_visible(self, user: UserLike | None, queryset: QuerySet) -> QuerySet:
        """Restrict QUERYSET to the objects USER may see."""
