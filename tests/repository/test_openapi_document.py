"""The OpenAPI document lists the answers the API really gives."""

from __future__ import annotations

import pytest
from django.test import Client

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(db):
    response = Client().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_every_operation_documents_not_acceptable(document):
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in METHODS and "406" not in operation["responses"]
    ]
    assert undocumented == []


@pytest.mark.parametrize("path", ["/api/groups", "/api/oaipmh/formats", "/api/communities"])
def test_an_unsatisfiable_accept_header_is_a_documented_406(document, path):
    response = Client().get(path, HTTP_ACCEPT="text/x-nothing-we-make")
    assert response.status_code == 406
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["status"] == 406
    documented = document["paths"][path]["get"]["responses"]["406"]
    assert documented["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
