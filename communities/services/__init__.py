"""Every write to communities goes through these functions (one module per concern)."""

from communities.services.communities import (
    community_create,
    community_delete,
    community_logo_delete,
    community_logo_set,
    community_rename,
    community_restore,
    community_update,
    featured_create,
    featured_delete,
    featured_update,
)
from communities.services.members import (
    invitation_create,
    member_add_groups,
    member_leave,
    member_remove,
    member_update,
    membership_request_create,
)
from communities.services.records import (
    community_records_remove,
    record_communities_add,
    record_communities_remove,
    record_include,
    review_create_or_update,
    review_delete,
    review_submit,
)

__all__ = [
    "community_create",
    "community_delete",
    "community_logo_delete",
    "community_logo_set",
    "community_records_remove",
    "community_rename",
    "community_restore",
    "community_update",
    "featured_create",
    "featured_delete",
    "featured_update",
    "invitation_create",
    "member_add_groups",
    "member_leave",
    "member_remove",
    "member_update",
    "membership_request_create",
    "record_communities_add",
    "record_communities_remove",
    "record_include",
    "review_create_or_update",
    "review_delete",
    "review_submit",
]
