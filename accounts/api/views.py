"""REST API of users and groups (InvenioRDM's /api/users, /api/groups): for finding whom to share with."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.models import User, Visibility
from repository.api.serializers import ErrorSerializer
from repository.api.views import search_params, search_response
from repository.exceptions import NotFound
from repository.ids import parse_row_id

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer}
PARAMETERS = [
    OpenApiParameter("q", str, description="Words to find in name, affiliation (and public e-mail)."),
    OpenApiParameter("page", int),
    OpenApiParameter("size", int),
]


def dump_user(user: User, request) -> dict:
    """A user as others see them: the e-mail address only if its owner made it public."""
    body = {
        "id": str(user.pk),
        "profile": {"full_name": user.full_name, "affiliations": user.affiliations},
        "identities": {"orcid": user.orcid} if user.orcid else {},
        "is_current_user": request.user.pk == user.pk,
        "links": {"self": request.build_absolute_uri(f"/api/users/{user.pk}")},
    }
    if user.email_visibility == Visibility.PUBLIC or request.user.pk == user.pk:
        body["email"] = user.email
    return body


class UserListView(APIView):
    """Search users (signed-in callers): active, verified, public profiles."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="users_search", parameters=PARAMETERS, responses={200: dict, **ERRORS})
    def get(self, request):
        params = search_params(request, sort_options=())
        users = selectors.users_findable(params.q)
        page = users[params.offset : params.offset + params.size]
        return search_response(request, params, [dump_user(u, request) for u in page], users.count())


class UserDetailView(APIView):
    """One findable user (others are 404)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH)],
        responses={200: dict, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, id):  # noqa: A002
        row_id = parse_row_id(id)
        user = selectors.users_findable().filter(pk=row_id).first() if row_id is not None else None
        if user is None:
            raise NotFound("No such user.")
        return Response(dump_user(user, request))


class GroupListView(APIView):
    """Search groups (signed-in callers)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=PARAMETERS, responses={200: dict, **ERRORS})
    def get(self, request):
        params = search_params(request, sort_options=())
        groups = selectors.groups_findable(params.q)
        page = groups[params.offset : params.offset + params.size]
        hits = [{"id": str(g.pk), "name": g.name} for g in page]
        return search_response(request, params, hits, groups.count())
