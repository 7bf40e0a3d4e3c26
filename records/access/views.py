"""Pages of record access: the request-access form of the landing page, the guest's verification."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.ratelimits import limit_posts
from records.access import requests as access_requests
from records.views import renders_domain_errors
from repository.exceptions import Conflict, NotFound, ValidationError


@require_POST
@limit_posts(("access_request", "ip"))
@renders_domain_errors
def request_access(request: HttpRequest, record_id: str) -> HttpResponse:
    """Send an access request from the landing page (signed in: at once; guest: after verifying)."""
    data = request.POST
    try:
        if request.user.is_authenticated:
            access_requests.access_request_create(
                actor=request.user, record_id=record_id, message=data.get("message", "")
            )
            messages.success(request, "Your request was sent to the owner.")
        else:
            access_requests.access_request_create_guest(
                actor=request.user,
                record_id=record_id,
                email=data.get("email", ""),
                full_name=data.get("full_name", ""),
                message=data.get("message", ""),
            )
            messages.success(request, "Check your e-mail: follow the link we sent to confirm your request.")
    except (Conflict, ValidationError) as exc:
        details = "; ".join(f"{e.field}: {' '.join(e.messages)}" for e in exc.errors)
        messages.error(request, f"{exc.message} {details}".strip())
    return redirect("records:detail", record_id=record_id)


@require_safe
def verify_guest_request(request: HttpRequest) -> HttpResponse:
    """The link e-mailed to a guest who asked for access."""
    try:
        access_request = access_requests.access_request_verify(token=request.GET.get("token", ""))
    except NotFound:
        return render(request, "accounts/verify_failed.html", status=400)
    messages.success(request, "Your access request was sent to the owner.")
    return redirect("records:latest", record_id=access_request.parent_id)
