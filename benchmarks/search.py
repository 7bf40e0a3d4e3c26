"""Search benchmark: the REST API against the raw ranked full-text query of the same database.

Usage::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/search.py --records 1000000
    env -u DATABASE_URL .venv/bin/python benchmarks/search.py --records 100000   # SQLite

The script creates its own database (``repono_searchbench_<pid>`` on the server DATABASE_URL
names, or a temporary SQLite file), migrates it and drops it at the end (``--keep`` keeps it
and prints its name; ``--reuse NAME`` measures an existing one without loading again).

In one run:

1. generates N records deterministically (``benchmarks/ingest.py``'s documents, plus one
   "rare" word per record, shared by about 10 records, and one "medium" word, shared by about
   1% of them) and loads them with ``manage.py import_records``: the search index is kept
   current in the same transactions, so this is the live ingest rate;
2. rebuilds the search index with ``manage.py search_reindex`` and, as the raw baseline, builds
   the same index structures in plain SQL (the full-text index and the term rows' index);
3. runs 150 queries (50 rare, 50 medium, 50 frequent words; 1 to 3 words; a third with a facet
   filter) through the REST API (in-process WSGI, ``django.test.Client``) at concurrency 1 and 8
   (threads), and the raw ranked full-text query of the same words (top 25 by ts_rank / bm25 over
   every match, no access filter, no facets) at concurrency 1;
4. prints p50/p99 latencies and the ratios the search issue tracks.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import shutil
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from time import perf_counter
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

FACETS = [("resource_type", "dataset"), ("language", "eng"), ("resource_type", "image")]


def log(message: str) -> None:
    print(message, flush=True)


def write_corpus(path: Path, count: int, *, seed: int) -> None:
    """COUNT import lines with stable ids; every title gets a rare and a medium word."""
    import json

    from ingest import make_document

    from repository.ids import generate_id

    rng = random.Random(seed)
    rare_words = max(1, count // 10)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            document = make_document(rng, number)
            title = document["metadata"]["title"]
            document["metadata"]["title"] = (
                f"{title} rare{rng.randrange(rare_words)} medium{rng.randrange(100)}"
            )
            handle.write(json.dumps({"id": generate_id(), **document}, ensure_ascii=False) + "\n")


def make_queries(count: int, records: int, *, seed: int) -> list[dict]:
    """COUNT query parameter sets: a third rare, medium, frequent words; every third with a facet."""
    from ingest import TOPICS

    rng = random.Random(seed + 1)
    rare_words = max(1, records // 10)
    queries = []
    for number in range(count):
        kind = ("rare", "medium", "frequent")[number % 3]
        if kind == "rare":
            words = [f"rare{rng.randrange(rare_words)}"] + rng.sample(TOPICS, rng.randint(0, 1))
        elif kind == "medium":
            words = [f"medium{rng.randrange(100)}"] + rng.sample(TOPICS, rng.randint(0, 2))
        else:
            words = rng.sample(TOPICS, rng.randint(1, 3))
        params = {"q": " ".join(words), "kind": kind}
        if number % 3 == 1:
            name, value = FACETS[number % len(FACETS)]
            params[name] = value
        queries.append(params)
    return queries


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def api_query(params: dict) -> tuple[str, float]:
    """(kind, seconds) of one query through GET /api/records (one test client per thread or process)."""
    from django.test import Client

    if not hasattr(_local, "client"):
        _local.client = Client()
    query = {k: v for k, v in params.items() if k != "kind"}
    started = perf_counter()
    response = _local.client.get("/api/records", query)
    elapsed = perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{query}: {response.status_code} {response.content[:300]!r}")
    return params["kind"], elapsed


def raw_query(params: dict) -> tuple[str, float]:
    """(kind, seconds) of the raw ranked full-text query of one query's words (top 25)."""
    from django.db import connection

    from repository.search.query import text_tokens

    words = text_tokens(params["q"])
    with connection.cursor() as cursor:
        started = perf_counter()
        if connection.vendor == "postgresql":
            tsquery = " & ".join(words)
            cursor.execute(
                "SELECT id FROM records_record WHERE search_vector @@ to_tsquery('english', %s) "
                "ORDER BY ts_rank(search_vector, to_tsquery('english', %s)) DESC LIMIT 25",
                [tsquery, tsquery],
            )
        else:
            match = " AND ".join(f'"{word}"' for word in words)
            cursor.execute(
                "SELECT rowid FROM records_record_fts WHERE records_record_fts MATCH %s "
                "ORDER BY bm25(records_record_fts) LIMIT 25",
                [match],
            )
        cursor.fetchall()
        return params["kind"], perf_counter() - started


_local = threading.local()


def run_concurrently(function, queries: list[dict], concurrency: int, *, threads: bool = False) -> list:
    """FUNCTION over QUERIES, CONCURRENCY at a time: in as many worker processes (forked after
    Django is set up, one interpreter and one database connection each, as gunicorn's sync
    workers), or with THREADS in this process (the interpreter lock serializes their Python)."""
    from django.db import connections

    if concurrency == 1:
        return [function(params) for params in queries]
    if threads:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(function, queries))
            list(pool.map(lambda _: connections.close_all(), range(concurrency)))
        return results
    connections.close_all()  # each worker opens its own
    with multiprocessing.get_context("fork").Pool(concurrency) as pool:
        pool.map(function, queries[: 2 * concurrency], chunksize=1)  # warm up every worker
        return pool.map(function, queries, chunksize=1)


def raw_index_build() -> float:
    """Seconds to build the structures ``search_reindex`` builds, in plain SQL from the term rows
    already computed: a fresh term table with the term table's columns, filled by one
    INSERT ... SELECT, then every index the term table has (its primary key, the two
    (field, value, record) / (record, field, value) indexes and the partial facet index), and on
    SQLite the FTS5 ``rebuild``. No GIN index on PostgreSQL: the reindex does not rebuild it (the
    tsvector column and its index are kept by PostgreSQL in the record's own transaction)."""
    from django.db import connection, transaction

    from records.search_models import RecordSearchTerm

    terms = RecordSearchTerm._meta.db_table
    started = perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE bench_terms (LIKE {terms} INCLUDING DEFAULTS INCLUDING IDENTITY)")
            cursor.execute(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass", [terms]
            )
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [terms])
            cursor.execute(cursor.fetchone()[0].replace(f'"{terms}"', "bench_terms", 1))
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [terms],
            )
        indexes = [sql for (sql,) in cursor.fetchall()]
        columns = ", ".join(field.column for field in RecordSearchTerm._meta.fields if not field.primary_key)
        cursor.execute(f"INSERT INTO bench_terms ({columns}) SELECT {columns} FROM {terms}")  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE bench_terms ADD PRIMARY KEY (id)")
        for number, sql in enumerate(indexes):
            if connection.vendor == "postgresql" and " UNIQUE " in sql:
                continue  # the primary key's index, built above
            named = re.sub(
                r"INDEX (\S+) ON (\S+)", f"INDEX bench_terms_{number} ON bench_terms", sql, count=1
            )
            cursor.execute(named)
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO records_record_fts(records_record_fts) VALUES ('rebuild')")
        elapsed = perf_counter() - started
        cursor.execute("DROP TABLE bench_terms")
    return elapsed


def summary(label: str, results: list[tuple[str, float]]) -> dict:
    times = [seconds * 1000 for _, seconds in results]
    row = {"p50": percentile(times, 0.5), "p99": percentile(times, 0.99)}
    by_kind = {
        kind: percentile([s * 1000 for k, s in results if k == kind], 0.99)
        for kind in ("rare", "medium", "frequent")
    }
    log(
        f"{label:<28} p50 {row['p50']:8.1f} ms   p99 {row['p99']:8.1f} ms   "
        f"(p99 rare {by_kind['rare']:.1f}, medium {by_kind['medium']:.1f}, "
        f"frequent {by_kind['frequent']:.1f})"
    )
    row.update(by_kind)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000, help="records to load (default 1,000,000)")
    parser.add_argument("--queries", type=int, default=150, help="queries per run (default 150)")
    parser.add_argument("--concurrency", default="1,8", help="API concurrency levels (default 1,8)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument(
        "--reuse", help="measure this existing benchmark database (PostgreSQL name or SQLite path)"
    )
    parser.add_argument(
        "--reindex",
        action="store_true",
        help="with --reuse: time search_reindex against the raw index build again",
    )
    parser.add_argument("--no-queries", action="store_true", help="load (and reindex) only")
    parser.add_argument(
        "--threads",
        action="store_true",
        help="concurrency as threads of this process (default: worker processes, as gunicorn's)",
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="repono-searchbench-"))
    admin_url = bench_name = None
    postgres = url.startswith(("postgres://", "postgresql://"))
    if postgres:
        import psycopg

        admin_url, bench_name = url, args.reuse or f"repono_searchbench_{os.getpid()}"
        if not args.reuse:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{bench_name}"')
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{bench_name}"))
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{args.reuse or workdir / 'bench.sqlite3'}"
    log(f"database: {os.environ['DATABASE_URL']}")
    os.environ["REPONO_DATA_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repository.settings")
    log("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from ingest import import_generated

        settings.ALLOWED_HOSTS = ["testserver"]
        call_command("migrate", verbosity=0)
        if not args.reuse:
            path = workdir / "records.jsonl"
            log(f"generating {args.records:,} records ...")
            write_corpus(path, args.records, seed=args.seed)
            log("loading with import_records (search index kept current) ...")
            started = perf_counter()
            with open(os.devnull, "w") as quiet:
                import_generated(path, batch_size=1000, stdout=quiet, stderr=quiet)
            ingest = perf_counter() - started
            log(f"  live ingest: {args.records / ingest:,.0f} records/s ({ingest:.1f} s)")
            from django.db import connection

            if connection.vendor == "postgresql":  # what autovacuum does after a large load
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
        if args.reindex or not (args.reuse or args.no_queries):
            log("search_reindex ...")
            started = perf_counter()
            with open(os.devnull, "w") as quiet:
                call_command("search_reindex", stdout=quiet, stderr=quiet)
            reindex = perf_counter() - started
            raw_build = raw_index_build()
            log(
                f"  reindex {reindex:.1f} s, raw index build {raw_build:.1f} s: "
                f"ratio {reindex / raw_build:.2f} (load average {os.getloadavg()[0]:.2f})"
            )
        if args.no_queries:
            return
        queries = make_queries(args.queries, args.records, seed=args.seed)
        run_concurrently(api_query, queries[:10], 1)  # warm up caches and connections
        log(f"\n{args.queries} queries, load average {os.getloadavg()[0]:.2f} (2 shared cores)")
        mode = "threads" if args.threads else "processes"
        for level in [int(value) for value in args.concurrency.split(",")]:
            # the raw query at the same concurrency, in the same kind of workers, just before
            raw = summary(f"raw ranked full-text (c={level})", run_concurrently(raw_query, queries, level))
            api = summary(
                f"REST API (c={level}, {mode})",
                run_concurrently(api_query, queries, level, threads=args.threads),
            )
            log(
                f"  c={level}: p50 {api['p50']:.1f} ms (target <= 35), "
                f"p99 / raw p99 = {api['p99'] / raw['p99']:.2f} (target <= 0.25), "
                f"frequent p99 / raw frequent p99 = {api['frequent'] / raw['frequent']:.2f} "
                f"(load average {os.getloadavg()[0]:.2f})"
            )
    finally:
        from django.db import connections

        connections.close_all()
        if bench_name and not (args.keep or args.reuse):
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
            log(f"dropped database {bench_name}")
        elif bench_name:
            log(f"kept database {bench_name} (--reuse {bench_name})")
        if args.keep and not postgres:
            log(f"kept SQLite database {workdir / 'bench.sqlite3'}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
