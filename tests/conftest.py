"""Fixtures shared by every test module."""

from __future__ import annotations

import pytest

# DRF's throttles read the clock through a class attribute (``timer = time.time``): imported first
# inside a freezegun block, that attribute would become freezegun's fake clock bound as a method.
import rest_framework.throttling  # noqa: F401
from rest_framework.test import APIClient

from accounts.services import token_create, user_create


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return user_create(email="owner@example.org", password="correct-horse-battery")


@pytest.fixture
def other_user(db):
    return user_create(email="stranger@example.org", password="correct-horse-battery")


@pytest.fixture
def admin_user(db):
    return user_create(email="admin@example.org", password="correct-horse-battery", is_admin=True)


def _client_for(user) -> APIClient:
    client = APIClient()
    _, raw = token_create(user=user, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def owner_client(user) -> APIClient:
    return _client_for(user)


@pytest.fixture
def stranger_client(other_user) -> APIClient:
    return _client_for(other_user)


@pytest.fixture
def admin_client_api(admin_user) -> APIClient:
    return _client_for(admin_user)


@pytest.fixture(autouse=True)
def _no_oai_read_ahead(settings):
    """OAI-PMH pages prepared ahead are prepared on another thread, whose database connection does
    not see a test's uncommitted rows: off unless a test turns it on (tests/oaipmh/test_read_ahead.py)."""
    from oaipmh import readahead

    settings.OAI_READ_AHEAD_SECONDS = 0
    readahead.pages.clear()
    yield
    readahead.pages.clear()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache: every test starts with none counted."""
    from django.core.cache import cache

    cache.clear()
