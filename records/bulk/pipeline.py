"""A whole import: each batch written on a thread of its own while the next one is prepared.

Preparing a batch is Python work; writing it is mostly waiting for PostgreSQL, and psycopg
lets other threads run while it waits. One writer thread, with a database connection of
its own, writes the batches one after the other, each in its own transaction, so a batch
is checked against everything the batches before it committed, as in a serial import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection, connections

from records.bulk.prepare import PreparedBatch, Timings, cyclic_gc_paused, prepare_raw_batch
from records.bulk.write import BatchResult, write_batch

RawBatch = tuple[int, int, Sequence[tuple[int, bytes | str]]]
"""Lines FIRST to LAST of a file: (first, last, the numbered raw lines among them)."""

Writer = Callable[[PreparedBatch, Timings], BatchResult]
"""Writes a prepared batch in one transaction, adding its time to the Timings it is given."""


def _write_batch(batch: PreparedBatch, timings: Timings) -> BatchResult:
    return write_batch(batch, timings=timings)


def import_batches(
    batches: Iterable[RawBatch], *, write: Writer = _write_batch, timings: Timings | None = None
) -> Iterator[tuple[PreparedBatch, Future[BatchResult]]]:
    """Prepare BATCHES and WRITE each one; yield each batch, in order, with its finished writing.

    ``future.result()`` is the batch's result, or raises the error that rolled it back; no
    batch is written after one that failed. Batch N is written on a writer thread while
    batch N+1 is prepared here, unless this thread is inside a transaction (``atomic``),
    which the writes must then join: they are done here, one batch after the other. A caller
    that stops iterating early still gets the batch already handed to the writer written.
    """
    timings = timings if timings is not None else Timings()
    if connection.in_atomic_block:
        for batch in _prepared(batches, timings):
            yield batch, _run(write, batch, timings)
        return
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
    pending: tuple[PreparedBatch, Future[BatchResult], Timings] | None = None
    try:
        for batch in _prepared(batches, timings):
            if pending is not None and pending[1].exception() is not None:
                break  # waits for the batch being written; stop before writing the next
            written = Timings()
            future = writer.submit(write, batch, written)
            if pending is not None:
                timings.add(pending[2])
                yield pending[0], pending[1]
            pending = (batch, future, written)
        if pending is not None:
            pending[1].exception()  # waits
            timings.add(pending[2])
            yield pending[0], pending[1]
    finally:
        writer.submit(connections.close_all)  # the writer thread's own connection
        writer.shutdown(wait=True)


def _prepared(batches: Iterable[RawBatch], timings: Timings) -> Iterator[PreparedBatch]:
    for first, last, lines in batches:
        with cyclic_gc_paused():
            batch, prepared = prepare_raw_batch(lines, first=first, last=last)
            for entry in batch.entries:
                entry.materialize(prepared)  # here rather than in the writer thread, which holds the GIL less
        timings.add(prepared)
        yield batch


def _run(write: Writer, batch: PreparedBatch, timings: Timings) -> Future[BatchResult]:
    future: Future[BatchResult] = Future()
    try:
        future.set_result(write(batch, timings))
    except Exception as exc:  # noqa: BLE001 (handed to the caller by future.result())
        future.set_exception(exc)
    return future
