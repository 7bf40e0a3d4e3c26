"""Who may see and act on requests: the parties (creator and receiver) and admins.

Reading a request and its timeline, commenting and editing the title need to be a party.
The state machine decides which action is legal in which status; this policy decides who:
only the creator submits, cancels and deletes; only the receiver accepts and declines
(the request type may narrow that, e.g. managers for membership requests).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from repository.permissions import Policy, UserLike, is_admin
from workflows.models import Request, RequestEvent
from workflows.registry import entity, entity_types, is_active_user, request_type


def acts_for_creator(user: UserLike, request: Request) -> bool:
    return entity(request.created_by_type).acts_for(user, request.created_by_id)


def acts_for_receiver(user: UserLike, request: Request) -> bool:
    return entity(request.receiver_type).acts_for(user, request.receiver_id)


class RequestPolicy(Policy):
    """Requests and their timelines."""

    actions = ("read", "update", "delete", "comment", "submit", "accept", "decline", "cancel")

    def can_read(self, user: UserLike, request: Request) -> bool:
        if is_admin(user):
            return True
        if not is_active_user(user):
            return False
        return acts_for_creator(user, request) or acts_for_receiver(user, request)

    def can_comment(self, user: UserLike, request: Request) -> bool:
        return is_active_user(user) and self.can_read(user, request)

    def can_update(self, user: UserLike, request: Request) -> bool:
        return is_active_user(user) and acts_for_creator(user, request)

    can_delete = can_update

    def can_submit(self, user: UserLike, request: Request) -> bool:
        return is_active_user(user) and request_type(request.type).can_cancel(user, request)

    can_cancel = can_submit

    def can_accept(self, user: UserLike, request: Request) -> bool:
        return is_active_user(user) and request_type(request.type).can_accept(user, request)

    can_decline = can_accept

    def filter_visible(self, user: UserLike, queryset: QuerySet) -> QuerySet:
        if is_admin(user):
            return queryset
        if not is_active_user(user):
            return queryset.none()
        condition = Q(pk__in=[])
        for type_key in entity_types():
            ids = entity(type_key).ids_for(user)
            if ids:
                condition |= Q(created_by_type=type_key, created_by_id__in=ids)
                condition |= Q(receiver_type=type_key, receiver_id__in=ids)
        return queryset.filter(condition)


class CommentPolicy(Policy):
    """Comments: their author (or an admin) edits and deletes them, while the request is readable."""

    actions = ("update", "delete")

    def can_update(self, user: UserLike, event: RequestEvent) -> bool:
        if event.type != RequestEvent.Type.COMMENT:
            return False
        if is_admin(user):
            return True
        return is_active_user(user) and event.created_by_id == user.pk

    can_delete = can_update

    def filter_visible(self, user: UserLike, queryset: QuerySet) -> QuerySet:
        return queryset.filter(request__in=request_policy.filter_visible(user, Request.objects.all()))


request_policy = RequestPolicy()
comment_policy = CommentPolicy()
