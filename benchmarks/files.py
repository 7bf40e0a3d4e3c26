"""Files benchmark: uploads and downloads through the real HTTP API against the machine's raw rates.

Usage::

    .venv/bin/python benchmarks/files.py                       # 1 MB, 100 MB and 2 GB
    .venv/bin/python benchmarks/files.py --sizes 1M,100M,500M  # a smaller run
    .venv/bin/python benchmarks/files.py --many 1000           # files in the listing/publish test

It runs in a temporary data directory (``--dir``, default under /tmp: the same disk for the raw
figures and the server's files) on SQLite unless DATABASE_URL is set, starts gunicorn (one sync
worker) on 127.0.0.1, and measures in the same run:

* raw: md5 of bytes in memory (MB/s); sequential write of a file with fsync (MB/s); sequential
  read of that file after evicting it from the page cache (MB/s);
* upload: PUT .../content of each size (the server hashes, writes and fsyncs), MB/s and the ratio
  to the md5 rate (target >= 0.7);
* download: GET .../content of the committed file, evicted from the page cache first, MB/s and
  the ratio to the raw read rate (target >= 0.7);
* the gunicorn worker's peak RSS while moving each file (reset between sizes where the kernel
  allows it; target < 150 MB and independent of the size);
* a record with N files (default 1000): time to list its draft files, publish it, list the
  published files and read the record JSON (target < 1 s each).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import mmap
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

CHUNK = 1024 * 1024
MB = 1_000_000
UNITS = {"K": 1000, "M": MB, "G": 1000 * MB}


def parse_size(text: str) -> int:
    text = text.strip().upper()
    return int(float(text[:-1]) * UNITS[text[-1]]) if text[-1] in UNITS else int(text)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def payload_chunk() -> bytes:
    return os.urandom(CHUNK)


def chunks(size: int, chunk: bytes):
    sent = 0
    while sent < size:
        piece = chunk[: min(CHUNK, size - sent)]
        sent += len(piece)
        yield piece


# --- raw figures -------------------------------------------------------------------------------


def raw_md5_rate(total: int, chunk: bytes) -> float:
    digest = hashlib.md5()  # noqa: S324
    start = time.perf_counter()
    for piece in chunks(total, chunk):
        digest.update(piece)
    return total / (time.perf_counter() - start) / MB


def evict(path: Path) -> None:
    """Drop a file's pages from the page cache, so the next read comes from the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def raw_read_seconds(path: Path) -> float:
    """Seconds to read PATH sequentially in 1 MiB reads, evicted from the page cache first."""
    evict(path)
    buffer = memoryview(bytearray(CHUNK))
    start = time.perf_counter()
    with open(path, "rb", buffering=0) as handle:
        while handle.readinto(buffer):
            pass
    return time.perf_counter() - start


def raw_small_file_seconds(directory: Path, chunk: bytes, tries: int) -> tuple[float, float]:
    """Median seconds to store 1 MB durably (md5, write, fsync, rename into place) and to read
    it back uncached: the floor under a 1 MB upload and download, whatever the HTTP layer."""
    stores, reads = [], []
    for n in range(tries):
        path, temporary = directory / f"raw-small-{n}", directory / f"raw-small-{n}.part"
        start = time.perf_counter()
        hashlib.md5(chunk[:MB]).hexdigest()  # noqa: S324
        with open(temporary, "wb") as handle:
            handle.write(chunk[:MB])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        stores.append(time.perf_counter() - start)
        reads.append(raw_read_seconds(path))
        path.unlink()
    return statistics.median(stores), statistics.median(reads)


def raw_direct_written_read_rate(directory: Path, total: int, chunk: bytes) -> float:
    """Uncached read rate of a file written as uploads write theirs (ADR 0014: O_DIRECT, 2 MiB
    page-aligned buffers, fsync): on some virtual disks the first read of such a file is slower
    than that of a file written through the page cache, and a download is such a first read."""
    path = directory / "raw-direct-test"
    buffer = mmap.mmap(-1, 2 * 1024 * 1024)
    for offset in range(0, len(buffer), CHUNK):
        buffer[offset : offset + CHUNK] = chunk[: len(buffer) - offset]
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(path, flags | os.O_DIRECT)
    except OSError:  # a filesystem without O_DIRECT
        fd = os.open(path, flags)
    try:
        for _ in range(total // len(buffer)):
            os.write(fd, buffer)
        os.fsync(fd)
    finally:
        os.close(fd)
    rate = (total // len(buffer)) * len(buffer) / raw_read_seconds(path) / MB
    path.unlink()
    return rate


def raw_disk_rates(directory: Path, total: int, chunk: bytes) -> tuple[float, float]:
    path = directory / "raw-disk-test"
    start = time.perf_counter()
    with open(path, "wb") as handle:
        for piece in chunks(total, chunk):
            handle.write(piece)
        handle.flush()
        os.fsync(handle.fileno())
    write = total / (time.perf_counter() - start) / MB
    evict(path)
    start = time.perf_counter()
    with open(path, "rb") as handle:
        while handle.read(CHUNK):
            pass
    read = total / (time.perf_counter() - start) / MB
    path.unlink()
    return write, read


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django(data_dir: Path) -> str:
    """Migrate the benchmark database and create a user with a token (returns the token)."""
    os.environ["REPONO_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repository.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.services import token_create, user_create

    call_command("migrate", verbosity=0)
    user = user_create(email="bench@example.org", password=os.urandom(16).hex())
    _, token = token_create(user=user, name="bench")
    return token


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "REPONO_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        # 1,000 files take 3,000 requests: the default per-user limit (1,000/min) would throttle them
        "API_RATE_LIMIT_AUTHENTICATED": os.environ.get("API_RATE_LIMIT_AUTHENTICATED", "100000/min"),
    }
    command = [
        str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
        "repository.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--timeout",
        "900",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def worker_pid(master: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                return int(entry.name)
    raise RuntimeError("no gunicorn worker")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Client:
    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}"}
        self.buffer = memoryview(bytearray(CHUNK))

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        try:
            connection.request(method, path, body=body, headers={**self.headers, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def json(self, method: str, path: str, data=None, expect: int = 200):
        body = json.dumps(data).encode() if data is not None else None
        status, raw = self.request(method, path, body, {"Content-Type": "application/json"} if body else {})
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status} {raw[:500]!r}")
        return json.loads(raw) if raw else None

    def download(self, path: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        try:
            connection.request("GET", path, headers=self.headers)
            response = connection.getresponse()
            if response.status != 200:
                raise RuntimeError(f"GET {path}: {response.status}")
            # like curl -o /dev/null: one reused buffer, so the client's allocations are not measured
            received = 0
            while count := response.readinto(self.buffer):
                received += count
            return received
        finally:
            connection.close()


def new_draft(client: Client) -> str:
    document = {
        "metadata": {
            "resource_type": {"id": "dataset"},
            "title": "Benchmark files",
            "publication_date": "2024-05-01",
            "creators": [{"person_or_org": {"type": "personal", "given_name": "A", "family_name": "B"}}],
        },
        "access": {"record": "public", "files": "public"},
        "files": {"enabled": True},
    }
    return client.json("POST", "/api/records", document, expect=201)["id"]


# --- measurements ------------------------------------------------------------------------------


def measure_size(client: Client, draft_id: str, size: int, chunk: bytes, data_dir: Path, pid: int) -> dict:
    key = f"file-{size}.bin"
    base = f"/api/records/{draft_id}/draft/files"
    client.json("POST", base, [{"key": key, "size": size}], expect=201)
    resettable = reset_peak(pid)
    start = time.perf_counter()
    status, raw = client.request(
        "PUT",
        f"{base}/{key}/content",
        body=chunks(size, chunk),
        headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
    )
    upload = time.perf_counter() - start
    if status != 200:
        raise RuntimeError(f"upload {size}: {status} {raw[:300]!r}")
    entry = client.json("POST", f"{base}/{key}/commit")
    upload_rss = peak_rss_mb(pid)
    stored = next((data_dir / "files").rglob(f"{entry['file_id'].replace('-', '')}/data"))
    evict(stored)
    reset_peak(pid)
    start = time.perf_counter()
    received = client.download(f"{base}/{key}/content")
    download = time.perf_counter() - start
    assert received == size, (received, size)
    # the disk's rate for this very file, read raw right after the download (never before it: the
    # first read of a file can warm a cache below the page cache, and the download must not gain)
    same_file_read = size / raw_read_seconds(stored) / MB
    return {
        "size": size,
        "upload": size / upload / MB,
        "download": size / download / MB,
        "same_file_read": same_file_read,
        "upload_rss": upload_rss,
        "download_rss": peak_rss_mb(pid),
        "rss_reset": resettable,
    }


def measure_small(client: Client, draft_id: str, chunk: bytes, tries: int) -> tuple[float, float]:
    """Median seconds of a 1 MB PUT and of a 1 MB GET (uncached) over TRIES files."""
    base = f"/api/records/{draft_id}/draft/files"
    keys = [f"small-{n}.bin" for n in range(tries)]
    client.json("POST", base, [{"key": key, "size": MB} for key in keys], expect=201)
    puts, gets = [], []
    for key in keys:
        start = time.perf_counter()
        status, raw = client.request(
            "PUT", f"{base}/{key}/content", chunk[:MB], {"Content-Type": "application/octet-stream"}
        )
        puts.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"upload 1 MB: {status} {raw[:300]!r}")
        client.json("POST", f"{base}/{key}/commit")
    for key in keys:
        start = time.perf_counter()
        received = client.download(f"{base}/{key}/content")
        gets.append(time.perf_counter() - start)
        assert received == MB, received
    return statistics.median(puts), statistics.median(gets)


def measure_many(client: Client, count: int) -> dict:
    from tqdm import tqdm

    draft_id = new_draft(client)
    base = f"/api/records/{draft_id}/draft/files"
    client.json("POST", base, [{"key": f"f{n:05}.txt"} for n in range(count)], expect=201)
    for n in tqdm(range(count), desc="uploading small files", unit="file"):
        key = f"f{n:05}.txt"
        status, raw = client.request(
            "PUT", f"{base}/{key}/content", b"x" * 100, {"Content-Type": "application/octet-stream"}
        )
        if status != 200:
            raise RuntimeError(raw)
        client.json("POST", f"{base}/{key}/commit")
    timings = {}
    for label, method, path, expect in (
        ("list draft files", "GET", base, 200),
        ("read draft JSON", "GET", f"/api/records/{draft_id}/draft", 200),
        ("publish", "POST", f"/api/records/{draft_id}/draft/actions/publish", 202),
        ("list record files", "GET", f"/api/records/{draft_id}/files", 200),
        ("read record JSON", "GET", f"/api/records/{draft_id}", 200),
    ):
        start = time.perf_counter()
        body = client.json(method, path, expect=expect)
        timings[label] = time.perf_counter() - start
        if label == "publish":
            assert body["files"]["count"] == count
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1M,100M,2G", help="comma-separated sizes (K, M, G = 10^3, 10^6, 10^9)"
    )
    parser.add_argument("--many", type=int, default=1000, help="files in the listing/publish test (0: skip)")
    parser.add_argument("--raw-size", default="1G", help="bytes for the raw md5 and disk figures")
    parser.add_argument("--dir", default=None, help="where the temporary data directory goes")
    parser.add_argument(
        "--small", type=int, default=20, help="1 MB files for the per-request figures (0: skip)"
    )
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",") if s]
    raw_size = parse_size(args.raw_size)

    data_dir = Path(tempfile.mkdtemp(prefix="repono-files-bench-", dir=args.dir))
    server = None
    load_start = os.getloadavg()
    try:
        chunk = payload_chunk()
        log("measuring raw md5 and disk rates ...")
        md5_rate = raw_md5_rate(raw_size, chunk)
        write_rate, read_rate = raw_disk_rates(data_dir, raw_size, chunk)
        direct_read_rate = raw_direct_written_read_rate(data_dir, raw_size, chunk)
        if args.small:
            raw_store, raw_read = raw_small_file_seconds(data_dir, chunk, args.small)
        token = setup_django(data_dir)
        port = free_port()
        server = start_server(data_dir, port)
        pid = worker_pid(server.pid)
        client = Client(port, token)
        draft_id = new_draft(client)
        results = []
        for size in sizes:
            log(f"moving {size / MB:g} MB through the API ...")
            results.append(measure_size(client, draft_id, size, chunk, data_dir, pid))
        if args.small:
            log(f"moving {args.small} files of 1 MB through the API ...")
            small_put, small_get = measure_small(client, draft_id, chunk, args.small)
        many = measure_many(client, args.many) if args.many else {}
        load_end = os.getloadavg()
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)

    cpus = os.cpu_count()
    print(f"Files benchmark ({cpus} CPUs; client, server and raw figures share them; other loads may run)")
    print(f"raw md5 in memory        {md5_rate:9.1f} MB/s   ({raw_size / MB:g} MB)")
    print(f"raw disk write + fsync   {write_rate:9.1f} MB/s")
    print(f"raw disk read (uncached) {read_rate:9.1f} MB/s")
    print(f"  of a file written with O_DIRECT as uploads are: {direct_read_rate:.1f} MB/s")
    print(
        f"load average {' '.join(f'{v:.2f}' for v in load_start)} at the start, "
        f"{' '.join(f'{v:.2f}' for v in load_end)} at the end"
    )
    print()
    print(
        f"{'size':>10} {'upload MB/s':>12} {'/md5':>6} {'/write':>7} {'download MB/s':>14} {'/read':>6} "
        f"{'/dread':>6} {'/file':>6} {'peak RSS up':>12} {'peak RSS down':>14}"
    )
    for r in results:
        upload = f"{r['upload']:>12.1f} {r['upload'] / md5_rate:>6.2f} {r['upload'] / write_rate:>7.2f}"
        ratios = (
            f"{r['download'] / read_rate:>6.2f} {r['download'] / direct_read_rate:>6.2f} "
            f"{r['download'] / r['same_file_read']:>6.2f}"
        )
        download = f"{r['download']:>14.1f} {ratios}"
        rss = f"{r['upload_rss']:>10.1f}MB {r['download_rss']:>12.1f}MB"
        print(f"{r['size'] / MB:>8g}MB {upload} {download} {rss}")
    print("(/dread: against the raw read of a file written with O_DIRECT; /file: against a raw uncached")
    print(" read of the same stored file right after its download)")
    if args.small:
        print()
        print(f"1 MB, median of {args.small} files:")
        print(
            f"  upload   {small_put * 1000:7.2f} ms  ({1 / small_put / md5_rate:.2f} of md5; raw floor "
            f"md5 + write + fsync + rename {raw_store * 1000:.2f} ms: {raw_store / small_put:.2f} of it)"
        )
        print(
            f"  download {small_get * 1000:7.2f} ms  ({1 / small_get / read_rate:.2f} of read; "
            f"raw uncached read of 1 MB {raw_read * 1000:.2f} ms: {raw_read / small_get:.2f} of it)"
        )
    if results and not results[0]["rss_reset"]:
        print("(peak RSS could not be reset between sizes: figures are the worker's peak so far)")
    if many:
        print()
        print(f"record with {args.many} files:")
        for label, seconds in many.items():
            print(f"  {label:<20} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
