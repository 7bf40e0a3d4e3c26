"""JSON shapes of communities and members (InvenioRDM's), and their OpenAPI descriptions."""

from __future__ import annotations

from rest_framework import serializers

from communities.models import Community, Membership


class CommunitySerializer(serializers.Serializer):
    """A community (for the OpenAPI document; responses are built by dump_community)."""

    id = serializers.CharField(read_only=True)
    slug = serializers.CharField()
    metadata = serializers.DictField()
    access = serializers.DictField(required=False)
    created = serializers.CharField(read_only=True)
    updated = serializers.CharField(read_only=True)
    revision_id = serializers.IntegerField(read_only=True)
    deletion_status = serializers.DictField(read_only=True)
    links = serializers.DictField(read_only=True)


class RenameSerializer(serializers.Serializer):
    slug = serializers.CharField()


class DeleteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False)


class FeaturedSerializer(serializers.Serializer):
    """A featured entry: ``{"id": 1, "start_date": "2026-11-21T00:00:00+00:00"}``."""

    id = serializers.IntegerField(read_only=True)
    start_date = serializers.CharField(required=False)


class MemberRefSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["user", "group"])
    id = serializers.CharField()


class MembersChangeSerializer(serializers.Serializer):
    """Members to add, change, invite or remove."""

    members = MemberRefSerializer(many=True)
    role = serializers.CharField(required=False)
    visible = serializers.BooleanField(required=False)
    message = serializers.CharField(required=False)


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField(required=False)


class CommunityIdSerializer(serializers.Serializer):
    id = serializers.CharField()


class CommunitiesChangeSerializer(serializers.Serializer):
    """Communities to include a record in, or to take it out of."""

    communities = CommunityIdSerializer(many=True)


class RecordsChangeSerializer(serializers.Serializer):
    records = CommunityIdSerializer(many=True)


class ReviewSerializer(serializers.Serializer):
    """``{"receiver": {"community": "<id>"}, "type": "community-submission"}``."""

    receiver = serializers.DictField()
    type = serializers.CharField(required=False)


class BulkResultSerializer(serializers.Serializer):
    processed = serializers.ListField(child=serializers.DictField())
    errors = serializers.ListField(child=serializers.DictField())


def _base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def dump_community(community: Community, request) -> dict:
    """A community in InvenioRDM's shape."""
    base = _base(request)
    api = f"{base}/api/communities/{community.pk}"
    body = {
        "id": str(community.pk),
        "slug": community.slug,
        "metadata": community.metadata,
        "access": community.access,
        "custom_fields": {},
        "created": community.created.isoformat(),
        "updated": community.updated.isoformat(),
        "revision_id": community.revision_id,
        "deletion_status": {
            "is_deleted": community.is_deleted,
            "status": "D" if community.is_deleted else "P",
        },
        "links": {
            "self": api,
            "self_html": f"{base}/communities/{community.slug}",
            "settings_html": f"{base}/communities/{community.slug}/settings",
            "logo": f"{api}/logo",
            "rename": f"{api}/rename",
            "members": f"{api}/members",
            "public_members": f"{api}/members/public",
            "invitations": f"{api}/invitations",
            "requests": f"{api}/requests",
            "records": f"{api}/records",
            "featured": f"{api}/featured",
            "membership_requests": f"{api}/membership-requests",
        },
    }
    if community.is_deleted:
        body["tombstone"] = community.tombstone or {}
    return body


def dump_member(membership: Membership, request, *, can_manage: bool) -> dict:
    """A member in InvenioRDM's shape, with what the caller (who may CAN_MANAGE members) may do."""
    user = request.user
    if membership.user_id is not None:
        member = {
            "type": "user",
            "id": str(membership.user_id),
            "name": membership.user.full_name or f"User {membership.user_id}",
            "is_group": False,
        }
        is_current = membership.user_id == getattr(user, "pk", None)
    else:
        member = {
            "type": "group",
            "id": str(membership.group_id),
            "name": membership.group.name,
            "is_group": True,
        }
        is_current = False
    return {
        "id": str(membership.pk),
        "member": member,
        "role": membership.role,
        "visible": membership.visible,
        "is_current_user": is_current,
        "permissions": {
            "can_leave": is_current,
            "can_update_role": can_manage and not is_current,
            "can_delete": can_manage and not is_current,
        },
        "created": membership.created.isoformat(),
        "updated": membership.updated.isoformat(),
        "links": {},
    }


def dump_public_member(membership: Membership) -> dict:
    """A member as the public sees them: name and role only."""
    if membership.user_id is not None:
        member = {
            "type": "user",
            "id": str(membership.user_id),
            "name": membership.user.full_name or f"User {membership.user_id}",
        }
    else:
        member = {"type": "group", "id": str(membership.group_id), "name": membership.group.name}
    return {"id": str(membership.pk), "member": member, "role": membership.role}
