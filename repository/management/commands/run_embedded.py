"""manage.py run_embedded [--addrport 127.0.0.1:8000]: the embedded profile in one command.

Starts a real Celery worker with embedded beat as a subprocess (same Python, same
environment) and runs Django's development server in the foreground. Ctrl-C or
SIGTERM stops the server and then the worker (warm shutdown, killed if it hangs).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.commands.runserver import naiveip_re
from django.db import DatabaseError

from accounts.models import User

DEMO_EMAIL = "demo@example.org"
WORKER_STOP_TIMEOUT = 30  # seconds of warm shutdown before the worker is killed
PR_SET_PDEATHSIG = 1


def worker_command() -> list[str]:
    """The Celery worker (with embedded beat) of the embedded profile, run by this Python."""
    celery = ["celery", "-A", "repository", "worker", "-B", "-l", "info", "--concurrency", "1"]
    return [sys.executable, "-m", *celery]


def _stop_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the worker gets SIGTERM if this process dies without cleaning up (e.g. SIGKILL)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Command(BaseCommand):
    help = "Run Repono's embedded profile: a Celery worker with beat in the background and the web server."
    requires_system_checks = []  # runserver runs them

    def add_arguments(self, parser):
        parser.add_argument(
            "--addrport",
            default="127.0.0.1:8000",
            help="Address and port of the web server (default 127.0.0.1:8000).",
        )

    def handle(self, *args, addrport, **options):
        host, port = self._parse_addrport(addrport)
        self._check_port_free(host, port)  # runserver os._exit()s on bind errors, past our cleanup
        stopping = threading.Event()
        worker = self._start_worker()
        watcher = threading.Thread(target=self._watch_worker, args=(worker, stopping), daemon=True)
        watcher.start()
        previous_sigterm = signal.signal(signal.SIGTERM, self._sigterm)
        try:
            self._print_banner(host, port, worker.pid)
            call_command("runserver", addrport, use_reloader=False, skip_checks=False)
        finally:
            stopping.set()
            signal.signal(signal.SIGTERM, previous_sigterm)
            self._stop_worker(worker)

    @staticmethod
    def _parse_addrport(addrport: str) -> tuple[str, int]:
        match = re.match(naiveip_re, addrport)
        if match is None:
            raise CommandError(f"{addrport!r} is not a valid port number or address:port pair.")
        host = match["addr"] or "127.0.0.1"
        return host.strip("[]"), int(match["port"])

    @staticmethod
    def _check_port_free(host: str, port: int) -> None:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
                probe.bind(address)
        except OSError as exc:
            raise CommandError(
                f"Cannot serve on {host}:{port}: {exc.strerror or exc}. Use --addrport."
            ) from exc

    def _start_worker(self) -> subprocess.Popen:
        command = worker_command()
        self.stdout.write(f"Starting the Celery worker with beat: {' '.join(command[1:])}")
        env = os.environ.copy()
        # The worker imports the project like manage.py does, from whatever directory we run in.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(settings.BASE_DIR), env.get("PYTHONPATH")]))
        return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            command,
            env=env,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the worker ourselves
            preexec_fn=_stop_with_parent if sys.platform.startswith("linux") else None,
        )

    def _watch_worker(self, worker: subprocess.Popen, stopping: threading.Event) -> None:
        code = worker.wait()
        if not stopping.is_set():
            self.stderr.write(
                self.style.ERROR(
                    f"The Celery worker exited unexpectedly (exit code {code}). The site keeps running, but "
                    "background tasks (search indexing, embargo lifting) wait in the queue until you "
                    "restart run_embedded."
                )
            )

    @staticmethod
    def _sigterm(signum, frame):
        raise KeyboardInterrupt  # runserver turns it into a clean exit; our finally stops the worker

    def _stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is not None:
            return
        self.stdout.write("Stopping the Celery worker (warm shutdown)...")
        worker.terminate()
        try:
            worker.wait(WORKER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.stderr.write(f"The worker did not stop within {WORKER_STOP_TIMEOUT} s; killing it.")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)  # start_new_session: the worker leads its group
            worker.wait()
        self.stdout.write("Celery worker stopped.")

    def _print_banner(self, host: str, port: int, worker_pid: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        base = f"http://{'127.0.0.1' if host in {'0', '0.0.0.0'} else shown}:{port}"  # noqa: S104
        try:
            has_demo = User.objects.filter(email__iexact=DEMO_EMAIL).exists()
        except DatabaseError:
            has_demo = None
        lines = [
            "",
            f"Repono is starting at {base}/  (API {base}/api/records, admin {base}/admin/)",
            f"Data directory: {settings.DATA_DIR}; Celery worker + beat: pid {worker_pid}",
        ]
        if has_demo is None:
            lines.append("The database is not ready: run `python manage.py migrate` (and `load_demo`) first.")
        elif has_demo:
            lines.append(
                f"Demo accounts: {DEMO_EMAIL} and admin@example.org "
                "(passwords were printed by `manage.py load_demo`)."
            )
        else:
            lines.append("No demo data yet: `python manage.py load_demo` creates demo accounts and records.")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)) + "\n")
