"""Cost of communities on record lists and record checks, as ratios to the same query without them.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/communities.py --records 20000

Creates its own database (``repono_bench_communities_<pid>``, or a temporary SQLite file),
imports N generated records (half of them restricted, one depositor), creates 50 communities
and puts 10% of the records in one restricted community ("lab") and the rest of a 10% slice in
the 49 others; a reader is a member of "lab" and of 10 others. ``--phase load`` then
``--phase time`` run the two phases as separate processes (load niced, time under a lock).
Best of --repeat runs:

- **community page**: the first page (25, newest first) plus the total of lab's latest
  records, as ``GET /api/communities/{id}/records`` asks the database, for the reader; the
  baseline (raw) is the same page over a plain list of lab's parent ids with no access filter;
- **all records as a member**: ``GET /api/records``' database query for the reader (who reads
  restricted records through 11 communities) and for a signed-in user in no community, against
  the same query without an access filter (the difference of the two is the communities' part);
- **object**: ``record_policy.can(reader, "read", record)`` on 200 restricted records of lab
  (read through the membership) against fetching them by primary key;
- **inbox**: the first page and total of the requests a curator of lab receives (1,000
  submitted inclusion requests) with the policy's filter, against the same rows by receiver.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "benchmarks"))

from access import PAGE, best, log, write_records  # noqa: E402 (needs the path above)

COMMUNITIES = 50
REQUESTS = 1000


def setup(records: int, seed: int, workdir: Path):
    from django.core.management import call_command

    from accounts.services import user_create
    from communities.models import Community, CommunityRecord, Membership
    from records.models import Parent, Record
    from workflows.models import Request

    call_command("migrate", verbosity=0)
    depositor = user_create(email="depositor@example.org", password=None)
    reader = user_create(email="reader@example.org", password=None)
    curator = user_create(email="curator@example.org", password=None)
    user_create(email="stranger@example.org", password=None)  # signed in, in no community
    path = workdir / "records.jsonl"
    log(f"generating and importing {records} records ...")
    write_records(path, records, seed)
    call_command("import_records", str(path), owner=depositor.email, verbosity=0)
    parents = list(Parent.objects.order_by("pk").values_list("pk", flat=True))
    rng = random.Random(seed)
    slice_size = max(1, len(parents) // 10)
    chosen = rng.sample(parents, 2 * slice_size)
    communities = [
        Community.objects.create(
            slug=f"c{number}",
            title=f"Community {number}",
            metadata={"title": f"Community {number}"},
            visibility="restricted" if number == 0 else "public",
        )
        for number in range(COMMUNITIES)
    ]
    lab = communities[0]
    links = [CommunityRecord(community=lab, parent_id=pid, is_default=True) for pid in chosen[:slice_size]]
    links += [
        CommunityRecord(community=communities[1 + index % (COMMUNITIES - 1)], parent_id=pid, is_default=True)
        for index, pid in enumerate(chosen[slice_size:])
    ]
    CommunityRecord.objects.bulk_create(links)
    Membership.objects.bulk_create(
        [Membership(community=c, user=reader, role="reader") for c in communities[:11]]
        + [Membership(community=lab, user=curator, role="curator")]
    )
    outside = list(
        Record.objects.filter(is_latest=True)
        .exclude(parent_id__in=chosen)
        .values_list("pk", flat=True)[:REQUESTS]
    )
    Request.objects.bulk_create(
        Request(
            number=number + 1,
            type="community-inclusion",
            status="submitted",
            title=f"Request {number}",
            created_by_type="user",
            created_by_id=str(depositor.pk),
            receiver_type="community",
            receiver_id=str(lab.pk),
            topic_type="record",
            topic_id=record_id,
        )
        for number, record_id in enumerate(outside)
    )
    return reader, curator, lab, slice_size, len(outside)


def measure(reader, curator, lab, repeat: int) -> dict[str, float]:
    from accounts.models import User
    from communities import selectors
    from communities.models import CommunityRecord
    from records.models import Record
    from records.permissions import record_policy
    from workflows.models import Request
    from workflows.permissions import request_policy

    def page(queryset) -> None:
        list(queryset.order_by("-created").values_list("pk", flat=True)[:PAGE])
        queryset.count()

    stranger = User.objects.get(email="stranger@example.org")
    lab_parents = list(CommunityRecord.objects.filter(community=lab).values_list("parent_id", flat=True))
    latest = Record.objects.filter(is_latest=True, deletion_status="P")
    results = {
        "community page raw": best(lambda: page(latest.filter(parent_id__in=lab_parents)), repeat),
        "community page reader": best(
            lambda: page(
                Record.objects.visible_to(reader).filter(
                    is_latest=True, parent_id__in=selectors.community_parent_ids(lab)
                )
            ),
            repeat,
        ),
        "all records raw": best(lambda: page(latest), repeat),
        "all records non-member": best(
            lambda: page(record_policy.filter_visible(stranger, Record.objects.all()).filter(is_latest=True)),
            repeat,
        ),
        "all records member": best(
            lambda: page(record_policy.filter_visible(reader, Record.objects.all()).filter(is_latest=True)),
            repeat,
        ),
    }
    restricted = list(
        Record.objects.filter(json__access__record="restricted", parent_id__in=lab_parents, is_latest=True)
        .select_related("parent")
        .order_by("pk")[:200]
    )
    ids = [record.pk for record in restricted]

    def fetch() -> None:
        for record_id in ids:
            Record.objects.select_related("parent").get(pk=record_id)

    def decide() -> None:
        for record in restricted:
            assert record_policy.can(reader, "read", record)

    results["object raw"] = best(fetch, repeat)
    results["object can read"] = best(decide, repeat)
    received = Request.objects.filter(receiver_type="community", receiver_id=str(lab.pk))
    results["inbox raw"] = best(lambda: page(received), repeat)
    results["inbox curator"] = best(
        lambda: page(
            request_policy.filter_visible(curator, Request.objects.all()).filter(receiver_id=str(lab.pk))
        ),
        repeat,
    )
    results["objects"] = len(ids)
    return results


def report(results: dict[str, float], records: int, share: int, requests: int, vendor: str) -> None:
    log(
        f"\n{records} records (half restricted); {share} in the restricted community, {share} in "
        f"{COMMUNITIES - 1} others; reader in 11 communities; {requests} requests to the community; {vendor}"
    )
    log(f"load average now: {', '.join(f'{load:.2f}' for load in os.getloadavg())} (machine may be shared)")
    log("| measurement | seconds | ratio to raw |\n|---|---|---|")
    pairs = [
        ("community page raw", "community page reader"),
        ("all records raw", "all records non-member"),
        ("all records raw", "all records member"),
        ("object raw", "object can read"),
        ("inbox raw", "inbox curator"),
    ]
    shown = set()
    for raw, measured in pairs:
        for name in (raw, measured):
            if name not in shown:
                shown.add(name)
                log(f"| {name} | {results[name]:.4f} | {results[name] / results[raw]:.2f} |")
    log(f"(object rows: {results['objects']} restricted records of the community)")


def lookup():
    """The reader, the curator, the restricted community and the sizes of a loaded database."""
    from accounts.models import User
    from communities.models import Community, CommunityRecord
    from workflows.models import Request

    lab = Community.objects.get(slug="c0")
    return (
        User.objects.get(email="reader@example.org"),
        User.objects.get(email="curator@example.org"),
        lab,
        CommunityRecord.objects.filter(community=lab).count(),
        Request.objects.count(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=20000, help="records to import (default 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement, best kept (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--phase",
        choices=("all", "load", "time"),
        default="all",
        help="load: create and keep the database (PostgreSQL); time: measure a kept one, then drop it",
    )
    parser.add_argument("--database", default="", help="name of the kept database (load/time phases)")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    if args.phase != "all" and not (postgres and args.database):
        parser.error("--phase load/time need a PostgreSQL DATABASE_URL and --database NAME")
    workdir = Path(tempfile.mkdtemp(prefix="repono-bench-communities-"))
    admin_url = bench_name = None
    if postgres:
        import psycopg

        admin_url, bench_name = url, args.database or f"repono_bench_communities_{os.getpid()}"
        if args.phase in ("all", "load"):
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{bench_name}"')
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{bench_name}"))
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["REPONO_DATA_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repository.settings")
    keep = args.phase == "load"
    try:
        import django

        django.setup()
        from django.db import connection

        if args.phase in ("all", "load"):
            setup(args.records, args.seed, workdir)
            if keep:
                log(f"loaded; time it with --phase time --database {bench_name}")
                return
        reader, curator, lab, share, requests = lookup()
        from records.models import Record

        records = Record.objects.count()
        report(measure(reader, curator, lab, args.repeat), records, share, requests, connection.vendor)
    except BaseException:
        keep = False  # a failed load or timing leaves nothing behind
        raise
    finally:
        from django.db import connections

        connections.close_all()
        if bench_name and not keep:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
