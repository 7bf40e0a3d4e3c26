"""The durable indexing queue with a real worker: killed mid-drain and restarted, the index converges.

A real Celery worker process on the embedded profile's broker (kombu's filesystem transport, the
broker a fresh installation runs), its own SQLite data directory (as tests/repository/test_celery.py).
10,000 imported records lose their search projection's term rows (as after restoring a database
without them); ``search_reindex --queue`` queues all of them; the worker is SIGKILLed while it
drains, restarted, and drains the rest; ``search_check`` over every record is then clean.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.records.conftest import valid_document
from tests.repository.test_celery import (
    MANAGE,
    TIMEOUT,
    celery_command,
    client_app,
    process_env,
    start,
    stop,
    wait_for,
)

RECORDS = 10_000
TYPES = ("dataset", "software", "image-photo", "image-figure", "publication-article")
LANGUAGES = ("eng", "fra", "deu")


def manage(data_dir: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        cwd=data_dir,
        env=process_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check_report(data_dir: Path) -> dict:
    """search_check over every record (the sample is the whole collection), as JSON."""
    result = manage(data_dir, "search_check", "--json", "--sample", str(RECORDS))
    return json.loads(result.stdout.strip().splitlines()[-1])


def count(database: Path, sql: str) -> int:
    with sqlite3.connect(database, timeout=30) as connection:
        return connection.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """A data directory with a migrated SQLite database holding RECORDS imported records (shared by
    this module's tests: each breaks the index itself and leaves it repaired)."""
    tmp_path = tmp_path_factory.mktemp("loaded")
    (tmp_path / "results").mkdir()  # the result backend of the processes
    assert manage(tmp_path, "migrate", "--no-input", "-v", "0").returncode == 0
    lines = tmp_path / "records.jsonl"
    with lines.open("w") as handle:
        for number in range(RECORDS):
            document = valid_document(
                title=f"Survey {number} of glacier station {number % 97}",
                resource_type={"id": TYPES[number % len(TYPES)]},
                languages=[{"id": LANGUAGES[number % len(LANGUAGES)]}],
                publication_date=f"{2000 + number % 24}",
            )
            handle.write(json.dumps(document) + "\n")
    imported = manage(tmp_path, "import_records", str(lines))
    assert imported.returncode == 0, imported.stderr[-3000:]
    return tmp_path


@pytest.mark.celery_worker
def test_killing_the_worker_mid_drain_loses_nothing(loaded):
    database = loaded / "repono.sqlite3"
    assert check_report(loaded)["drift"] is False  # the import wrote the index in its transactions
    with sqlite3.connect(database) as connection:  # the term rows are lost
        connection.execute("DELETE FROM records_recordsearchterm")
    broken = check_report(loaded)
    assert broken["drift"] is True and broken["indexed"] == 0 and broken["records"] == RECORDS

    queued = manage(loaded, "search_reindex", "--queue")
    assert queued.returncode == 0, queued.stderr
    assert f"Queued {RECORDS} records" in queued.stdout
    queue_size = "SELECT COUNT(*) FROM records_searchqueueentry"
    assert count(database, queue_size) == RECORDS

    worker_command = celery_command("worker", "-l", "info", "--concurrency", "1", "--pool", "solo")
    # small batches, so that the drain takes long enough to be killed in the middle
    worker, log = start(worker_command, loaded, "worker.log", SEARCH_QUEUE_BATCH_SIZE="100")
    try:
        # the kick that search_reindex --queue sent waits in the broker: the worker starts draining
        wait_for(lambda: count(database, queue_size) < RECORDS - 500, "the drain to start", log, worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait(TIMEOUT)
    finally:
        stop(worker)
    left = count(database, queue_size)
    indexed = count(database, "SELECT COUNT(DISTINCT record_id) FROM records_recordsearchterm")
    assert 0 < left < RECORDS, "the worker was not killed in the middle of the drain"
    # every batch committed its term rows with the removal of its entries, nothing in between
    assert indexed + left == RECORDS
    assert check_report(loaded)["drift"] is True

    worker, log = start(worker_command, loaded, "worker-restarted.log")
    try:
        result = client_app(loaded).send_task("records.tasks.drain_search_queue")  # what beat sends
        result.get(timeout=300)
        wait_for(lambda: count(database, queue_size) == 0, "the queue to be empty", log, worker, timeout=300)
        assert worker.poll() is None, "the restarted worker died"
    finally:
        stop(worker)
    report = check_report(loaded)
    assert report == {**report, "drift": False, "records": RECORDS, "indexed": RECORDS, "queued": 0}
    assert report["sampled"] == RECORDS and report["differing"] == []


def test_search_reindex_in_worker_processes_repairs_a_sqlite_file(loaded):
    """``search_reindex`` on the embedded profile's database file: forked worker processes read
    and project the records (each opens the file itself), the command writes their rows, and
    lost term rows and wrong facet rows are back as the projection has them."""
    database = loaded / "repono.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "DELETE FROM records_recordsearchterm WHERE record_id IN "
            "(SELECT id FROM records_record ORDER BY id LIMIT 4000)"
        )
        connection.execute(
            "UPDATE records_recordsearchfacets SET facets = 'language=ita' WHERE rowid % 3 = 0"
        )
    assert check_report(loaded)["drift"] is True

    rebuilt = subprocess.run(
        [sys.executable, MANAGE, "search_reindex"],
        cwd=loaded,
        env=process_env(loaded, SEARCH_REBUILD_WORKERS="2"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert f"of {RECORDS} records (2 worker processes)" in rebuilt.stdout
    report = check_report(loaded)
    assert report == {**report, "drift": False, "records": RECORDS, "indexed": RECORDS}
    facet_rows = "SELECT COUNT(*) FROM records_recordsearchfacets"
    assert count(database, facet_rows) == RECORDS
    assert count(database, f"{facet_rows} WHERE facets = 'language=ita'") == 0
    languages = f"{facet_rows} WHERE facets LIKE '%language=eng%'"
    assert count(database, languages) == len(range(0, RECORDS, len(LANGUAGES)))
