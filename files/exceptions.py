"""Errors of the files app (the API answers with their ``status`` in InvenioRDM's error shape)."""

from __future__ import annotations

from repository.exceptions import RepositoryError, ValidationError


class PayloadTooLarge(RepositoryError):
    """A file or a record's files would exceed a size limit."""

    status = 413
    default_message = "The upload exceeds a size limit."


class LengthRequired(RepositoryError):
    """Uploads must announce their size (Content-Length)."""

    status = 411
    default_message = (
        "Content-Length is required for this upload (chunked bodies only where the server delimits them)."
    )


class UploadIncomplete(ValidationError):
    """The request body ended before its announced length (the client went away)."""

    default_message = "The upload is incomplete."


class ChecksumMismatch(ValidationError):
    """The bytes received do not match the checksum the client announced."""

    default_message = "Checksum mismatch."
