"""Entity references and request types: what a request may point at, and how each type behaves.

Apps register their entity resolvers (``register_entity``) and request types
(``register_type``) in ``AppConfig.ready``; the workflows services stay generic.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from repository.exceptions import FieldError, ValidationError
from repository.ids import parse_row_id
from repository.permissions import UserLike

if TYPE_CHECKING:
    from workflows.models import Request


def is_active_user(user: UserLike) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


_party_cache: ContextVar[dict | None] = ContextVar("party_cache", default=None)


@contextmanager
def cached_parties() -> Iterator[None]:
    """Within the block, remember which entities a user acts for (rendering a list of requests)."""
    token = _party_cache.set({})
    try:
        yield
    finally:
        _party_cache.reset(token)


def cached(key: tuple, compute):
    """COMPUTE() once per KEY inside ``cached_parties``; always fresh outside it."""
    cache = _party_cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


class EntityResolver(ABC):
    """How one kind of entity (user, group, community, record) takes part in requests."""

    type_key: str = ""

    @abstractmethod
    def exists(self, entity_id: str) -> bool:
        """True when the referenced entity exists."""

    def acts_for(self, user: UserLike, entity_id: str) -> bool:
        """True when USER may act in the name of the entity (e.g. accept as receiver)."""
        ids = cached(("ids", self.type_key, getattr(user, "pk", None)), lambda: self.ids_for(user))
        return entity_id in ids

    def ids_for(self, user: UserLike) -> list[str]:
        """Ids of the entities of this type USER acts for (used to list visible requests)."""
        return []

    def users(self, entity_id: str) -> list:
        """The users who receive e-mails sent to the entity."""
        return []

    def label(self, entity_id: str) -> str:
        return f"{self.type_key} {entity_id}"


class UserResolver(EntityResolver):
    type_key = "user"

    def exists(self, entity_id: str) -> bool:
        row_id = parse_row_id(entity_id)
        return row_id is not None and get_user_model().objects.filter(pk=row_id, is_active=True).exists()

    def ids_for(self, user: UserLike) -> list[str]:
        return [str(user.pk)] if is_active_user(user) else []

    def users(self, entity_id: str) -> list:
        return list(get_user_model().objects.filter(pk=int(entity_id), is_active=True))

    def label(self, entity_id: str) -> str:
        row_id = parse_row_id(entity_id)
        user = get_user_model().objects.filter(pk=row_id).first() if row_id is not None else None
        return (user.full_name or user.email) if user is not None else f"user {entity_id}"


class GroupResolver(EntityResolver):
    type_key = "group"

    def exists(self, entity_id: str) -> bool:
        row_id = parse_row_id(entity_id)
        return row_id is not None and Group.objects.filter(pk=row_id).exists()

    def ids_for(self, user: UserLike) -> list[str]:
        if not is_active_user(user):
            return []
        return [str(pk) for pk in user.groups.values_list("pk", flat=True)]

    def users(self, entity_id: str) -> list:
        return list(get_user_model().objects.filter(groups__pk=int(entity_id), is_active=True))

    def label(self, entity_id: str) -> str:
        row_id = parse_row_id(entity_id)
        group = Group.objects.filter(pk=row_id).first() if row_id is not None else None
        return group.name if group is not None else f"group {entity_id}"


class RecordResolver(EntityResolver):
    """Records (published or draft) as topics; their owner acts for them."""

    type_key = "record"

    def exists(self, entity_id: str) -> bool:
        from records.models import Draft, Record

        return Record.objects.filter(pk=entity_id).exists() or Draft.objects.filter(pk=entity_id).exists()

    def _owner_id(self, entity_id: str) -> int | None:
        from records.models import Draft, Record

        for model in (Record, Draft):
            row = model.objects.filter(pk=entity_id).values_list("parent__owner_id", flat=True).first()
            if row is not None:
                return row
        return None

    def acts_for(self, user: UserLike, entity_id: str) -> bool:
        return is_active_user(user) and self._owner_id(entity_id) == user.pk

    def users(self, entity_id: str) -> list:
        owner_id = self._owner_id(entity_id)
        return list(get_user_model().objects.filter(pk=owner_id, is_active=True)) if owner_id else []


_entities: dict[str, EntityResolver] = {}


def register_entity(resolver: EntityResolver) -> None:
    _entities[resolver.type_key] = resolver


def entity(type_key: str) -> EntityResolver:
    return _entities[type_key]


def entity_types() -> list[str]:
    return list(_entities)


def parse_reference(value: object, field: str, allowed: Iterable[str]) -> tuple[str, str]:
    """``{"community": "<id>"}`` → ("community", "<id>"), checking the type and that it exists."""
    allowed = tuple(allowed)
    if not (isinstance(value, dict) and len(value) == 1):
        raise ValidationError(
            errors=[FieldError(field, [f"Must be an object with one key, one of: {', '.join(allowed)}."])]
        )
    ((type_key, entity_id),) = value.items()
    if type_key not in allowed or type_key not in _entities:
        raise ValidationError(errors=[FieldError(field, [f"Must be one of: {', '.join(allowed)}."])])
    if not isinstance(entity_id, (str, int)) or isinstance(entity_id, bool) or not str(entity_id).strip():
        raise ValidationError(errors=[FieldError(f"{field}.{type_key}", ["Must be a non-empty string."])])
    entity_id = str(entity_id).strip()
    if len(entity_id) > 64 or not _entities[type_key].exists(entity_id):
        raise ValidationError(errors=[FieldError(f"{field}.{type_key}", [f"No such {type_key}."])])
    return type_key, entity_id


@dataclass(frozen=True)
class RequestType:
    """How one type of request behaves; subclasses override the hooks they need.

    Hooks run inside the transaction of the action, after the status changed; raising a
    domain exception undoes the whole action.
    """

    type_id: str = ""
    name: str = ""
    creator_types: tuple[str, ...] = ("user",)
    receiver_types: tuple[str, ...] = ("user",)
    topic_types: tuple[str, ...] = ()
    expires_after: timedelta | None = None

    def can_accept(self, actor: UserLike, request: Request) -> bool:
        """Only the receiver accepts or declines."""
        return entity(request.receiver_type).acts_for(actor, request.receiver_id)

    def can_cancel(self, actor: UserLike, request: Request) -> bool:
        """Only the creator cancels (and submits)."""
        return entity(request.created_by_type).acts_for(actor, request.created_by_id)

    def party_users(self, request: Request, side: str) -> list:
        """The users who hear (by e-mail) for SIDE ("creator" or "receiver") of REQUEST."""
        if side == "creator":
            return entity(request.created_by_type).users(request.created_by_id)
        return entity(request.receiver_type).users(request.receiver_id)

    def on_submit(self, request: Request, actor: UserLike) -> None: ...

    def on_accept(self, request: Request, actor: UserLike) -> None: ...

    def on_decline(self, request: Request, actor: UserLike) -> None: ...

    def on_cancel(self, request: Request, actor: UserLike) -> None: ...

    def on_expire(self, request: Request) -> None: ...


_types: dict[str, RequestType] = {}


def register_type(request_type: RequestType) -> None:
    _types[request_type.type_id] = request_type


def request_type(type_id: str) -> RequestType:
    return _types[type_id]


def request_types() -> list[RequestType]:
    return list(_types.values())


register_entity(UserResolver())
register_entity(GroupResolver())
register_entity(RecordResolver())
