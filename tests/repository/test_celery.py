"""Celery for real: a worker and beat on the embedded profile's filesystem broker, and run_embedded.

The worker tests start real processes in a data directory of their own (SQLite
database migrated for them, broker queue, results), so the worker sees the same
database and broker as the code that talks to it. The embargo task is also tested
directly (eager) against the test database.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.utils import timezone
from freezegun import freeze_time

from records.models import Record, RecordRevision
from records.tasks import lift_expired_embargoes
from tests.records.conftest import publish, valid_document

TIMEOUT = 60  # seconds to wait for a worker, beat or server to do its part
MANAGE = str(Path(settings.BASE_DIR) / "manage.py")

# Creates a depositor and publishes a record whose embargo ended yesterday, through the
# services; prints the record id. Run by manage.py shell in the worker's data directory.
SEED_EXPIRED_EMBARGO = """
import datetime
from freezegun import freeze_time
from accounts.services import user_create
from records import services
from tests.records.conftest import valid_document
owner = user_create(email="worker-test@example.org", password="correct-horse-battery")
document = valid_document()
yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
document["access"] = {"record": "restricted", "files": "restricted",
                      "embargo": {"active": True, "until": yesterday, "reason": "Paper under review."}}
with freeze_time(datetime.date.today() - datetime.timedelta(days=10)):  # before the embargo ended
    draft, errors = services.draft_create(actor=owner, data=document)
    assert not errors, errors
    record = services.draft_publish(actor=owner, draft_id=draft.pk)
print("RECORD", record.pk)
"""


def embargoed_document(until: datetime.date) -> dict:
    document = valid_document()
    document["access"] = {
        "record": "restricted",
        "files": "restricted",
        "embargo": {"active": True, "until": until.isoformat(), "reason": "Paper under review."},
    }
    return document


# --- the embargo task, eager -----------------------------------------------------


@pytest.mark.django_db
def test_lift_expired_embargoes_task_makes_the_record_public(user):
    today = timezone.now().date()
    with freeze_time(today - datetime.timedelta(days=10)):  # published while the embargo ran
        expired = publish(user, embargoed_document(today - datetime.timedelta(days=1)))
    running = publish(user, embargoed_document(today + datetime.timedelta(days=30)))

    result = lift_expired_embargoes.apply()

    assert result.successful()
    assert result.get() == [expired.pk]
    expired.refresh_from_db()
    assert expired.json["access"]["record"] == "public"
    assert expired.json["access"]["files"] == "public"
    assert expired.json["access"]["embargo"]["active"] is False
    assert expired.revision_id == 2
    revision = expired.revisions.get(revision_id=2)
    assert revision.action == RecordRevision.Action.EMBARGO_LIFT
    assert revision.json["access"]["record"] == "public"
    running.refresh_from_db()
    assert running.json["access"]["embargo"]["active"] is True
    assert running.json["access"]["record"] == "restricted"
    assert running.revision_id == 1
    assert lift_expired_embargoes.apply().get() == []  # nothing left to lift
    assert Record.objects.get(pk=expired.pk).revision_id == 2


# --- real processes ---------------------------------------------------------------


def process_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker/beat/server in DATA_DIR: embedded profile, filesystem broker."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CELERY_") and key not in {"DATABASE_URL", "REPONO_ENV"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="repository.settings",
        REPONO_DATA_DIR=str(data_dir),
        CELERY_BROKER_URL="filesystem://",
        CELERY_RESULT_BACKEND=f"file://{data_dir / 'results'}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(settings.BASE_DIR), os.environ.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def start(command: list[str], data_dir: Path, log_name: str, **env: str) -> tuple[subprocess.Popen, Path]:
    log = data_dir / log_name
    (data_dir / "results").mkdir(exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(  # the child keeps its own copy of the file descriptor
            command,
            cwd=data_dir,
            env=process_env(data_dir, **env),
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_as_in_a_terminal,
        )
    return process, log


def _as_in_a_terminal() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Let the child take Ctrl-C as it would in a terminal. A shell without job control starts
    background jobs (`make test &`) with SIGINT ignored, the children inherit that, and Python
    then installs no KeyboardInterrupt handler: the Ctrl-C test would wait for nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = TIMEOUT) -> int:
    """Ask PROCESS to stop (warm shutdown); kill it if it does not. Returns its exit code."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def wait_for(
    condition, what: str, log: Path, process: subprocess.Popen | None = None, timeout: float = TIMEOUT
):
    """Poll CONDITION until it is true; fail with the log if it times out or PROCESS exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.25)
    state = "timed out" if process is None or process.poll() is None else f"exited with {process.returncode}"
    pytest.fail(f"Waiting for {what}: {state}. Log:\n{log.read_text(errors='replace')[-6000:]}")


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "repository", *args]


def client_app(data_dir: Path) -> Celery:
    """A Celery client on the same filesystem broker and result backend as the worker.

    The folders are the ones repository/settings.py derives from REPONO_DATA_DIR; the
    exchange tables live in ``control`` under the processes' working directory.
    """
    broker = data_dir / "broker"
    app = Celery("repono-test-client", set_as_current=False)
    app.conf.update(
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(broker / "queue"),
            "data_folder_out": str(broker / "queue"),
            "processed_folder": str(broker / "processed"),
            "control_folder": str(data_dir / "control"),
        },
        result_backend=f"file://{data_dir / 'results'}",
        task_serializer="json",
        accept_content=["json"],
    )
    return app


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """A data directory with a migrated SQLite database that worker processes can open."""
    path = tmp_path_factory.mktemp("repono-data")
    subprocess.run(
        [sys.executable, MANAGE, "migrate", "--no-input", "-v", "0"],
        cwd=path,
        env=process_env(path),
        check=True,
        timeout=300,
    )
    return path


@pytest.fixture
def worker(data_dir):
    """A real Celery worker (solo pool) on the data directory's broker; always stopped afterwards."""
    process, log = start(
        celery_command(
            "worker", "-l", "info", "--concurrency", "1", "--pool", "solo", "-n", "test-worker@%h"
        ),
        data_dir,
        "worker.log",
    )
    yield process, log
    stop(process)


@pytest.mark.celery_worker
def test_worker_runs_a_task_sent_through_the_filesystem_broker(data_dir, worker):
    process, log = worker
    seeded = subprocess.run(
        [sys.executable, MANAGE, "shell", "-c", SEED_EXPIRED_EMBARGO],
        cwd=data_dir,
        env=process_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    record_id = re.search(r"^RECORD (\S+)$", seeded.stdout, re.M).group(1)

    result = client_app(data_dir).send_task("records.tasks.lift_expired_embargoes")
    lifted = result.get(timeout=TIMEOUT)

    assert lifted == [record_id]
    assert result.status == "SUCCESS"
    assert process.poll() is None, "the worker died"
    output = log.read_text()
    assert "Connected to filesystem://" in output
    assert f"records.tasks.lift_expired_embargoes[{result.id}] succeeded" in output


@pytest.mark.celery_worker
def test_worker_stops_cleanly_on_sigterm(worker):
    process, log = worker
    wait_for(lambda: "ready." in log.read_text(), "the worker to be ready", log, process)
    assert stop(process) == 0
    assert "Warm shutdown" in log.read_text()


@pytest.mark.celery_worker
def test_beat_sends_the_embargo_task_on_schedule(tmp_path):
    process, log = start(
        celery_command("beat", "-l", "info"), tmp_path, "beat.log", EMBARGO_LIFT_INTERVAL_SECONDS="1"
    )
    queue = tmp_path / "broker" / "queue"

    def sent_tasks() -> list[str]:
        if not queue.is_dir():
            return []
        return [json.loads(path.read_text())["headers"]["task"] for path in queue.glob("*.msg")]

    try:
        tasks = wait_for(
            lambda: len(sent_tasks()) >= 2 and sent_tasks(), "beat to send the task twice", log, process
        )
    finally:
        stop(process)
    assert set(tasks) <= {"records.tasks.lift_expired_embargoes", "records.access.tasks.purge_expired_grants"}
    assert "Sending due task lift-expired-embargoes" in log.read_text()
    assert (tmp_path / "celerybeat-schedule").exists() or list(tmp_path.glob("celerybeat-schedule*"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback http
            return response.status
    except OSError:
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def start_run_embedded(data_dir: Path, log_name: str) -> tuple[subprocess.Popen, Path, int]:
    """Start run_embedded on a free port, trying another one if a neighbour takes it first."""
    for _ in range(3):
        port = free_port()
        process, log = start(
            [sys.executable, MANAGE, "run_embedded", "--addrport", f"127.0.0.1:{port}"], data_dir, log_name
        )
        deadline = time.monotonic() + TIMEOUT
        while process.poll() is None and time.monotonic() < deadline:
            if "Starting development server at" in log.read_text():
                return process, log, port
            time.sleep(0.25)
        output = log.read_text(errors="replace")
        stop(process)
        if "Cannot serve on" not in output and "port is already in use" not in output:
            pytest.fail(f"run_embedded did not start. Log:\n{output[-6000:]}")
    pytest.fail("run_embedded found no free port in three attempts.")


@pytest.mark.celery_worker
def test_run_embedded_serves_the_site_with_a_worker_and_stops_both(data_dir):
    process, log, port = start_run_embedded(data_dir, "run.log")
    try:
        wait_for(
            lambda: http_status(f"http://127.0.0.1:{port}/api/records?size=1") == 200, "the API", log, process
        )
        wait_for(
            lambda: "Connected to filesystem://" in log.read_text(), "the worker to connect", log, process
        )
        wait_for(lambda: "beat: Starting" in log.read_text(), "embedded beat", log, process)
        output = log.read_text()
        worker_pid = int(re.search(r"Celery worker \+ beat: pid (\d+)", output).group(1))
        assert f"http://127.0.0.1:{port}/" in output
        assert pid_alive(worker_pid)
    finally:
        code = stop(process, signal.SIGINT)  # Ctrl-C
    assert code == 0
    assert "Celery worker stopped." in log.read_text()
    assert not pid_alive(worker_pid)


@pytest.mark.celery_worker
def test_run_embedded_says_when_the_worker_dies(data_dir):
    process, log, port = start_run_embedded(data_dir, "dies.log")
    try:
        wait_for(
            lambda: "Connected to filesystem://" in log.read_text(), "the worker to connect", log, process
        )
        worker_pid = int(re.search(r"Celery worker \+ beat: pid (\d+)", log.read_text()).group(1))
        os.killpg(worker_pid, signal.SIGKILL)
        wait_for(
            lambda: "The Celery worker exited unexpectedly" in log.read_text(), "the warning", log, process
        )
        assert http_status(f"http://127.0.0.1:{port}/api/records?size=1") == 200  # the site keeps running
    finally:
        code = stop(process)
    assert code == 0


@pytest.mark.celery_worker
def test_run_embedded_refuses_a_busy_port(data_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        completed = subprocess.run(
            [sys.executable, MANAGE, "run_embedded", "--addrport", f"127.0.0.1:{port}"],
            cwd=data_dir,
            env=process_env(data_dir),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    assert completed.returncode == 1
    assert f"Cannot serve on 127.0.0.1:{port}" in completed.stderr
    assert "Starting the Celery worker" not in completed.stdout  # no worker left behind
