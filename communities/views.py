"""Server-rendered pages of communities and requests: community home, members, curators' inbox,
"my requests" with the conversation and its action buttons, notification settings.

Views parse the request, call a selector or a service, and render; domain errors become pages
(records.views.renders_domain_errors).
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from communities import selectors
from communities import services as member_services
from communities.models import Community, Membership
from communities.permissions import community_policy
from records.models import Record
from records.views import _listed, _pagination, renders_domain_errors
from repository.api.views import search_params
from repository.search import get_backend
from workflows import selectors as request_selectors
from workflows import services as request_services
from workflows.models import NotificationPreference, Request
from workflows.permissions import request_policy
from workflows.registry import entity
from workflows.services import TRANSITIONS, USER_ACTIONS

PAGE_SIZE = 25


def _params(request: HttpRequest, **kwargs):
    return search_params(SimpleNamespace(query_params=request.GET), **kwargs)


def _community(request: HttpRequest, slug: str) -> Community | HttpResponsePermanentRedirect:
    found = selectors.community_lookup(request.user, slug)
    if found.moved:
        return redirect(
            request.path.replace(f"/communities/{slug}", f"/communities/{found.community.slug}", 1)
        )
    return found.community


@require_safe
@renders_domain_errors
def community_list(request: HttpRequest) -> HttpResponse:
    """All communities the visitor may see, newest first, with a title search."""
    params = _params(request)
    queryset = community_policy.filter_visible(request.user, Community.objects.all())
    q = params.q.strip()
    if q:
        queryset = queryset.filter(title__icontains=q)
    total = queryset.count()
    page = queryset.order_by("-created")[params.offset : params.offset + params.size]
    context = {
        "communities": page,
        "params": params,
        "total": total,
        "pagination": _pagination(params, total),
    }
    return render(request, "communities/list.html", context)


@require_safe
@renders_domain_errors
def community_home(request: HttpRequest, slug: str) -> HttpResponse:
    """About, curation policy and a search within the community's records."""
    community = _community(request, slug)
    if not isinstance(community, Community):
        return community
    params = _params(request)
    queryset = Record.objects.visible_to(request.user).filter(
        is_latest=True, parent_id__in=selectors.community_parent_ids(community)
    )
    result = get_backend().search_records(queryset.select_related("parent"), params)
    context = {
        "community": community,
        "records": _listed(result.hits),
        "total": result.total,
        "params": params,
        "pagination": _pagination(params, result.total),
        "can_curate": community_policy.can(request.user, "curate", community),
        "can_join": community_policy.can(request.user, "join", community),
    }
    if context["can_join"]:
        from communities.services.members import MEMBERSHIP_REQUEST_TYPE, open_request

        context["join_request"] = open_request(MEMBERSHIP_REQUEST_TYPE, community, request.user.pk)
    return render(request, "communities/home.html", context)


@require_safe
@renders_domain_errors
def community_members(request: HttpRequest, slug: str) -> HttpResponse:
    """The community's members as the visitor may see them."""
    community = _community(request, slug)
    if not isinstance(community, Community):
        return community
    if not community_policy.can(request.user, "read_members", community):
        return render(request, "communities/members.html", {"community": community, "hidden": True})
    members = Membership.objects.filter(community=community).select_related("user", "group")
    if not community_policy.can(request.user, "read_hidden_members", community):
        members = members.filter(visible=True)
    return render(request, "communities/members.html", {"community": community, "members": members})


def _party_labels(rows: list[Request]) -> dict[tuple[str, str], str]:
    """Names of the creators and receivers of ROWS, one query per entity type (no query per row)."""
    from django.contrib.auth import get_user_model

    wanted: dict[str, set[str]] = {}
    for row in rows:
        wanted.setdefault(row.created_by_type, set()).add(row.created_by_id)
        wanted.setdefault(row.receiver_type, set()).add(row.receiver_id)
    labels: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        if kind == "community":
            found = Community.objects.filter(pk__in=ids).values_list("pk", "title")
            labels.update({(kind, str(pk)): title for pk, title in found})
        elif kind == "user":
            numbers = [int(i) for i in ids if i.isdigit()]
            users = get_user_model().objects.filter(pk__in=numbers).only("full_name", "email")
            labels.update({(kind, str(user.pk)): user.full_name or user.email for user in users})
        for entity_id in ids:
            if (kind, entity_id) not in labels:
                labels[(kind, entity_id)] = entity(kind).label(entity_id)
    return labels


def _request_list(request: HttpRequest, queryset, template: str, extra: dict) -> HttpResponse:
    params = _params(request, sort_options=tuple(request_selectors.REQUEST_SORTS))
    params = replace(params, sort=params.sort or "newest")
    query = request.GET.copy()
    query.setdefault("is_open", "true")
    queryset = request_selectors.filter_requests(queryset, query)
    total = queryset.count()
    page = list(
        queryset.order_by(*request_selectors.REQUEST_SORTS[params.sort], "number")[
            params.offset : params.offset + params.size
        ]
    )
    labels = _party_labels(page)
    for row in page:
        row.creator_label = labels[(row.created_by_type, row.created_by_id)]
        row.receiver_label = labels[(row.receiver_type, row.receiver_id)]
    context = {
        "requests": page,
        "total": total,
        "is_open": query["is_open"],
        "params": params,
        "pagination": _pagination(params, total),
        **extra,
    }
    return render(request, template, context)


@login_required
@require_safe
@renders_domain_errors
def community_requests(request: HttpRequest, slug: str) -> HttpResponse:
    """The curators' inbox: requests the community received (open ones first)."""
    community = _community(request, slug)
    if not isinstance(community, Community):
        return community
    community_policy.require(request.user, "curate", community)
    queryset = Request.objects.filter(receiver_type="community", receiver_id=str(community.pk))
    return _request_list(request, queryset, "communities/requests.html", {"community": community})


@login_required
@require_safe
@renders_domain_errors
def my_requests(request: HttpRequest) -> HttpResponse:
    """The "my requests" dashboard: requests the user takes part in."""
    queryset = request_selectors.requests_of_parties(request.user, Request.objects.all())
    return _request_list(request, queryset, "communities/my_requests.html", {})


def _topic_link(user, obj: Request) -> tuple[str, str] | None:
    """(label, URL) of the record a request is about: its landing page, or the draft's preview."""
    from records.models import DeletionStatus, Draft
    from records.permissions import draft_policy

    if obj.topic_type != "record":
        return None
    if Record.objects.filter(pk=obj.topic_id, deletion_status=DeletionStatus.PUBLISHED).exists():
        return f"record {obj.topic_id}", reverse("records:detail", args=[obj.topic_id])
    draft = Draft.objects.select_related("parent").filter(pk=obj.topic_id).first()
    if draft is not None and draft_policy.can(user, "read", draft):
        return f"draft {obj.topic_id}", reverse("records:draft-preview", args=[obj.topic_id])
    return f"record {obj.topic_id}", ""


@require_POST
@login_required
@renders_domain_errors
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask to join an open community (a membership request its managers answer)."""
    community = _community(request, slug)
    if not isinstance(community, Community):
        return community
    message = request.POST.get("message", "").strip() or None
    created = member_services.membership_request_create(
        actor=request.user, community_id=community.pk, message=message
    )
    messages.success(request, "You asked to join; the community's managers will answer.")
    return redirect(reverse("communities:request", args=[created.pk]))


@login_required
@require_safe
@renders_domain_errors
def request_detail(request: HttpRequest, request_id: str) -> HttpResponse:
    """One request with its conversation, a comment box and the buttons the user may press."""
    obj = request_selectors.request_get(request.user, request_id)
    events = list(request_selectors.timeline(request.user, obj.pk))
    actions = [
        action
        for action in USER_ACTIONS
        if TRANSITIONS[action][0] == obj.status and request_policy.can(request.user, action, obj)
    ]
    context = {
        "obj": obj,
        "events": events,
        "actions": actions,
        "topic": _topic_link(request.user, obj),
        "creator": entity(obj.created_by_type).label(obj.created_by_id),
        "receiver": entity(obj.receiver_type).label(obj.receiver_id),
    }
    return render(request, "communities/request_detail.html", context)


@login_required
@require_POST
@renders_domain_errors
def request_action(request: HttpRequest, request_id: str) -> HttpResponse:
    """A button of the request page: comment, or submit/accept/decline/cancel with an optional comment."""
    action = request.POST.get("action", "")
    content = request.POST.get("content", "").strip()
    if action == "comment":
        request_services.comment_create(actor=request.user, request_id=request_id, content=content)
        messages.success(request, "Your comment was added.")
    else:
        request_services.request_act(
            actor=request.user, request_id=request_id, action=action, comment=content or None
        )
        messages.success(request, f"The request is now {TRANSITIONS[action][1]}.")
    return redirect(reverse("communities:request", args=[request_id]))


@login_required
@renders_domain_errors
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Turn request e-mails on or off."""
    if request.method == "POST":
        with transaction.atomic():
            NotificationPreference.objects.update_or_create(
                user=request.user, defaults={"email_enabled": request.POST.get("email_enabled") == "on"}
            )
        messages.success(request, "Your notification settings were saved.")
        return redirect(reverse("communities:notifications"))
    preference = NotificationPreference.objects.filter(user=request.user).first()
    enabled = preference.email_enabled if preference else True
    return render(request, "communities/notifications.html", {"email_enabled": enabled})
