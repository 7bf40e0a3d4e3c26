"""Server-rendered pages: home, search, record landing pages, draft preview, PID resolvers, export.

Views parse the request, ask the selectors (which apply the access policy) and
render. Domain errors become pages: NotFound → 404, Gone → 410 with the
tombstone, ValidationError → 400 with the message.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from records import selectors
from records.api.serializers import dump_draft, dump_record
from records.models import Record
from records.permissions import draft_policy, record_policy
from records.search_indexes import RECORD_FACETS
from records.search_page import facet_sidebar
from repository.api.views import search_params
from repository.exceptions import Gone, NotFound, PermissionDenied, RepositoryError
from repository.search import SearchParams, get_backend
from repository.vocabularies.selectors import get_terms

HOME_RECORD_COUNT = 10
SORT_LABELS = {
    "bestmatch": "Best match",
    "newest": "Newest",
    "oldest": "Oldest",
    "updated-desc": "Recently updated",
    "updated-asc": "Least recently updated",
    "version": "Version",
    "title": "Title",
}
PAGE_SIZES = (10, 25, 50, 100)
PAGE_LINKS_AROUND = 2
EXPORT_FORMATS = ("json",)
# Vocabulary references that dump_record leaves as bare ids: (list field, key, vocabulary).
LABELLED_REFERENCES = (
    ("creators", "role", "creatorsroles"),
    ("contributors", "role", "contributorsroles"),
    ("related_identifiers", "relation_type", "relationtypes"),
    ("related_identifiers", "resource_type", "resourcetypes"),
    ("dates", "type", "datetypes"),
    ("additional_titles", "type", "titletypes"),
    ("additional_descriptions", "type", "descriptiontypes"),
)


def renders_domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn domain errors into pages; what a user may not see is a 404 like what does not exist."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, PermissionDenied) as exc:
            raise Http404(exc.message) from exc
        except Gone as exc:
            return tombstone_page(request, exc.tombstone)
        except RepositoryError as exc:
            context = {"message": exc.message, "errors": exc.errors}
            return render(request, "400.html", context, status=exc.status)

    return wrapper


def tombstone_page(request: HttpRequest, tombstone: dict) -> HttpResponse:
    """410 Gone with the public tombstone of a deleted record."""
    reason = tombstone.get("removal_reason") if isinstance(tombstone.get("removal_reason"), dict) else {}
    if isinstance(reason.get("id"), str):
        reason = get_terms("removalreasons", [reason["id"]]).get(reason["id"], reason)
    return render(request, "410.html", {"tombstone": tombstone, "removal_reason": reason}, status=410)


@dataclass(frozen=True)
class ListedRecord:
    """A record in a result list with the titles of its vocabulary references."""

    record: Record
    resource_type: dict


def _listed(records: list[Record]) -> list[ListedRecord]:
    """Records with their resource types, looked up in one query for the whole list."""
    ids = {_resource_type_id(record) for record in records} - {""}
    types = get_terms("resourcetypes", ids)
    return [ListedRecord(record, types.get(_resource_type_id(record), {})) for record in records]


def _resource_type_id(record: Record) -> str:
    resource_type = (record.json.get("metadata") or {}).get("resource_type")
    if isinstance(resource_type, dict) and isinstance(resource_type.get("id"), str):
        return resource_type["id"]
    return ""


def _with_labels(metadata: dict) -> dict:
    """Add vocabulary titles to the references of LABELLED_REFERENCES (one query per vocabulary)."""
    wanted: dict[str, set[str]] = {}
    references: list[tuple[str, dict]] = []
    for field, key, vocabulary in LABELLED_REFERENCES:
        entries = metadata.get(field)
        for entry in entries if isinstance(entries, list) else []:
            reference = entry.get(key) if isinstance(entry, dict) else None
            if (
                isinstance(reference, dict)
                and isinstance(reference.get("id"), str)
                and "title" not in reference
            ):
                wanted.setdefault(vocabulary, set()).add(reference["id"])
                references.append((vocabulary, reference))
    terms = {vocabulary: get_terms(vocabulary, ids) for vocabulary, ids in wanted.items()}
    for vocabulary, reference in references:
        term = terms[vocabulary].get(reference["id"])
        if term:
            reference["title"] = term["title"]
    return metadata


def _page_search_params(request: HttpRequest) -> SearchParams:
    """The API's parsing and limits for q/sort/page/size (it reads only ``query_params``)."""
    return search_params(SimpleNamespace(query_params=request.GET), facets=RECORD_FACETS)


def _pagination(params: SearchParams, total: int) -> dict:
    """Previous/next and a window of page numbers (None marks a gap) within the result window."""
    reachable = settings.SEARCH_MAX_RESULT_WINDOW // params.size
    last = max(1, min(math.ceil(total / params.size), reachable))
    shown = {1, last, *range(params.page - PAGE_LINKS_AROUND, params.page + PAGE_LINKS_AROUND + 1)}
    numbers: list[int | None] = []
    for number in sorted(n for n in shown if 1 <= n <= last):
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return {
        "previous": params.page - 1 if params.page > 1 else None,
        "next": params.page + 1 if params.page < last else None,
        "numbers": numbers if last > 1 else [],
        "current": params.page,
    }


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Search box and the most recently published records."""
    records = list(
        Record.objects.visible_to(request.user)
        .filter(is_latest=True)
        .order_by("-created")[:HOME_RECORD_COUNT]
    )
    return render(request, "records/home.html", {"records": _listed(records)})


@require_safe
@renders_domain_errors
def search(request: HttpRequest) -> HttpResponse:
    """Search the latest versions of the records the user may see."""
    params = _page_search_params(request)
    params = replace(
        params, scope=record_policy.read_scope(request.user), latest_only=True, viewer=request.user
    )
    queryset = Record.objects.visible_to(request.user).filter(is_latest=True)
    result = get_backend().search_records(queryset, params)
    context = {
        "params": params,
        "records": _listed(result.hits),
        "total": result.total,
        "total_is_exact": result.total_is_exact,
        "pagination": _pagination(params, result.total),
        "sort_options": SORT_LABELS,
        "page_sizes": sorted({*PAGE_SIZES, params.size}),  # a size from the URL stays selected
        "facets": facet_sidebar(request, result.aggregations),
    }
    return render(request, "records/search.html", context)


def _record_redirect(record_id: str) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(reverse("records:detail", args=[record_id]))


@require_safe
@renders_domain_errors
def record_detail(request: HttpRequest, record_id: str) -> HttpResponse:
    """The landing page of a published record, resolved through its recid PID."""
    resolution = selectors.resolve_pid(request.user, "recid", record_id)
    if resolution.redirect_to:
        return _record_redirect(resolution.redirect_to)
    record = resolution.record
    if record.pk != record_id:
        return _record_redirect(record.pk)  # one canonical address per record
    body = dump_record(record, request)
    versions = list(selectors.versions_of(request.user, record))
    context = {
        "record": record,
        "body": body,
        "metadata": _with_labels(body["metadata"]),
        "versions": versions,
        "latest": next((version for version in versions if version.is_latest), None),
        "landing_url": request.build_absolute_uri(reverse("records:detail", args=[record.pk])),
    }
    return render(request, "records/landing.html", context)


@require_safe
@renders_domain_errors
def record_latest(request: HttpRequest, record_id: str) -> HttpResponse:
    """Redirect to the landing page of the latest version (a record or a parent id)."""
    latest = selectors.latest_version(request.user, record_id)
    return redirect("records:detail", record_id=latest.pk)


@require_safe
@renders_domain_errors
def record_export(request: HttpRequest, record_id: str, export_format: str) -> HttpResponse:
    """The record in an export format, as a download."""
    if export_format not in EXPORT_FORMATS:
        raise NotFound(f"Unknown export format {export_format!r}.")
    record = selectors.record_get(request.user, record_id)
    response = JsonResponse(dump_record(record, request), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{record.pk}.{export_format}"'
    return response


@require_safe
@renders_domain_errors
def draft_preview(request: HttpRequest, draft_id: str) -> HttpResponse:
    """A read-only preview of a draft for preview level and above (everyone else: 404).

    Anonymous visitors log in first, unless they present a secret link (``?token=``).
    """
    if not request.user.is_authenticated and not getattr(request, "secret_links", ()):
        return redirect_to_login(request.get_full_path())
    draft = selectors.draft_get(request.user, draft_id)
    body = dump_draft(draft, request, is_published=Record.objects.filter(pk=draft.pk).exists())
    context = {
        "draft": draft,
        "body": body,
        "metadata": _with_labels(body["metadata"]),
        "is_draft": True,
        "may_share": draft_policy.can(request.user, "manage", draft),
    }
    return render(request, "records/landing.html", context)


@require_safe
@renders_domain_errors
def doi_resolve(request: HttpRequest, doi: str) -> HttpResponse:
    """Resolve a DOI to the landing page of its record."""
    resolution = selectors.resolve_pid(request.user, "doi", doi)
    if resolution.redirect_to:
        return _record_redirect(resolution.redirect_to)
    return redirect("records:detail", record_id=resolution.record.pk)
