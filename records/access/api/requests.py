"""REST API of access settings, access requests and ownership transfers. Views only parse, call, render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from records.access import requests as access_requests
from records.access import services
from records.access.api.views import ERRORS as ACCESS_ERRORS
from records.access.api.views import ID, _body, _hits, _iso, dump_grant, dump_link
from records.access.models import AccessRequest, OwnershipTransfer, RequestStatus
from records.access.selectors import grants_of, links_of
from records.api.serializers import ErrorSerializer

ERRORS = {**ACCESS_ERRORS, 409: ErrorSerializer}
REQUEST_ID = OpenApiParameter("request_id", str, OpenApiParameter.PATH)
TRANSFER_ID = OpenApiParameter("transfer_id", str, OpenApiParameter.PATH)


def dump_request(request: AccessRequest) -> dict:
    requester = (
        {"user": str(request.requester_id)}
        if request.requester_id
        else {"email": request.email, "full_name": request.full_name}
    )
    return {
        "id": str(request.pk),
        "record": request.parent_id,
        "created_by": requester,
        "message": request.message,
        "status": request.status,
        "created": _iso(request.created),
        "expires_at": _iso(request.expires_at),
    }


def dump_transfer(transfer: OwnershipTransfer) -> dict:
    return {
        "id": str(transfer.pk),
        "record": transfer.parent_id,
        "from": {"user": str(transfer.from_user_id)},
        "to": {"user": str(transfer.to_user_id)},
        "status": transfer.status,
        "created": _iso(transfer.created),
    }


class AccessSettingsView(APIView):
    """The record's access as its managers see it: owner, request settings, grants and links."""

    permission_classes = [IsAuthenticated]

    def _dump(self, parent) -> dict:
        return {
            "owned_by": {"user": str(parent.owner_id)} if parent.owner_id else None,
            "settings": access_requests.access_settings(parent),
            "grants": [dump_grant(g) for g in grants_of(parent)],
            "links": [dump_link(link) for link in links_of(parent)],
        }

    @extend_schema(parameters=[ID], responses={200: dict, **ERRORS})
    def get(self, request, id):  # noqa: A002
        return Response(self._dump(services.managed_parent(request.user, id, lock=False)))

    @extend_schema(parameters=[ID], request=dict, responses={200: dict, **ERRORS})
    def patch(self, request, id):  # noqa: A002
        data = _body(request)
        access_requests.access_settings_update(
            actor=request.user, record_id=id, settings=data.get("settings")
        )
        return Response(self._dump(services.managed_parent(request.user, id, lock=False)))


class AccessRequestCreateView(APIView):
    """A signed-in user asks the owner for access."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID], request=dict, responses={201: dict, **ERRORS})
    def post(self, request, id):  # noqa: A002
        data = _body(request)
        created = access_requests.access_request_create(
            actor=request.user, record_id=id, message=data.get("message")
        )
        return Response(dump_request(created), status=201)


class GuestAccessRequestView(APIView):
    """A guest asks for access; a verification link is e-mailed to them first."""

    @extend_schema(parameters=[ID], request=dict, responses={202: dict, **ERRORS})
    def post(self, request, id):  # noqa: A002
        data = _body(request)
        created = access_requests.access_request_create_guest(
            actor=request.user,
            record_id=id,
            email=data.get("email"),
            full_name=data.get("full_name") or "",
            message=data.get("message"),
        )
        return Response(dump_request(created), status=202)


class AccessRequestVerifyView(APIView):
    """The guest's verification: the request goes to the owner."""

    @extend_schema(request=dict, responses={200: dict, 400: ERRORS[400], 404: ERRORS[404]})
    def post(self, request):
        data = _body(request)
        return Response(
            dump_request(access_requests.access_request_verify(token=str(data.get("token") or "")))
        )


class AccessRequestListView(APIView):
    """Access requests to a record (managers): submitted ones first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID], responses={200: dict, **ERRORS})
    def get(self, request, id):  # noqa: A002
        parent = services.managed_parent(request.user, id, lock=False)
        rows = AccessRequest.objects.filter(parent=parent).exclude(status=RequestStatus.UNVERIFIED)
        return Response(_hits([dump_request(r) for r in rows]))


class AccessRequestActionView(APIView):
    """Accept (optionally with ``expires_at``) or decline an access request."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID, REQUEST_ID], request=dict, responses={200: dict, **ERRORS})
    def post(self, request, id, request_id, action):  # noqa: A002
        if action == "accept":
            data = _body(request) if request.data else {}
            result = access_requests.access_request_accept(
                actor=request.user, record_id=id, request_id=request_id, expires_at=data.get("expires_at")
            )
        else:
            result = access_requests.access_request_decline(
                actor=request.user, record_id=id, request_id=request_id
            )
        return Response(dump_request(result))


class TransferCreateView(APIView):
    """Transfer a record: admins at once (200), the owner as an offer the new owner accepts (202)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ID], request=dict, responses={200: dict, 202: dict, **ERRORS})
    def post(self, request, id):  # noqa: A002
        data = _body(request)
        transfer = access_requests.parent_transfer(actor=request.user, record_id=id, to_user=data.get("user"))
        return Response(
            dump_transfer(transfer), status=200 if transfer.status == RequestStatus.ACCEPTED else 202
        )


class IncomingTransfersView(APIView):
    """Records offered to the caller, waiting for their answer."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request):
        rows = OwnershipTransfer.objects.filter(to_user_id=request.user.pk, status=RequestStatus.SUBMITTED)
        return Response(_hits([dump_transfer(t) for t in rows]))


class TransferActionView(APIView):
    """Accept or decline a transfer offered to the caller."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[TRANSFER_ID], request=None, responses={200: dict, **ERRORS})
    def post(self, request, transfer_id, action):
        service = access_requests.transfer_accept if action == "accept" else access_requests.transfer_decline
        return Response(dump_transfer(service(actor=request.user, transfer_id=transfer_id)))
