"""manage.py load_demo [--force] [--password P] [--admin-password P]"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from communities.demo import load_demo_communities
from records.demo import loader
from records.demo.generator import DemoContent
from repository.exceptions import RepositoryError


class Command(BaseCommand):
    help = (
        "Create a demo depositor (demo@example.org) and an admin (admin@example.org) if absent, "
        "publish demo records through the record services and create demo communities (members, "
        "records, a pending submission and inclusion request). Does nothing if the demo data "
        "is already there, unless --force (records only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Publish another copy of the demo records.")
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD") or None,
            help="Password of a new demo user (default: $DEMO_PASSWORD, else generated and printed).",
        )
        parser.add_argument(
            "--admin-password",
            default=os.environ.get("DEMO_ADMIN_PASSWORD") or None,
            help="Password of a new admin (default: $DEMO_ADMIN_PASSWORD, else generated and printed).",
        )

    def handle(self, *args, force, password, admin_password, verbosity, **options):
        existing = loader.demo_record_count()
        if existing and not force:
            self.stdout.write(
                f"Demo data is already loaded ({existing} records owned by {loader.DEMO_EMAIL}); "
                "nothing to do. Use --force to publish another copy."
            )
            admin = User.objects.filter(email__iexact=loader.ADMIN_EMAIL, is_superuser=True).first()
            depositor = User.objects.filter(email__iexact=loader.DEMO_EMAIL).first()
            if admin is not None and depositor is not None:
                self._load_communities(depositor, admin)  # demo data loaded before communities existed
            return
        try:
            depositor = loader.ensure_account(loader.DEMO_EMAIL, password=password, is_admin=False)
            admin = loader.ensure_account(loader.ADMIN_EMAIL, password=admin_password, is_admin=True)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for role, account in (("demo depositor", depositor), ("admin", admin)):
            if account.password:
                self.stdout.write(f"Created {role} {account.user.email} with password: {account.password}")
            else:
                self.stdout.write(f"Using the existing {role} {account.user.email} (password unchanged).")

        content = DemoContent(doi_namespace=loader.free_doi_namespace(), publisher=settings.SITE_NAME)

        def progress(steps):
            return tqdm(steps, desc="Publishing demo records", unit="record", disable=verbosity == 0)

        started = time.monotonic()
        try:
            summary = loader.publish_demo_records(
                depositor=depositor.user, admin=admin.user, content=content, progress=progress
            )
        except RepositoryError as exc:
            details = "; ".join(f"{error.field}: {' '.join(error.messages)}" for error in exc.errors)
            raise CommandError(f"{exc.message} {details}".strip()) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Published {summary.records} demo records and {summary.versions} new versions "
                f"({len(summary.resource_types)} resource types) in {time.monotonic() - started:.1f} s; "
                f"deleted {len(summary.deleted)} ({', '.join(summary.deleted)}) to show a tombstone."
            )
        )
        self._load_communities(depositor.user, admin.user)

    def _load_communities(self, depositor: User, admin: User) -> None:
        try:
            summary = load_demo_communities(depositor=depositor, admin=admin)
        except RepositoryError as exc:
            details = "; ".join(f"{error.field}: {' '.join(error.messages)}" for error in exc.errors)
            raise CommandError(f"{exc.message} {details}".strip()) from exc
        if summary is None:
            self.stdout.write("Demo communities already exist; left as they are.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Created demo communities {', '.join(summary.communities)} with {summary.records} records; "
                f"pending: {', '.join(summary.pending)}."
            )
        )
