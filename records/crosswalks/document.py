"""The record JSON the crosswalks read, and what they need from the database around it.

Crosswalks are pure functions of the record JSON as the REST API serves it (InvenioRDM's
shape: ``id``, ``pids``, ``metadata``, ``access``, ``created``, ``updated``, ``links``). Two
things are not in that JSON and are added here before crosswalking, one query per page:
the resource type's vocabulary ``props`` (DataCite/OpenAIRE types) and the licenses' titles,
links and schemes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from records.crosswalks.text import as_dict, as_list
from records.models import Record
from records.services import PID_OAI, oai_identifier


def record_document(record: Record) -> dict:
    """The parts of the API's record JSON the crosswalks read, built without a request."""
    document = record.json if isinstance(record.json, dict) else {}
    pids = dict(as_dict(document.get("pids")))
    pids[PID_OAI] = {"identifier": oai_identifier(record.pk), "provider": "oai"}
    # Crosswalks only read; prepare_documents writes into resource_type and rights entries, so
    # exactly those are copied (a deep copy of every record is a third of a page's time).
    metadata = dict(as_dict(document.get("metadata")))
    if isinstance(metadata.get("resource_type"), dict):
        metadata["resource_type"] = dict(metadata["resource_type"])
    if isinstance(metadata.get("rights"), list):
        metadata["rights"] = [dict(r) if isinstance(r, dict) else r for r in metadata["rights"]]
    return {
        "id": record.pk,
        "pids": pids,
        "metadata": metadata,
        "access": as_dict(document.get("access")),
        "created": record.created.isoformat(),
        "updated": record.updated.isoformat(),
        "links": {"self_html": f"{settings.SITE_URL}/records/{record.pk}"},
    }


def prepare_documents(documents: Iterable[dict]) -> None:
    """Add the resource types' props and the licenses' titles/links to DOCUMENTS (in place)."""
    from repository.vocabularies.selectors import get_terms

    documents = list(documents)
    types: set[str] = set()
    licenses: set[str] = set()
    for document in documents:
        metadata = as_dict(document.get("metadata"))
        type_id = as_dict(metadata.get("resource_type")).get("id")
        if isinstance(type_id, str):
            types.add(type_id)
        for right in as_list(metadata.get("rights")):
            if isinstance(right, dict) and isinstance(right.get("id"), str):
                licenses.add(right["id"])
    type_terms = get_terms("resourcetypes", types)
    license_terms = get_terms("licenses", licenses)
    for document in documents:
        metadata = as_dict(document.get("metadata"))
        resource_type = metadata.get("resource_type")
        if isinstance(resource_type, dict) and resource_type.get("id") in type_terms:
            term = type_terms[resource_type["id"]]
            resource_type.setdefault("title", term["title"])
            resource_type["props"] = term["props"]
        for right in as_list(metadata.get("rights")):
            term = license_terms.get(right.get("id")) if isinstance(right, dict) else None
            if term:
                right.setdefault("title", term["title"])
                right["props"] = term["props"]
                if term["props"].get("url"):
                    right.setdefault("link", term["props"]["url"])


def doi_of(document: dict) -> str | None:
    """The record's DOI, if it has one."""
    doi = as_dict(as_dict(document.get("pids")).get("doi")).get("identifier")
    return doi if isinstance(doi, str) and doi else None


def landing_page(document: dict) -> str:
    """The record's landing page URL."""
    link = as_dict(document.get("links")).get("self_html")
    return link if isinstance(link, str) and link else f"{settings.SITE_URL}/records/{document.get('id')}"


def access_right(document: dict) -> str:
    """The COAR/eu-repo access right: open, embargoed, restricted or closed (OpenAIRE guidelines)."""
    access = as_dict(document.get("access"))
    if access.get("record") == "restricted":
        return "closedAccess"
    if as_dict(access.get("embargo")).get("active"):
        return "embargoedAccess"
    if access.get("files") == "restricted":
        return "restrictedAccess"
    return "openAccess"


def resource_type_props(document: dict) -> dict:
    """The vocabulary props of the record's resource type (empty when unknown)."""
    return as_dict(as_dict(as_dict(document.get("metadata")).get("resource_type")).get("props"))
