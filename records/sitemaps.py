"""The sitemap of the records: the latest version of every record anonymous visitors may read.

Built from the record policy as an anonymous visitor sees it, never from the request: a
secret link presented with ``?token=`` adds nothing, so restricted records never appear.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from records.access.links import presenting
from records.models import Record
from records.permissions import record_policy


class RecordSitemap(Sitemap):
    """Landing pages of the public records (latest versions), newest change as lastmod."""

    limit = 10_000

    def items(self) -> QuerySet[Record]:
        with presenting(None):  # the policy reads presented links while the queryset is built
            visible = record_policy.filter_visible(AnonymousUser(), Record.objects.filter(is_latest=True))
        return visible.order_by("pk").only("pk", "updated")

    def location(self, item: Record) -> str:
        return reverse("records:detail", args=[item.pk])

    def lastmod(self, item: Record) -> datetime.datetime:
        return item.updated


SITEMAPS = {"records": RecordSitemap}
