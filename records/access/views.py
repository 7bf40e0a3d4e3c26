"""Pages of record access: the request-access form of the landing page, the guest's verification,
and the share page (grants, secret links, access requests) of owners and managers.

Views parse the forms and call the access services (records.access.services, .requests);
the services decide (404 for what the visitor may not see, 403 when they may not manage).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.ratelimits import limit_posts
from accounts.selectors import groups_findable, users_findable
from records.access import levels, selectors
from records.access import requests as access_requests
from records.access import services as access
from records.views import renders_domain_errors
from repository.exceptions import Conflict, NotFound, PermissionDenied, ValidationError


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
        return render(request, "accounts/verify_failed.html", {"access_request": True}, status=400)
    messages.success(request, "Your access request was sent to the owner.")
    return redirect("records:latest", record_id=access_request.parent_id)


# --- the share page: grants, secret links, access requests -------------------------

SHARE_ACTIONS = (
    "grant-add",
    "grant-change",
    "grant-remove",
    "link-create",
    "link-revoke",
    "request-accept",
    "request-decline",
)
FIND_LIMIT = 20


def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return render(request, "403.html", {"message": exc.message}, status=403)


def _share_parent(request: HttpRequest, record_id: str):
    """The parent of the record if the visitor may manage it: 404 unseen, 403 seen (raised)."""
    return access.managed_parent(request.user, record_id, lock=False)


@login_required
@require_safe
def share(request: HttpRequest, record_id: str) -> HttpResponse:
    """The share page of a record (owners, admins, manage grantees): who has access, links, requests."""
    try:
        parent = _share_parent(request, record_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    query = request.GET.get("q", "").strip()[:200]
    found_users, found_groups = [], []
    if query:
        found_users = list(users_findable(query).exclude(pk=parent.owner_id)[:FIND_LIMIT])
        found_groups = list(groups_findable(query)[:FIND_LIMIT])
    target = selectors.link_target(parent)
    links = [
        (link, request.build_absolute_uri(f"{target}?{urlencode({'token': link.token})}") if target else "")
        for link in selectors.links_of(parent)
    ]
    created = request.GET.get("created", "")
    context = {
        "record_id": record_id,
        "parent": parent,
        "owner": parent.owner,
        "target": target,
        "grants": selectors.grants_with_subjects(parent),
        "links": links,
        "new_link": next(((link, url) for link, url in links if str(link.pk) == created), None),
        "requests": selectors.pending_requests(parent),
        "query": query,
        "found_users": found_users,
        "found_groups": found_groups,
        "levels": levels.LEVELS,
        "link_levels": levels.LINK_LEVELS,
        "now": timezone.now(),
    }
    response = render(request, "records/share.html", context)
    response["Cache-Control"] = "no-store"  # the page holds secret-link tokens
    return response


@login_required
@require_POST
def share_action(request: HttpRequest, record_id: str) -> HttpResponse:
    """One change on the share page (``action``), through the access services; back to the page."""
    data = request.POST
    action = data.get("action", "")
    if action not in SHARE_ACTIONS:
        return render(request, "400.html", {"message": "Unknown action.", "errors": []}, status=400)
    back = reverse("records:share", args=[record_id])
    subject = access.Subject(type=data.get("subject_type", ""), id=data.get("subject_id", ""))
    try:
        if action == "grant-add":
            access.grant_create(
                actor=request.user,
                record_id=record_id,
                subject=subject,
                permission=data.get("permission", ""),
                expires_at=data.get("expires_at") or None,
            )
            messages.success(request, "Shared.")
        elif action == "grant-change":
            access.grant_update(
                actor=request.user,
                record_id=record_id,
                subject=subject,
                permission=data.get("permission", ""),
                expires_at=data.get("expires_at") or None,
            )
            messages.success(request, "Access changed.")
        elif action == "grant-remove":
            access.grant_delete(actor=request.user, record_id=record_id, subject=subject)
            messages.success(request, "Access removed.")
        elif action == "link-create":
            link = access.link_create(
                actor=request.user,
                record_id=record_id,
                permission=data.get("permission", ""),
                expires_at=data.get("expires_at") or None,
                description=data.get("description", ""),
            )
            messages.success(request, "Link created. Copy it now and send it to whom you want to share with.")
            return redirect(f"{back}?{urlencode({'created': str(link.pk)})}")
        elif action == "link-revoke":
            access.link_delete(actor=request.user, record_id=record_id, link_id=data.get("link_id", ""))
            messages.success(request, "Link revoked: it stopped working.")
        else:
            service = (
                access_requests.access_request_accept
                if action == "request-accept"
                else access_requests.access_request_decline
            )
            extra = {"expires_at": data.get("expires_at") or None} if action == "request-accept" else {}
            service(actor=request.user, record_id=record_id, request_id=data.get("request_id", ""), **extra)
            messages.success(
                request, "Request accepted." if action == "request-accept" else "Request declined."
            )
    except NotFound as exc:
        if not _may_see(request, record_id):
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)  # a grant, link or request that is no longer there
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except (Conflict, ValidationError) as exc:
        details = "; ".join(f"{e.field}: {' '.join(e.messages)}" for e in exc.errors)
        messages.error(request, f"{exc.message} {details}".strip())
    return redirect(back)


def _may_see(request: HttpRequest, record_id: str) -> bool:
    try:
        access.parent_for(request.user, record_id)
    except NotFound:
        return False
    return True
