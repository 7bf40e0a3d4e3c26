"""Who may do what with OAI sets: anyone reads them (ListSets is public), admins manage them."""

from __future__ import annotations

from django.db.models import QuerySet

from oaipmh.models import OAISet
from repository.permissions import Policy, UserLike, is_admin


class OAISetPolicy(Policy):
    """OAI sets."""

    actions = ("read", "create", "update", "delete")

    def can_read(self, user: UserLike, oai_set: OAISet | None) -> bool:
        return True

    def can_create(self, user: UserLike, oai_set: OAISet | None) -> bool:
        return is_admin(user)

    can_update = can_create
    can_delete = can_create

    def filter_visible(self, user: UserLike, queryset: QuerySet) -> QuerySet:
        return queryset


oai_set_policy = OAISetPolicy()
