"""In-process cache of term ids per vocabulary type, invalidated when terms change.

Every change to terms calls :func:`terms_changed`. It registers a marker with
``transaction.on_commit``: when the transaction commits the cache is dropped,
when it rolls back Django discards the marker. While a marker is pending the
current transaction has uncommitted changes, so readers bypass the cache: they
see their own writes and never store ids that a rollback could take back (this
is what keeps tests, each run in a rolled-back transaction, independent).
Other processes notice changes after at most ``TTL_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, transaction

TTL_SECONDS = 300.0


class _TermIdsCache:
    """Term ids per vocabulary type, tagged with the version they were read at."""

    def __init__(self) -> None:
        self.version = 0
        self.entries: dict[str, tuple[int, float, frozenset[str]]] = {}

    def invalidate(self) -> None:
        self.version += 1
        self.entries.clear()

    def get(self, vocabulary_type: str, compute: Callable[[], frozenset[str]]) -> frozenset[str]:
        entry = self.entries.get(vocabulary_type)
        now = time.monotonic()
        if entry is not None and entry[0] == self.version and entry[1] > now:
            return entry[2]
        # Read the version before the database: a change committed meanwhile
        # bumps it, so the value stored below is already invalid then.
        version = self.version
        ids = compute()
        self.entries[vocabulary_type] = (version, now + TTL_SECONDS, ids)
        return ids


term_ids_cache = _TermIdsCache()


def _terms_committed() -> None:
    term_ids_cache.invalidate()


def has_uncommitted_changes(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the open transaction on ``using`` changed terms that are not committed yet."""
    connection = transaction.get_connection(using)
    # run_on_commit holds (savepoint ids, callback, robust); Django empties it on
    # rollback and prunes it on savepoint rollback.
    return connection.in_atomic_block and any(
        entry[1] is _terms_committed for entry in connection.run_on_commit
    )


def terms_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Record that terms changed on ``using``: the cache is dropped once this commits."""
    if not has_uncommitted_changes(using):
        transaction.on_commit(_terms_committed, using=using)
