"""A real gunicorn server on loopback: chunked request bodies (no Content-Length), sendfile ranges.

gunicorn decodes the chunked transfer coding and tells the application where the body ends
(``wsgi.input_terminated``), so uploads of unknown length are accepted there; the limits are
counted while the bytes stream. The server runs in its own data directory and SQLite database,
prepared with the management commands, and is driven through HTTP only.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.records.conftest import valid_document

BASE_DIR = Path(__file__).resolve().parents[2]
LIMIT = 300_000  # FILES_MAX_FILE_SIZE of the server under test


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """(port, token, data directory) of a gunicorn server with a small file size limit."""
    data_dir = tmp_path_factory.mktemp("gunicorn")
    env = {
        **os.environ,
        "REPONO_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'db.sqlite3'}",
        "FILES_MAX_FILE_SIZE": str(LIMIT),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    manage("migrate", "--no-input", "-v", "0")
    manage("create_user", "chunked@example.org", "--password", "correct-horse-battery-staple")
    token = manage("create_token", "chunked@example.org").strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "repository.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--log-level", "warning"],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield port, token, data_dir
    finally:
        server.terminate()
        server.wait(30)


def call(gunicorn, method: str, path: str, body=None, headers=None, *, chunked: bool = False):
    port, token, _ = gunicorn
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body, headers=headers, encode_chunked=chunked)
        response = connection.getresponse()
        data = response.read()
        return response.status, (
            json.loads(data) if data and "json" in response.getheader("Content-Type", "") else data
        )
    finally:
        connection.close()


def pieces(data: bytes, size: int = 65536):
    """An iterable body: http.client sends it with Transfer-Encoding: chunked."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def stored_files(data_dir: Path) -> list[Path]:
    root = data_dir / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def draft_id(gunicorn):
    document = valid_document()
    document["files"] = {"enabled": True}
    status, body = call(gunicorn, "POST", "/api/records", document)
    assert status == 201, body
    return body["id"]


def init(gunicorn, draft_id: str, entry: dict) -> None:
    status, body = call(gunicorn, "POST", f"/api/records/{draft_id}/draft/files", [entry])
    assert status == 201, body


OCTETS = {"Content-Type": "application/octet-stream"}


def test_a_chunked_upload_is_stored_hashed_and_committed(gunicorn, draft_id):
    data = os.urandom(250_000)
    init(gunicorn, draft_id, {"key": "data.bin"})
    path = f"/api/records/{draft_id}/draft/files/data.bin"
    status, body = call(gunicorn, "PUT", f"{path}/content", pieces(data), OCTETS, chunked=True)
    assert status == 200, body
    status, body = call(gunicorn, "POST", f"{path}/commit")
    assert status == 200, body
    assert body["size"] == len(data) and body["checksum"] == f"md5:{hashlib.md5(data).hexdigest()}"  # noqa: S324
    status, content = call(gunicorn, "GET", f"{path}/content")
    assert status == 200 and content == data


def test_a_chunked_upload_over_the_limit_is_413_and_nothing_is_kept(gunicorn, draft_id):
    before = stored_files(gunicorn[2])
    init(gunicorn, draft_id, {"key": "big.bin"})
    path = f"/api/records/{draft_id}/draft/files/big.bin"
    status, body = call(gunicorn, "PUT", f"{path}/content", pieces(b"x" * (LIMIT + 1)), OCTETS, chunked=True)
    assert status == 413, body
    assert f"file size limit ({LIMIT} bytes)" in body["message"]
    assert stored_files(gunicorn[2]) == before
    status, entry = call(gunicorn, "GET", path)
    assert entry["status"] == "pending" and "file_id" not in entry
    # the same key can then be sent within the limit
    status, body = call(gunicorn, "PUT", f"{path}/content", pieces(b"y" * LIMIT), OCTETS, chunked=True)
    assert status == 200 and body["size"] == LIMIT


def test_a_chunked_body_must_match_the_size_and_checksum_announced_at_init(gunicorn, draft_id):
    before = stored_files(gunicorn[2])
    init(gunicorn, draft_id, {"key": "sized.bin", "size": 1000})
    path = f"/api/records/{draft_id}/draft/files/sized.bin/content"
    status, body = call(gunicorn, "PUT", path, pieces(b"z" * 999), OCTETS, chunked=True)
    assert status == 400 and "announced at init (1000)" in body["message"]
    digest = hashlib.md5(b"a" * 10).hexdigest()  # noqa: S324
    init(gunicorn, draft_id, {"key": "summed.bin", "checksum": f"md5:{digest}"})
    path = f"/api/records/{draft_id}/draft/files/summed.bin/content"
    status, body = call(gunicorn, "PUT", path, pieces(b"b" * 10), OCTETS, chunked=True)
    assert status == 400 and "mismatch" in body["message"]
    assert stored_files(gunicorn[2]) == before


def test_ranges_are_sent_exactly_through_gunicorns_sendfile(gunicorn, draft_id):
    """Whole files and single ranges of local files go out with sendfile(): exactly the asked bytes."""
    data = os.urandom(LIMIT - 11)
    init(gunicorn, draft_id, {"key": "ranged.bin"})
    path = f"/api/records/{draft_id}/draft/files/ranged.bin"
    assert call(gunicorn, "PUT", f"{path}/content", data, OCTETS)[0] == 200
    assert call(gunicorn, "POST", f"{path}/commit")[0] == 200
    port, token, _ = gunicorn
    for header, expected in [
        ("bytes=100000-200000", data[100000:200001]),
        ("bytes=-17", data[-17:]),
        ("bytes=0-0", data[:1]),
    ]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request(
            "GET", f"{path}/content", headers={"Authorization": f"Bearer {token}", "Range": header}
        )
        response = connection.getresponse()
        assert response.status == 206
        assert response.read() == expected
        assert int(response.getheader("Content-Length")) == len(expected)
        connection.close()
    status, whole = call(gunicorn, "GET", f"{path}/content")
    assert status == 200 and whole == data


def test_an_upload_of_known_length_is_read_from_the_socket_exactly(gunicorn, draft_id):
    """With Content-Length the body is read straight from gunicorn's socket: same bytes, same md5."""
    data = os.urandom(LIMIT)
    init(gunicorn, draft_id, {"key": "known.bin", "size": LIMIT})
    path = f"/api/records/{draft_id}/draft/files/known.bin"
    assert call(gunicorn, "PUT", f"{path}/content", data, OCTETS)[0] == 200
    status, entry = call(gunicorn, "POST", f"{path}/commit")
    assert status == 200 and entry["checksum"] == f"md5:{hashlib.md5(data).hexdigest()}"  # noqa: S324
    assert call(gunicorn, "GET", f"{path}/content") == (200, data)


def test_a_client_leaving_mid_body_leaves_nothing_and_the_upload_can_be_retried(gunicorn, draft_id):
    port, token, data_dir = gunicorn
    before = stored_files(data_dir)
    init(gunicorn, draft_id, {"key": "cut.bin"})
    path = f"/api/records/{draft_id}/draft/files/cut.bin"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            (
                f"PUT {path}/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Length: {LIMIT}\r\n\r\n"
            ).encode()
            + b"x" * (LIMIT // 2)
        )
        sock.shutdown(socket.SHUT_WR)  # the client is gone: the server sees the body end early
        sock.recv(65536)  # the answer (or the connection closing) comes once the server is done
    assert stored_files(data_dir) == before
    status, entry = call(gunicorn, "GET", path)
    assert status == 200 and entry["status"] == "pending" and entry.get("file_id") is None
    assert call(gunicorn, "PUT", f"{path}/content", b"y" * 1000, OCTETS)[0] == 200
