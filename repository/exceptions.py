"""Domain exceptions shared by all apps; the API maps them to HTTP statuses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """An error about one field, addressed by its dotted path (``metadata.creators.0.name``)."""

    field: str
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"field": self.field, "messages": list(self.messages)}


class RepositoryError(Exception):
    """Base of all domain errors; ``status`` is the HTTP status the API answers with."""

    status = 400
    default_message = "Bad request."

    def __init__(self, message: str | None = None, *, errors: list[FieldError] | None = None):
        self.message = message or self.default_message
        self.errors = errors or []
        super().__init__(self.message)


class ValidationError(RepositoryError):
    status = 400
    default_message = "A validation error occurred."


class PermissionDenied(RepositoryError):
    status = 403
    default_message = "Permission denied."


class NotFound(RepositoryError):
    status = 404
    default_message = "The persistent identifier does not exist."


class Conflict(RepositoryError):
    status = 409
    default_message = "The request conflicts with the current state."


class PreconditionFailed(RepositoryError):
    status = 412
    default_message = "The resource was modified (revision mismatch)."


class Gone(RepositoryError):
    """The object was deleted; ``tombstone`` describes it."""

    status = 410
    default_message = "The record has been deleted."

    def __init__(self, message: str | None = None, *, tombstone: dict | None = None):
        super().__init__(message)
        self.tombstone = tombstone or {}
