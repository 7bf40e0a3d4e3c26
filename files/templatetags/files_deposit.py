"""The deposit page's files section: a draft's files with their upload status, for its editors."""

from __future__ import annotations

from django import template

from files.models import Bucket
from files.selectors import head_objects, order_key
from files.services.common import files_enabled
from records.models import Draft
from records.permissions import draft_policy

register = template.Library()


@register.simple_tag(takes_context=True)
def deposit_files(context, draft: Draft) -> dict:
    """{"editable", "publishable", "enabled", "objects"}: every head object of the draft (pending too)."""
    user = context["request"].user
    editable = draft_policy.can(user, "update", draft)
    objects = head_objects(Bucket.OwnerKind.DRAFT, [draft.pk], completed_only=False) if editable else []
    return {
        "editable": editable,
        "publishable": editable and draft_policy.can(user, "publish", draft),
        "enabled": files_enabled(draft.json),
        "objects": sorted(objects, key=order_key(draft.json)),
    }
