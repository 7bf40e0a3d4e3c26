"""Post-processing of the OpenAPI document (drf-spectacular hooks)."""

from __future__ import annotations

METHODS = ("get", "post", "put", "patch", "delete")

NOT_ACCEPTABLE = {
    "description": "The Accept header asks for a representation this endpoint cannot produce.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def document_not_acceptable(result, generator, request, public):
    """Every API view negotiates its renderer, so any of them answers 406 to an Accept header
    it cannot satisfy (DRF's ``NotAcceptable``, rendered as our JSON error). Views that list
    406 themselves (the export formats) keep their own entry."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in METHODS:
                operation.setdefault("responses", {}).setdefault("406", NOT_ACCEPTABLE)
    return result
