"""Import published records from a JSON Lines file, in batches (records.bulk)."""

from __future__ import annotations

from argparse import RawDescriptionHelpFormatter
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
    OutputWrapper,
)
from django.db import DatabaseError
from tqdm import tqdm

from accounts.models import User
from records import services
from records.bulk import BatchResult, LineError, PreparedBatch, Timings, import_batches

HELP = """\
Publish the records of FILE, a JSON Lines file: one record document per line, as the
REST API accepts it ({"metadata": {...}, "access": {...}, "pids": {...}, ...}), optionally
with "id" (a stable record id such as ha4g3-7x208; minted when absent), "parent_id" (a
stable parent id: lines with the same parent_id are versions of one record) and
"versions": {"index": N}.

Each batch is one transaction. Lines that cannot be imported (bad JSON, not an object,
validation errors, a malformed id, a DOI already in use) are reported on stderr as
"line N: field: message" and do not stop the run. A line whose id already belongs to a
record is skipped, so a file whose lines all have ids can be imported again safely.
Lines without "id" are not deduplicated: they create new records on every run.

Prints "imported X, skipped Y (already present), failed Z" at the end. The exit status
is non-zero if any line failed or a database error stopped the import (the batch being
written is then rolled back as a whole; earlier batches stay imported, so running the
command again with the same file, with ids, completes the import).
"""


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's order of arguments, and the line breaks of the description kept."""


class _ProgressStream:
    """Lets tqdm draw on a command's stderr: OutputWrapper would end every write with a newline."""

    def __init__(self, wrapper: OutputWrapper):
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=lambda message: message, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def isatty(self) -> bool:
        return self._wrapper.isatty()


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        return super().create_parser(prog_name, subcommand, formatter_class=_HelpFormatter)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE", help="The JSON Lines file to import.")
        parser.add_argument(
            "--owner",
            metavar="EMAIL",
            help="E-mail of the user who owns the new records (default: no owner). Versions imported "
            "into a parent that already exists leave its owner as it is.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=1000, metavar="N", help="Lines per transaction (default 1000)."
        )

    def handle(
        self, *args, file: Path, owner: str | None, batch_size: int, verbosity: int, **options
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        self.owner = None
        if owner:
            try:
                self.owner = User.objects.get_by_natural_key(owner)
            except User.DoesNotExist as exc:
                raise CommandError(f"There is no user with the e-mail address {owner}.") from exc
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        self.counts = {"imported": 0, "skipped": 0, "failed": 0}
        self.timings = Timings()
        self.stream = _ProgressStream(self.stderr)
        # disable=None: no bar when stderr is not a terminal (cron, logs, tests)
        self.progress = tqdm(
            total=_count_lines(file), unit="line", file=self.stream, disable=True if verbosity == 0 else None
        )
        with file.open("rb") as handle, self.progress:
            # Batch N is written on a writer thread while batch N+1 is prepared here.
            batches = import_batches(_chunks(handle, batch_size), write=self._write, timings=self.timings)
            for batch, written in batches:
                self._import(batch, written)
                self.progress.update(batch.last - batch.first + 1)
        self._summary()
        if verbosity >= 2:
            self.stderr.write("seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in vars(self.timings).items()))
        if failed := self.counts["failed"]:
            raise CommandError(f"{failed} line{'s' if failed != 1 else ''} could not be imported.")

    def _write(self, batch: PreparedBatch, timings: Timings) -> BatchResult:
        return services.record_import(actor=None, batch=batch, owner=self.owner, timings=timings)

    def _import(self, batch: PreparedBatch, written: Future[BatchResult]) -> None:
        try:
            result = written.result()
        except DatabaseError as exc:
            self._report(batch.errors)
            tqdm.write(
                f"lines {batch.first}-{batch.last}: database error, nothing of this batch was written: "
                f"{exc}".rstrip(),
                file=self.stream,
            )
            self.progress.close()
            self._summary()
            raise CommandError("The import was stopped by a database error.") from exc
        self.counts["imported"] += len(result.imported)
        self.counts["skipped"] += len(result.skipped)
        self._report(result.errors)

    def _report(self, errors: list[LineError]) -> None:
        self.counts["failed"] += len({error.line for error in errors})
        for error in errors:
            tqdm.write(str(error), file=self.stream)

    def _summary(self) -> None:
        imported, skipped, failed = self.counts.values()
        self.stdout.write(f"imported {imported}, skipped {skipped} (already present), failed {failed}")


def _count_lines(path: Path) -> int:
    """Lines in PATH (for the progress bar), counted on raw bytes."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _chunks(handle: BinaryIO, size: int) -> Iterator[tuple[int, int, list[tuple[int, bytes]]]]:
    """(first line number, last line number, SIZE numbered non-blank lines) until the end of HANDLE."""
    lines: list[tuple[int, bytes]] = []
    first, number = 1, 0
    for number, raw in enumerate(handle, start=1):
        if raw.strip():
            lines.append((number, raw))
        if len(lines) == size:
            yield first, number, lines
            lines, first = [], number + 1
    if first <= number:
        yield first, number, lines
