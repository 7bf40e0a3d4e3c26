"""Bulk import of published records: the fast path behind ``manage.py import_records``.

A batch is imported in two steps. :func:`prepare_batch` (``prepare.py``) needs no database:
each line's document is built as the API builds it, normalized, and judged by the compiled
validator (the reference validator runs only for lines it rejects, to word the messages).
:func:`write_batch` (``write.py``) publishes the valid lines in one transaction: ids are
minted in Python and checked, with the DOIs, by one query; rows are written with COPY on
PostgreSQL and ``executemany`` on SQLite (whose FTS5 triggers index them); revisions are
copied from the new record rows inside the database, so each document is serialized once.
:func:`import_batches` (``pipeline.py``) runs the two steps for a whole file, writing each
batch on a thread of its own while the next one is prepared. The rows are
those a publish through the services writes (:func:`records.services.draft_publish`):
the parent, the record with its search projection, revision 1 (action ``import``), and
the PIDs: recid of the record and of the parent, OAI, and the external DOI if any.

An import line is a record document as the API accepts it, plus optional ``id`` (a stable
record id), ``parent_id`` (a stable parent id, to import versions) and ``versions.index``.
A line whose id already belongs to a record is skipped; lines without ``id`` always create
a new record (no content-based deduplication: give ids to make a file safe to import twice).
"""

from __future__ import annotations

from collections.abc import Sequence

from records.bulk.pipeline import import_batches
from records.bulk.prepare import (
    IMPORT_ONLY_KEYS,
    Entry,
    ImportLine,
    LineError,
    PreparedBatch,
    Timings,
    cyclic_gc_paused,
    parse_line,
    prepare_batch,
    prepare_raw_batch,
)
from records.bulk.write import BatchResult, write_batch

__all__ = [
    "IMPORT_ONLY_KEYS",
    "BatchResult",
    "Entry",
    "ImportLine",
    "LineError",
    "PreparedBatch",
    "Timings",
    "cyclic_gc_paused",
    "import_batch",
    "import_batches",
    "parse_line",
    "prepare_batch",
    "prepare_raw_batch",
    "write_batch",
]


def import_batch(
    lines: Sequence[ImportLine],
    *,
    owner_id: int | None = None,
    user_id: int | None = None,
    timings: Timings | None = None,
) -> BatchResult:
    """Publish the valid lines of LINES in one transaction; report the others.

    The parsed values of LINES are the caller's to give away: they are normalized in place.
    """
    timings = timings if timings is not None else Timings()
    first, last = (lines[0][0], lines[-1][0]) if lines else (0, 0)
    with cyclic_gc_paused():
        batch = prepare_batch(lines, first=first, last=last, timings=timings)
        return write_batch(batch, owner_id=owner_id, user_id=user_id, timings=timings)
