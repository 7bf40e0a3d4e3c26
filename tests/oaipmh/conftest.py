"""OAI-PMH fixtures: records in every state a harvester must see."""

from __future__ import annotations

import pytest

from records import services
from tests.records.conftest import publish, valid_document


def restricted_document(**metadata) -> dict:
    return valid_document(**metadata) | {"access": {"record": "restricted", "files": "restricted"}}


def make_restricted(actor, record_id: str):
    """Edit a published record to restricted through the services (an access change)."""
    draft = services.record_edit(actor=actor, record_id=record_id)
    document = dict(draft.json) | {"access": {"record": "restricted", "files": "restricted"}}
    services.draft_update(actor=actor, draft_id=draft.pk, data=document)
    return services.draft_publish(actor=actor, draft_id=draft.pk)


@pytest.fixture
def repository_records(user, admin_user):
    """Two public datasets, a public article, a deleted record, a restricted-later one, a never-public one."""
    datasets = [publish(user, valid_document(title=f"Dataset number {n}")) for n in range(2)]
    article = publish(user, valid_document(title="An article", resource_type={"id": "publication-article"}))
    deleted = publish(user, valid_document(title="Deleted later"))
    services.record_delete(actor=admin_user, record_id=deleted.pk, removal_reason="spam")
    restricted_later = make_restricted(user, publish(user, valid_document(title="Restricted later")).pk)
    never_public = publish(user, restricted_document(title="Never public"))
    return {
        "public": [*datasets, article],
        "datasets": datasets,
        "article": article,
        "deleted": [deleted, restricted_later],
        "never_public": never_public,
    }


@pytest.fixture
def celery_eager():
    """Run Celery tasks inline (the set rebuild queued after commit)."""
    from repository.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
