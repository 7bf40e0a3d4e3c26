"""OAI-PMH harvest benchmark: ListRecords from the first page to the last, through gunicorn, with Sickle.

Usage::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/oai.py --records 1000000

DATABASE_URL names the server; the benchmark creates its own database ``repono_bench_oai_<pid>``,
migrates it, loads N generated records with ``manage.py import_records`` (which also writes the
OAI items and set membership, as in production), starts gunicorn on a free loopback port (as the
Dockerfile runs it: one worker process with 4 threads; ``--workers``, ``--threads``; the server's
``OAI_READ_AHEAD_SECONDS`` comes from the environment) and harvests with Sickle (a real OAI-PMH
client): ``oai_dc``, ``datacite`` and ``oai_dc`` in the
``openaire_data`` set, 100 records per page. It drops the database at the end, also after a
failure. With ``--keep-data DIR`` the loaded database is kept and reused by the next run, and
``--load-only`` stops once it is loaded. With ``--database NAME`` it harvests that existing
database on the same server instead (nothing is loaded or dropped; migrate it first).
``--render`` renders the metadata cache of the harvested formats before harvesting
(``manage.py oai_render``, timed), as a running repository has it (docs/adr/0015); without it
the first harvest of each format renders (cold). Timed phases hold the lock file named by
``--lock`` (default: $BENCH_LOCK); loading runs before it is taken.

Figures: records/s overall; page latency p50 and p99 (client-side: request, transfer and XML
parsing); the median of the last pages against the median of the first ones (a tenth of the
pages, at most 50); the page query in-process, first and last page interleaved; and the ratio
of the harvest rate to the raw limit measured in the same run: reading the same records' JSON
from PostgreSQL with a server-side cursor (the cost of getting the bytes out of the database at
all).
"""

from __future__ import annotations

import argparse
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
from time import perf_counter
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.access import exclusive  # noqa: E402 (needs the path above)
from benchmarks.ingest import import_generated, write_jsonl  # noqa: E402

NS = "{http://www.openarchives.org/OAI/2.0/}"


def log(message: str) -> None:
    print(message, flush=True)


def loadavg() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load(records: int, workdir: Path, batch_size: int) -> float:
    """Import RECORDS generated records with the command (its own progress bar); seconds."""
    path = workdir / "records.jsonl"
    log(f"generating {records:,} records ...")
    write_jsonl(path, records, seed=1)
    log("importing (records, PIDs, revisions, search columns, OAI items and sets) ...")
    started = perf_counter()
    import_generated(path, batch_size=batch_size, verbosity=1)
    path.unlink()
    return perf_counter() - started


def measure_raw() -> tuple[float, int]:
    """Seconds to stream every record's JSON out of the database (server-side cursor), and the count."""
    from django.db import connection, transaction

    count = 0
    started = perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with connection.connection.cursor(name="bench_raw") as named:
                named.itersize = 2000
                named.execute("SELECT id, json::text FROM records_record")
                for _row in named:
                    count += 1
        else:
            cursor.execute("SELECT id, json FROM records_record")
            for _row in cursor:
                count += 1
    return perf_counter() - started, count


def harvest(base_url: str, prefix: str, set_spec: str | None) -> tuple[int, list[float]]:
    """Follow a ListRecords list to its end with Sickle; (records, seconds per page)."""
    from sickle import Sickle

    client = Sickle(base_url, timeout=120)
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    if set_spec:
        params["set"] = set_spec
    pages: list[float] = []
    records = 0
    while True:
        started = perf_counter()
        response = client.harvest(**params)
        root = response.xml
        found = len(root.findall(f".//{NS}record"))
        pages.append(perf_counter() - started)
        records += found
        token = root.find(f".//{NS}resumptionToken")
        if token is None or not (token.text or "").strip():
            return records, pages
        params = {"verb": "ListRecords", "resumptionToken": token.text}
        if len(pages) % 1000 == 0:
            log(f"    {len(pages):,} pages, {records:,} records, last page {pages[-1] * 1000:.0f} ms")


def depth_check(prefix: str, rounds: int = 40) -> None:
    """The page query in-process, first page and last page interleaved (load hits both alike)."""
    from django.utils import timezone

    from oaipmh import queries
    from oaipmh.models import OAIItem

    last_key = OAIItem.objects.order_by("-datestamp", "-record_id").values_list("datestamp", "record_id")[100]
    now = timezone.now()
    first: list[float] = []
    last: list[float] = []
    for _ in range(rounds):
        for after, times in ((None, first), (last_key, last)):
            started = perf_counter()
            queries.page_of_items(
                set_spec=None, start=None, end=None, watermark=now, after=after, size=100, prefix=prefix
            )
            times.append(perf_counter() - started)
    a, b = statistics.median(first), statistics.median(last)
    log(
        f"  page query in-process ({prefix}, {rounds} rounds interleaved): first page {a * 1000:.1f} ms,"
        f" last page {b * 1000:.1f} ms (medians), last / first {b / a:.2f}"
    )


def depth_check_http(base_url: str, prefix: str, rounds: int = 40) -> None:
    """First page and last page through gunicorn, interleaved: the last page's token is built here
    (same settings, so the same signing key) for the key before the last 100 items."""
    import requests
    from django.utils import timezone

    from oaipmh import tokens
    from oaipmh.models import OAIItem

    stamp, record_id = OAIItem.objects.order_by("-datestamp", "-record_id").values_list(
        "datestamp", "record_id"
    )[100]
    count = OAIItem.objects.count()
    state = tokens.ListState(
        verb="ListRecords",
        prefix=prefix,
        set_spec=None,
        start=None,
        end=None,
        last_datestamp=stamp,
        last_id=record_id,
        cursor=count - 100,
        complete_size=count,
    )
    token = tokens.encode(state, expires=tokens.expiry_from(timezone.now()))
    calls = (
        {"verb": "ListRecords", "metadataPrefix": prefix},
        {"verb": "ListRecords", "resumptionToken": token},
    )
    first: list[float] = []
    last: list[float] = []
    with requests.Session() as session:
        for _ in range(rounds):
            for params, times in zip(calls, (first, last), strict=True):
                started = perf_counter()
                response = session.get(base_url, params=params, timeout=120)
                found = response.content.count(b"<record>")
                times.append(perf_counter() - started)
                assert response.status_code == 200 and found == 100, (response.status_code, found)
    a, b = statistics.median(first), statistics.median(last)
    log(
        f"  first and last page over HTTP ({prefix}, {rounds} rounds interleaved): first {a * 1000:.1f} ms,"
        f" last {b * 1000:.1f} ms (medians), last / first {b / a:.2f}"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "repository.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=BASE_DIR, env=os.environ.copy())
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000, help="records to load (default 100000)")
    parser.add_argument("--batch-size", type=int, default=1000, help="import batch size (default 1000)")
    # The defaults are the Dockerfile's command: --threads 4, and gunicorn's default of one worker
    # process when WEB_CONCURRENCY is not set.
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (default 1)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--keep-data", type=Path, help="keep the loaded database here and reuse it next time")
    parser.add_argument(
        "--formats", default="oai_dc,datacite,oai_dc@openaire_data", help="prefix[@set] list to harvest"
    )
    parser.add_argument("--database", help="harvest this existing database (not loaded, not dropped)")
    parser.add_argument(
        "--render", action="store_true", help="render the formats' metadata cache first (oai_render)"
    )
    parser.add_argument(
        "--lock", default=os.environ.get("BENCH_LOCK") or None, help="lock file held while timing"
    )
    parser.add_argument(
        "--load-only", action="store_true", help="with --keep-data: load the database and stop"
    )
    args = parser.parse_args()
    if args.load_only and not args.keep_data:
        parser.error("--load-only needs --keep-data (the database would be dropped at the end)")

    url = os.environ.get("DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="repono-bench-oai-"))
    admin_url = bench_name = None
    reuse = False
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        admin_url = url
        bench_name = (
            f"repono_bench_oai_{args.records}" if args.keep_data else f"repono_bench_oai_{os.getpid()}"
        )
        if args.database:
            bench_name = args.database
        with psycopg.connect(admin_url, autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_name]).fetchone()
            reuse = bool(exists and (args.keep_data or args.database))
            if args.database and not exists:
                raise SystemExit(f"no database {args.database} on this server")
            if not reuse:
                admin.execute(f'DROP DATABASE IF EXISTS "{bench_name}"')
                admin.execute(f'CREATE DATABASE "{bench_name}"')
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{bench_name}"))
        log(f"{'reusing' if reuse else 'created'} database {bench_name}")
    else:
        data = args.keep_data or workdir
        data.mkdir(parents=True, exist_ok=True)
        reuse = (data / "bench.sqlite3").exists()
        os.environ["DATABASE_URL"] = f"sqlite:///{data / 'bench.sqlite3'}"
        log(f"SQLite database in {data} (for information: the headline figure is on PostgreSQL)")
    os.environ["REPONO_DATA_DIR"] = str(args.keep_data or workdir)
    os.environ["OAI_PAGE_SIZE"] = "100"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repository.settings")
    log("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        from oaipmh.models import OAIItem

        if not reuse:
            call_command("migrate", verbosity=0)
            seconds = load(args.records, workdir, args.batch_size)
            log(f"  loaded in {seconds:.0f} s ({args.records / seconds:,.0f} records/s)")
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
        items = OAIItem.objects.count()
        log(f"{items:,} OAI items")
        if args.load_only:
            return
        prefixes = list(dict.fromkeys(spec.partition("@")[0] for spec in args.formats.split(",")))
        with exclusive(args.lock):
            log("load average (1, 5, 15 min) with the lock: " + loadavg())
            if args.render:
                started = perf_counter()
                call_command("oai_render", *(f"--prefix={p}" for p in prefixes), verbosity=1)
                seconds = perf_counter() - started
                log(f"rendered the cache ({', '.join(prefixes)}) in {seconds:.0f} s, load {loadavg()}")
            raw_seconds, raw_count = measure_raw()
            raw_rate = raw_count / raw_seconds
            log(f"raw: {raw_count:,} records' JSON streamed in {raw_seconds:.2f} s ({raw_rate:,.0f} per s)")
            connections.close_all()
            port = free_port()
            server = start_gunicorn(port, args.workers, args.threads)
            base_url = f"http://127.0.0.1:{port}/oai2d"
            from sickle import Sickle

            for _ in range(2 * args.workers):  # every worker imports and connects before the clock starts
                Sickle(base_url).Identify()
            log("")
            read_ahead = os.environ.get("OAI_READ_AHEAD_SECONDS", "5 (default)")
            log(
                f"== ListRecords, 100 a page, gunicorn {args.workers} worker(s) x {args.threads} thread(s),"
                f" read-ahead {read_ahead} s, Sickle, {os.cpu_count()} CPUs"
            )
            for spec in args.formats.split(","):
                prefix, _, set_spec = spec.partition("@")
                started = perf_counter()
                records, pages = harvest(base_url, prefix, set_spec or None)
                total = perf_counter() - started
                rate = records / total
                edge = min(50, max(1, len(pages) // 10))  # medians of the first and last pages
                head, tail = pages[:edge], pages[-edge:]
                log(
                    f"  {spec:22s} {records:9,} records {len(pages):6,} pages {total:8.1f} s"
                    f" {rate:8,.0f} records/s (ratio to raw {rate / raw_rate:.3f})"
                    f"  page p50 {percentile(pages, 0.5) * 1000:5.0f} ms"
                    f" p99 {percentile(pages, 0.99) * 1000:5.0f} ms  last {edge} / first {edge} pages"
                    f" (medians) {statistics.median(tail) / statistics.median(head):.2f}  load {loadavg()}"
                )
            depth_check(prefixes[0])
            depth_check_http(base_url, prefixes[0])
            log(f"load average (1, 5, 15 min) at the end: {loadavg()}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:  # a request still running (the harvest was stopped)
                server.kill()
                server.wait()
        from django.db import connections

        connections.close_all()
        if bench_name and not args.keep_data and not args.database:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
            log(f"dropped database {bench_name}")
        shutil.rmtree(workdir, ignore_errors=True)


def _stop(signum, frame):
    raise SystemExit(128 + signum)  # through main's cleanup: the server stopped, the database dropped


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    main()
