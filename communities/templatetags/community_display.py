"""Template tags for showing communities on other apps' pages (the record landing page)."""

from __future__ import annotations

from django import template

from communities.models import Community, CommunityRecord
from communities.permissions import community_policy

register = template.Library()


@register.inclusion_tag("communities/_default_community.html", takes_context=True)
def default_community(context, record) -> dict:
    """The record's default (branding) community, if the visitor may see it."""
    link = CommunityRecord.objects.filter(parent_id=record.parent_id, is_default=True).first()
    community = Community.objects.filter(pk=link.community_id).first() if link else None
    request = context.get("request")
    user = getattr(request, "user", None)
    if community is None or not community_policy.can(user, "read", community):
        community = None
    return {"community": community}
