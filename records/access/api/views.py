"""REST API of record access (InvenioRDM's paths): grants, user/group grants, secret links.

Every endpoint needs an account and the manage level on the record: a record the caller may
not see is a 404, one they may see but not manage a 403. Views only parse, call, render.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from records.access import selectors, services
from records.access.models import SecretLink
from records.access.selectors import GrantView
from records.api.serializers import ErrorSerializer
from repository.exceptions import FieldError, NotFound, ValidationError

ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Record id.")
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def dump_grant(grant: GrantView) -> dict:
    return {
        "id": str(grant.index),
        "subject": {"type": grant.subject_type, "id": grant.subject_id},
        "permission": grant.permission,
        "origin": "api",
        "expires_at": _iso(grant.expires_at),
        "created": _iso(grant.created),
    }


def dump_subject_grant(grant: GrantView) -> dict:
    """A grant under /access/users or /access/groups: its id is the subject's id."""
    return {**dump_grant(grant), "id": grant.subject_id}


def dump_link(link: SecretLink) -> dict:
    return {
        "id": str(link.pk),
        "token": link.token,
        "permission": link.permission,
        "description": link.description,
        "created_at": _iso(link.created),
        "expires_at": _iso(link.expires_at),
    }


def _hits(items: list[dict]) -> dict:
    return {"hits": {"hits": items, "total": len(items)}}


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationError("The request body must be a JSON object.")
    return request.data


def _patch_kwargs(data: dict, fields: tuple[str, ...]) -> dict:
    """The fields present in a PATCH body (absent ones stay unchanged)."""
    unknown = sorted(set(data) - set(fields) - {"id", "subject", "token", "created", "created_at", "origin"})
    if unknown:
        raise ValidationError(errors=[FieldError(key, ["Unknown field."]) for key in unknown])
    return {key: data[key] for key in fields if key in data}


class AccessView(APIView):
    """Base: an account is needed; everything else is the services' and the policy's job."""

    permission_classes = [IsAuthenticated]

    def managed(self, request, id):  # noqa: A002
        return services.managed_parent(request.user, id, lock=False)


def _grant_by_index(parent, grant_id: str) -> GrantView:
    grants = selectors.grants_of(parent)
    if not grant_id.isdigit() or int(grant_id) >= len(grants):
        raise NotFound("No such grant.")
    return grants[int(grant_id)]


def _subject(grant: GrantView) -> services.Subject:
    return services.Subject(type=grant.subject_type, id=grant.subject_id)


class GrantListView(AccessView):
    """A record's grants (all versions): list, create."""

    @extend_schema(
        operation_id="records_access_grants_list", parameters=[ID], responses={200: dict, **ERRORS}
    )
    def get(self, request, id):  # noqa: A002
        return Response(_hits([dump_grant(g) for g in selectors.grants_of(self.managed(request, id))]))

    @extend_schema(parameters=[ID], request=dict, responses={201: dict, **ERRORS})
    def post(self, request, id):  # noqa: A002
        data = _body(request)
        services.grants_create(actor=request.user, record_id=id, grants=data.get("grants"))
        parent = services.parent_for(request.user, id)
        return Response(_hits([dump_grant(g) for g in selectors.grants_of(parent)]), status=201)


class GrantDetailView(AccessView):
    """One grant, by its position in the list (InvenioRDM's grant id)."""

    PARAMS = [ID, OpenApiParameter("grant_id", str, OpenApiParameter.PATH)]

    @extend_schema(parameters=PARAMS, responses={200: dict, **ERRORS})
    def get(self, request, id, grant_id):  # noqa: A002
        return Response(dump_grant(_grant_by_index(self.managed(request, id), grant_id)))

    @extend_schema(parameters=PARAMS, request=dict, responses={200: dict, **ERRORS})
    def patch(self, request, id, grant_id):  # noqa: A002
        grant = _grant_by_index(self.managed(request, id), grant_id)
        changes = _patch_kwargs(_body(request), ("permission", "expires_at"))
        services.grant_update(actor=request.user, record_id=id, subject=_subject(grant), **changes)
        return Response(dump_grant(_grant_by_index(self.managed(request, id), grant_id)))

    @extend_schema(parameters=PARAMS, responses={204: None, **ERRORS})
    def delete(self, request, id, grant_id):  # noqa: A002
        grant = _grant_by_index(self.managed(request, id), grant_id)
        services.grant_delete(actor=request.user, record_id=id, subject=_subject(grant))
        return Response(status=204)


class SubjectGrantListView(AccessView):
    """Grants to users of a record (GroupGrantListView: to groups)."""

    subject_type = "user"

    @extend_schema(operation_id="records_access_users_list", parameters=[ID], responses={200: dict, **ERRORS})
    def get(self, request, id):  # noqa: A002
        return self.subject_grants(request, id)

    def subject_grants(self, request, id) -> Response:  # noqa: A002
        grants = selectors.grants_of(self.managed(request, id), self.subject_type)
        return Response(_hits([dump_subject_grant(g) for g in grants]))


class GroupGrantListView(SubjectGrantListView):
    """Grants to groups of a record."""

    subject_type = "group"

    @extend_schema(
        operation_id="records_access_groups_list", parameters=[ID], responses={200: dict, **ERRORS}
    )
    def get(self, request, id):  # noqa: A002
        return self.subject_grants(request, id)


class SubjectGrantDetailView(AccessView):
    """The grant of one user (or group) on a record."""

    subject_type = "user"
    PARAMS = [ID, OpenApiParameter("subject_id", str, OpenApiParameter.PATH)]

    def _grant(self, request, id, subject_id) -> GrantView:  # noqa: A002
        for grant in selectors.grants_of(self.managed(request, id), self.subject_type):
            if grant.subject_id == subject_id:
                return grant
        raise NotFound("No such grant.")

    def _subject(self, subject_id: str) -> services.Subject:
        return services.Subject(type=self.subject_type, id=subject_id)

    @extend_schema(parameters=PARAMS, responses={200: dict, **ERRORS})
    def get(self, request, id, subject_id):  # noqa: A002
        return Response(dump_subject_grant(self._grant(request, id, subject_id)))

    @extend_schema(parameters=PARAMS, request=dict, responses={200: dict, **ERRORS})
    def patch(self, request, id, subject_id):  # noqa: A002
        changes = _patch_kwargs(_body(request), ("permission", "expires_at"))
        services.grant_update(actor=request.user, record_id=id, subject=self._subject(subject_id), **changes)
        return Response(dump_subject_grant(self._grant(request, id, subject_id)))

    @extend_schema(parameters=PARAMS, responses={204: None, **ERRORS})
    def delete(self, request, id, subject_id):  # noqa: A002
        services.grant_delete(actor=request.user, record_id=id, subject=self._subject(subject_id))
        return Response(status=204)


class GroupGrantDetailView(SubjectGrantDetailView):
    subject_type = "group"


class LinkListView(AccessView):
    """A record's secret links: list, create."""

    @extend_schema(operation_id="records_access_links_list", parameters=[ID], responses={200: dict, **ERRORS})
    def get(self, request, id):  # noqa: A002
        return Response(_hits([dump_link(link) for link in selectors.links_of(self.managed(request, id))]))

    @extend_schema(parameters=[ID], request=dict, responses={201: dict, **ERRORS})
    def post(self, request, id):  # noqa: A002
        data = _body(request)
        _patch_kwargs(data, ("permission", "expires_at", "description"))
        link = services.link_create(
            actor=request.user,
            record_id=id,
            permission=data.get("permission"),
            expires_at=data.get("expires_at"),
            description=data.get("description") or "",
        )
        return Response(dump_link(link), status=201)


class LinkDetailView(AccessView):
    """One secret link."""

    PARAMS = [ID, OpenApiParameter("link_id", str, OpenApiParameter.PATH)]

    @extend_schema(parameters=PARAMS, responses={200: dict, **ERRORS})
    def get(self, request, id, link_id):  # noqa: A002
        parent = self.managed(request, id)
        for link in selectors.links_of(parent):
            if str(link.pk) == link_id:
                return Response(dump_link(link))
        raise NotFound("No such link.")

    @extend_schema(parameters=PARAMS, request=dict, responses={200: dict, **ERRORS})
    def patch(self, request, id, link_id):  # noqa: A002
        changes = _patch_kwargs(_body(request), ("permission", "expires_at", "description"))
        link = services.link_update(actor=request.user, record_id=id, link_id=link_id, **changes)
        return Response(dump_link(link))

    @extend_schema(parameters=PARAMS, responses={204: None, **ERRORS})
    def delete(self, request, id, link_id):  # noqa: A002
        services.link_delete(actor=request.user, record_id=id, link_id=link_id)
        return Response(status=204)
