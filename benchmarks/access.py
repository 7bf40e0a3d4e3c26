"""Cost of the access policy on record lists and record pages, as ratios to the same query without it.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/access.py --records 20000

Creates its own database (``repono_bench_access_<pid>`` on the server DATABASE_URL names, or a
temporary SQLite file), imports N generated records (half of them restricted) owned by one
depositor, shares 1% of them with a reader directly and 1% with a group the reader is in, and
gives the reader a secret link. Then, best of --repeat runs:

- **list**: the first page (25, newest first) plus the total of the latest versions, as
  ``GET /api/records`` asks the database: raw (no access filter: the baseline), for an
  anonymous visitor, for the reader (user + group grants) and for the reader holding a link;
- **object**: ``record_policy.can(reader, "read", record)`` on 200 restricted records, against
  fetching the same rows by primary key (the baseline);
- **read scope**: ``record_policy.read_scope(reader)``, the principals a search engine filters
  with (half the reader's grants have an expiry: one principal each while active), against
  the one query it cannot avoid (the reader's groups).

The import runs at nice 10; the timed phase runs at the original priority under an exclusive
lock on --lock (default: the file named by $BENCH_LOCK, if set), so two benchmarks sharing that
file never time at once.

Ratios > 1 are the policy's overhead. The machine may be shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from time import perf_counter
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "benchmarks"))

from ingest import make_document  # noqa: E402 (needs the path above)

PAGE = 25


def log(message: str) -> None:
    print(message, flush=True)


def write_records(path: Path, count: int, seed: int) -> None:
    from repository.ids import generate_id

    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            document = make_document(rng, number)
            if number % 2:
                document["access"] = {"record": "restricted", "files": "restricted"}
            handle.write(json.dumps({"id": generate_id(), **document}) + "\n")


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = perf_counter()
        function()
        times.append(perf_counter() - start)
    return min(times)


def setup(records: int, seed: int, workdir: Path):
    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command

    from accounts.services import user_create
    from records.access.models import ParentGroupGrant, ParentUserGrant, SecretLink
    from records.models import Parent

    call_command("migrate", verbosity=0)
    depositor = user_create(email="depositor@example.org", password=None)
    reader = user_create(email="reader@example.org", password=None)
    group = Group.objects.create(name="readers")
    group.user_set.add(reader)
    path = workdir / "records.jsonl"
    log(f"generating and importing {records} records ...")
    write_records(path, records, seed)
    call_command("import_records", str(path), owner=depositor.email, verbosity=0)
    parents = list(Parent.objects.order_by("pk").values_list("pk", flat=True))
    rng = random.Random(seed)
    share = max(1, len(parents) // 100)
    chosen = rng.sample(parents, 2 * share)
    view = Permission.objects.get(codename="access_view")
    from django.utils import timezone

    later = timezone.now() + timezone.timedelta(days=365)
    ParentUserGrant.objects.bulk_create(
        ParentUserGrant(
            content_object_id=pid, user=reader, permission=view, expires_at=later if index % 2 else None
        )
        for index, pid in enumerate(chosen[:share])
    )
    ParentGroupGrant.objects.bulk_create(
        ParentGroupGrant(content_object_id=pid, group=group, permission=view) for pid in chosen[share:]
    )
    link = SecretLink.objects.create(parent_id=parents[0], permission="view")
    return reader, link.token, share


def measure(reader, token: str, repeat: int) -> dict[str, float]:
    from django.contrib.auth.models import AnonymousUser

    from records.access.links import presenting
    from records.models import Record
    from records.permissions import record_policy

    def page(queryset) -> None:
        queryset = queryset.filter(is_latest=True)
        list(queryset.order_by("-created").values_list("pk", flat=True)[:PAGE])
        queryset.count()

    results = {
        "list raw": best(lambda: page(Record.objects.filter(deletion_status="P")), repeat),
        "list anonymous": best(
            lambda: page(record_policy.filter_visible(AnonymousUser(), Record.objects.all())), repeat
        ),
        "list reader": best(lambda: page(record_policy.filter_visible(reader, Record.objects.all())), repeat),
    }
    with presenting(token):
        results["list reader + link"] = best(
            lambda: page(record_policy.filter_visible(reader, Record.objects.all())), repeat
        )
    restricted = list(
        Record.objects.filter(json__access__record="restricted").select_related("parent").order_by("pk")[:200]
    )
    ids = [record.pk for record in restricted]

    def fetch() -> None:
        for record_id in ids:
            Record.objects.select_related("parent").get(pk=record_id)

    def decide() -> None:
        for record in restricted:
            record_policy.can(reader, "read", record)

    results["object raw (200 fetches)"] = best(fetch, repeat)
    results["object can read (200)"] = best(decide, repeat)
    results["scope raw (groups, 100 times)"] = best(
        lambda: [list(reader.groups.values_list("pk", flat=True)) for _ in range(100)], repeat
    )
    results["read scope (100 times)"] = best(
        lambda: [record_policy.read_scope(reader) for _ in range(100)], repeat
    )
    return results


def report(results: dict[str, float], records: int, share: int, vendor: str) -> None:
    log(f"\n{records} records (half restricted); reader: {share} user grants, {share} group grants; {vendor}")
    log(f"load average now: {', '.join(f'{load:.2f}' for load in os.getloadavg())} (machine may be shared)")
    log("| measurement | seconds | ratio to raw |\n|---|---|---|")
    for name in ("list raw", "list anonymous", "list reader", "list reader + link"):
        log(f"| {name} | {results[name]:.4f} | {results[name] / results['list raw']:.2f} |")
    raw = results["object raw (200 fetches)"]
    for name in ("object raw (200 fetches)", "object can read (200)"):
        log(f"| {name} | {results[name]:.4f} | {results[name] / raw:.2f} |")
    raw = results["scope raw (groups, 100 times)"]
    for name in ("scope raw (groups, 100 times)", "read scope (100 times)"):
        log(f"| {name} | {results[name]:.4f} | {results[name] / raw:.2f} |")


@contextlib.contextmanager
def niced(increment: int = 10):
    """Run the block at a lower priority, then return to the original one (needs root to go back)."""
    original = os.getpriority(os.PRIO_PROCESS, 0)
    os.setpriority(os.PRIO_PROCESS, 0, original + increment)
    try:
        yield
    finally:
        with contextlib.suppress(PermissionError):
            os.setpriority(os.PRIO_PROCESS, 0, original)
        if os.getpriority(os.PRIO_PROCESS, 0) != original:
            log("warning: could not return to the original priority; the timings ran niced")


@contextlib.contextmanager
def exclusive(path: str | None):
    """Hold an exclusive lock on PATH (if given) for the block."""
    if not path:
        yield
        return
    with open(path, "a") as handle:
        log(f"waiting for the benchmark lock {path} ...")
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=20000, help="records to import (default 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement, best kept (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--lock", default=os.environ.get("BENCH_LOCK") or None, help="lock file held while timing"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="repono-bench-access-"))
    admin_url = bench_name = None
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        admin_url, bench_name = url, f"repono_bench_access_{os.getpid()}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{bench_name}"')
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{bench_name}"))
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["REPONO_DATA_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repository.settings")
    try:
        import django

        django.setup()
        from django.db import connection

        with niced():
            reader, token, share = setup(args.records, args.seed, workdir)
        with exclusive(args.lock):
            results = measure(reader, token, args.repeat)
            report(results, args.records, share, connection.vendor)
    finally:
        from django.db import connections

        connections.close_all()
        if bench_name:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
