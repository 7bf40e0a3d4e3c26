"""Datestamps that never let a harvester miss a change committed concurrently.

A datestamp is assigned inside the writing transaction, which commits later. A harvester that
asked at time T and stores T as its next ``from`` would miss a change stamped before T but
committed after T. So writers and readers agree on a *watermark*: the newest moment before
which every stamped change is committed. Responses only serve items stamped before it, and
their ``responseDate`` is the watermark (see docs/adr/0007-oai-datestamps.md).

- PostgreSQL: a writer takes a shared transaction-level advisory lock, then stamps with
  ``clock_timestamp()``; a reader reads the clock, then the start times of the transactions
  holding that lock: the watermark is the earliest of them (no blocking either way).
- SQLite: writers are serialized and a writer holds the database's write lock while it stamps,
  so a reader briefly takes the write lock itself (``BEGIN IMMEDIATE``): no writer is in flight
  at that moment, and every later writer stamps later.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

ADVISORY_KEY = 0x4F4149  # "OAI": pg_locks shows it as classid 0, objid ADVISORY_KEY, objsubid 1


def write_stamp() -> datetime:
    """The datestamp for changes made by the current (writing) transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [ADVISORY_KEY])
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0]
    return timezone.now()


def watermark() -> datetime:
    """The newest moment before which every stamped change is committed (and visible)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # One round trip. The clock is read first: the lock holders' subquery refers to the
            # clock's row (a correlated subplan), so it runs for that row, after it was produced.
            cursor.execute(
                "WITH clock AS MATERIALIZED (SELECT clock_timestamp() AS now)"
                # pg_stat_get_activity(pid) is what the pg_stat_activity view reads: planning the
                # view's joins took longer than running the whole statement.
                " SELECT now, ARRAY(SELECT (pg_stat_get_activity(l.pid)).xact_start"
                " FROM pg_locks l"
                " WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = %s AND l.objsubid = 1"
                " AND l.granted AND l.pid <> pg_backend_pid() AND clock.now IS NOT NULL"
                # advisory locks are per database, pg_locks shows the whole cluster's
                " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
                " FROM clock",
                [ADVISORY_KEY],
            )
            now, starts = cursor.fetchone()
        if any(start is None for start in starts):
            return _wait_for_writers()  # this role may not see other sessions' start times
        return min([now, *starts])
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with transaction.atomic():  # BEGIN IMMEDIATE: waits until no writer is in flight
            return timezone.now()
    return timezone.now()


def _wait_for_writers() -> datetime:
    """Fallback: wait until no writer holds the lock, and take the time then."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_KEY])
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]
