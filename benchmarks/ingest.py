"""Ingest benchmark: the bulk record import against a raw PostgreSQL COPY of the same JSON.

Usage::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/ingest.py --records 20000

DATABASE_URL names the server (and a database to connect to for administration);
the benchmark creates its own database ``repono_bench_<pid>``, migrates it, and
drops it at the end. With a ``sqlite:///`` URL (or none) it runs on a temporary
SQLite file instead, for information only (the raw baseline is then a plain
multi-row INSERT of the JSON text, SQLite has no COPY).

What it measures, in one run, on the same generated JSONL file:

* raw: the JSON lines COPY'd into a scratch table ``(id text, doc jsonb)``, rows/s;
* bulk: ``records.bulk.import_batch`` called directly, batch by batch (JSON parsing
  timed separately), records/s, with a breakdown per stage;
* pipelined: ``records.bulk.import_batches`` over the file's lines, each batch written
  on a writer thread while the next is prepared, records/s, with a breakdown per stage;
* command: ``manage.py import_records`` end to end (reading and parsing the file,
  progress bar off), records/s.

The ratio bulk / raw is the figure we track (target: at least 0.5 on PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
from io import StringIO
from pathlib import Path
from time import perf_counter, process_time
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from records.demo.generator import generate_orcid  # noqa: E402 (needs the path above)

# --- Realistic records ---------------------------------------------------------------------

RESOURCE_TYPES = [
    "dataset",
    "publication-article",
    "publication-preprint",
    "publication-report",
    "software",
    "image-figure",
    "presentation",
    "poster",
    "video",
    "lesson",
]
LICENSES = ["cc-by-4.0", "cc0-1.0", "cc-by-sa-4.0", "mit", "apache-2.0", "cc-by-nc-4.0"]
LANGUAGES = ["eng", "deu", "fra", "spa", "ita", "nld", "por"]
GIVEN_NAMES = ["Ada", "Alan", "Grace", "Marie", "Niels", "Rosalind", "Emmy", "Lise", "Srinivasa", "Hedy"]
FAMILY_NAMES = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Curie",
    "Bohr",
    "Franklin",
    "Noether",
    "Meitner",
    "Ramanujan",
]
INSTITUTES = [
    "University of Geneva",
    "CERN",
    "Max Planck Institute for Chemistry",
    "Delft University of Technology",
    "Norwegian Polar Institute",
    "Instituto de Astrofísica de Canarias",
]
TOPICS = [
    "ocean",
    "temperature",
    "salinity",
    "glacier",
    "protein",
    "folding",
    "neutrino",
    "detector",
    "calibration",
    "genome",
    "sequencing",
    "climate",
    "reanalysis",
    "soil",
    "microbiome",
    "seismic",
    "tomography",
    "language",
    "corpus",
    "annotation",
    "galaxy",
    "survey",
    "photometry",
    "river",
    "discharge",
    "pollen",
    "archive",
    "manuscript",
]
METHODS = ["measurements", "simulations", "observations", "interviews", "samples", "time series"]


def make_document(rng: random.Random, number: int) -> dict:
    """One record document as the API accepts it, about 1 KB of JSON."""
    words = rng.sample(TOPICS, 6)
    title = (
        f"{words[0].capitalize()} {words[1]} {rng.choice(METHODS)} from the {words[2]} {words[3]} campaign"
    )
    creators = []
    for _ in range(rng.randint(1, 3)):
        creators.append(
            {
                "person_or_org": {
                    "type": "personal",
                    "given_name": rng.choice(GIVEN_NAMES),
                    "family_name": rng.choice(FAMILY_NAMES),
                    "identifiers": [{"scheme": "orcid", "identifier": generate_orcid(rng)}],
                },
                "affiliations": [{"name": rng.choice(INSTITUTES)}],
            }
        )
    description = (
        f"<p>{rng.choice(METHODS).capitalize()} of {words[0]} and {words[1]} collected during "
        f"the {words[2]} campaign ({2000 + number % 24}). The files contain {words[4]} data "
        f"processed with the <strong>{words[5]}</strong> pipeline; see the methods section "
        f"for the calibration and the quality flags.</p>"
    )
    metadata = {
        "resource_type": {"id": RESOURCE_TYPES[number % len(RESOURCE_TYPES)]},
        "title": title,
        "publication_date": f"{2000 + number % 24}-{1 + number % 12:02d}-{1 + number % 28:02d}",
        "creators": creators,
        "description": description,
        "subjects": [{"subject": word} for word in rng.sample(TOPICS, rng.randint(2, 4))],
        "languages": [{"id": rng.choice(LANGUAGES)}],
        "rights": [{"id": rng.choice(LICENSES)}],
        "publisher": "Repono",
        "version": f"v{1 + number % 3}.0",
    }
    document = {
        "metadata": metadata,
        "access": {"record": "public", "files": "public"},
        "files": {"enabled": False},
    }
    if number % 3 == 0:
        document["pids"] = {"doi": {"identifier": f"10.5072/bench.{number}", "provider": "external"}}
    return document


def write_jsonl(path: Path, count: int, *, seed: int) -> int:
    """Write COUNT lines (each with a stable id) to PATH; returns the file size in bytes."""
    from repository.ids import generate_id

    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            line = {"id": generate_id(), **make_document(rng, number)}
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path.stat().st_size


# --- Measurements -----------------------------------------------------------------------------


#: rejected lines a generated import may have before the run stops (id collisions, see below)
TOLERATED_REJECTS = 10


def import_generated(path: Path, **options) -> None:
    """``manage.py import_records PATH`` for a generated file, where a rejected line is expected now
    and then: its id (40 random bits) can equal a parent id generated earlier in the same import
    (about 2 such collisions per 1,000,000 records). The command names each rejected line and
    ends with an error saying how many; up to TOLERATED_REJECTS that error is printed here instead
    of ending the run. Any other error, or more rejected lines, ends it."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("import_records", str(path), **options)
    except CommandError as exc:
        rejected = re.fullmatch(r"(\d+) lines? could not be imported\.", str(exc))
        if rejected is None or int(rejected.group(1)) > TOLERATED_REJECTS:
            raise
        print(f"import_records: {exc}", flush=True)


def log(message: str) -> None:
    print(message, flush=True)


def read_ids(path: Path) -> list[str]:
    with path.open("rb") as handle:
        return [json.loads(line)["id"] for line in handle]


def measure_raw(path: Path, ids: list[str]) -> float:
    """Seconds to load the JSON lines as they are into a scratch table (id text, doc jsonb): one COPY."""
    from django.db import connection, transaction

    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute(
            f"CREATE TABLE bench_raw (id text, doc {'jsonb' if vendor == 'postgresql' else 'text'})"
        )
    with path.open("r", encoding="utf-8") as handle:
        lines = [line.rstrip("\n") for line in handle]
    started = perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            with cursor.copy("COPY bench_raw (id, doc) FROM STDIN") as copy:
                for row in zip(ids, lines, strict=True):
                    copy.write_row(row)
        else:
            cursor.executemany(
                "INSERT INTO bench_raw (id, doc) VALUES (%s, %s)", zip(ids, lines, strict=True)
            )
    elapsed = perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_raw")
        assert cursor.fetchone()[0] == len(ids)
        cursor.execute("DROP TABLE bench_raw")
    return elapsed


def measure_bulk(path: Path, batch_size: int) -> tuple[float, object, float]:
    """Seconds of records.bulk.import_batch over the file, batch by batch (parsing included), and stages."""
    from records.bulk import LineError, Timings, import_batch, parse_line

    timings = Timings()
    started, cpu = perf_counter(), process_time()
    with path.open("rb") as handle:
        batch = []
        for number, raw in enumerate(handle, start=1):
            before = perf_counter()
            parsed = parse_line(number, raw)
            timings.parse += perf_counter() - before
            assert not isinstance(parsed, LineError), parsed
            batch.append(parsed)
            if len(batch) == batch_size:
                assert not import_batch(batch, timings=timings).errors
                batch = []
        if batch:
            assert not import_batch(batch, timings=timings).errors
    return perf_counter() - started, timings, process_time() - cpu


def raw_batches(path: Path, size: int):
    """(first, last, numbered raw lines) of SIZE lines each, as ``import_records`` reads the file."""
    with path.open("rb") as handle:
        lines, first = [], 1
        for number, raw in enumerate(handle, start=1):
            lines.append((number, raw))
            if len(lines) == size:
                yield first, number, lines
                lines, first = [], number + 1
        if lines:
            yield first, lines[-1][0], lines


def measure_pipeline(path: Path, batch_size: int) -> tuple[float, object, float]:
    """Seconds of records.bulk.import_batches over the file (writer thread), and stages."""
    from records.bulk import Timings, import_batches

    timings = Timings()
    started, cpu = perf_counter(), process_time()
    for batch, written in import_batches(raw_batches(path, batch_size), timings=timings):
        assert not batch.errors and not written.result().errors
    return perf_counter() - started, timings, process_time() - cpu


def measure_command(path: Path, batch_size: int) -> tuple[float, str]:
    """Seconds of ``manage.py import_records`` end to end (progress bar off), and its summary line."""
    from django.core.management import call_command

    out = StringIO()
    started = perf_counter()
    call_command(
        "import_records",
        str(path),
        batch_size=batch_size,
        verbosity=0,
        stdout=out,
        stderr=StringIO(),
    )
    return perf_counter() - started, out.getvalue().strip()


def empty_record_tables() -> None:
    from django.db import connection

    from records.models import Draft, Parent, PersistentIdentifier, Record, RecordRevision

    tables = [m._meta.db_table for m in (RecordRevision, PersistentIdentifier, Draft, Record, Parent)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            cursor.execute("VACUUM ANALYZE")  # no dead rows or stale statistics left for the next run
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def count_rows() -> dict[str, int]:
    from records.models import Parent, PersistentIdentifier, Record, RecordRevision

    return {
        model.__name__: model.objects.count()
        for model in (Parent, Record, RecordRevision, PersistentIdentifier)
    }


def report(
    records: int, size: int, raw: float, bulk: tuple, pipeline: tuple, command: tuple, vendor: str
) -> None:
    raw_rate = records / raw

    def line(label: str, seconds: float, unit: str = "records/s") -> None:
        rate = records / seconds
        log(f"  {label:34s} {seconds:7.2f} s {rate:9,.0f} {unit:9s}  ratio {rate / raw_rate:.2f}")

    log("")
    log(f"== {records} records, {size / records:.0f} bytes of JSON each, {vendor}, {os.cpu_count()} cores")
    line(f"raw {'COPY' if vendor == 'postgresql' else 'INSERT'} (id text, doc)", raw, "rows/s")
    line("bulk import_batch (in process)", bulk[0])
    line("bulk import_batches (writer thread)", pipeline[0])
    line("import_records command", command[0])
    assert command[1] == f"imported {records}, skipped 0 (already present), failed 0", command[1]
    for name, (total, timings, cpu), overlapped in (
        ("import_batch", bulk, False),
        ("import_batches", pipeline, True),
    ):
        log("")
        log(f"where the {name} time goes (seconds, microseconds per record):")
        # import_batch builds the rows while COPY streams them, inside ``write``
        write = timings.write - (0 if overlapped else timings.rows)
        stages = [
            ("parse", "json.loads (parse_line)", timings.parse),
            ("normalize", "document_from_input + normalize_record", timings.normalize),
            ("validate", "is_valid_fast", timings.validate),
            ("rows", "search projection + JSON text", timings.rows),
            ("check", "ids, DOIs: one query per batch", timings.check),
            ("write", "COPY / INSERT, revisions, commit", write),
        ]
        for stage, what, seconds in stages:
            log(f"  {stage:10s} {what:38s} {seconds:6.2f}  {seconds / records * 1e6:6.1f}")
        rest = total - sum(seconds for _stage, _what, seconds in stages)
        # with the writer thread, negative: the database time hidden behind the preparation
        what = "hidden behind preparation" if overlapped else "batching, timers"
        log(f"  {'other':10s} {what:38s} {rest:6.2f}  {rest / records * 1e6:6.1f}")
        log(
            f"CPU time of this process during {name}: {cpu:.2f} s of {total:.2f} s (the rest: waiting for "
            "the database, or for a core)"
        )
    log("load average (1, 5, 15 min) at the end: " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=20000, help="records to generate (default 20000)")
    parser.add_argument("--batch-size", type=int, default=1000, help="lines per transaction (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated documents (default 1)")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="repono-bench-"))
    admin_url = bench_name = None
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        admin_url, bench_name = url, f"repono_bench_{os.getpid()}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{bench_name}"')
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{bench_name}"))
        log(f"created database {bench_name}")
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        log(f"SQLite database in {workdir} (for information: the headline figure is on PostgreSQL)")
    os.environ["REPONO_DATA_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repository.settings")
    log("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        log("migrating ...")
        call_command("migrate", verbosity=0)
        path = workdir / "records.jsonl"
        log(f"generating {args.records} records ...")
        size = write_jsonl(path, args.records, seed=args.seed)
        ids = read_ids(path)
        log("raw load ...")
        raw = measure_raw(path, ids)
        log(f"  {raw:.2f} s")
        log("bulk import_batch ...")
        bulk = measure_bulk(path, args.batch_size)
        log(f"  {bulk[0]:.2f} s, rows: {count_rows()}")
        empty_record_tables()
        log("bulk import_batches (writer thread) ...")
        pipeline = measure_pipeline(path, args.batch_size)
        log(f"  {pipeline[0]:.2f} s, rows: {count_rows()}")
        empty_record_tables()
        log("import_records command ...")
        command = measure_command(path, args.batch_size)
        log(f"  {command[0]:.2f} s, rows: {count_rows()}")
        log("raw load again (the better of the two runs is the baseline) ...")
        raw = min(raw, measure_raw(path, ids))
        report(args.records, size, raw, bulk, pipeline, command, connection.vendor)
    finally:
        from django.db import connections

        connections.close_all()
        if bench_name:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
            log(f"dropped database {bench_name}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
