"""Record fixtures: documents and published records built through the services."""

from __future__ import annotations

import copy

import pytest

from records import services


def valid_document(**metadata) -> dict:
    """A minimal publishable record document; keyword arguments override metadata fields."""
    document = {
        "metadata": {
            "resource_type": {"id": "dataset"},
            "title": "Ocean temperature profiles of the North Atlantic",
            "publication_date": "2024-05-01",
            "creators": [
                {
                    "person_or_org": {
                        "type": "personal",
                        "given_name": "Ada",
                        "family_name": "Lovelace",
                        "identifiers": [{"scheme": "orcid", "identifier": "0000-0002-1825-0097"}],
                    },
                    "affiliations": [{"name": "Analytical Engine Institute"}],
                }
            ],
            "description": "<p>Profiles measured by <strong>Argo</strong> floats.</p>",
        },
        "access": {"record": "public", "files": "public"},
        "files": {"enabled": False},
    }
    document["metadata"].update(metadata)
    return copy.deepcopy(document)


def publish(actor, document: dict | None = None):
    draft, errors = services.draft_create(actor=actor, data=document or valid_document())
    assert errors == [], errors
    return services.draft_publish(actor=actor, draft_id=draft.pk)


@pytest.fixture
def record(user):
    return publish(user)
