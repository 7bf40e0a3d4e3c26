"""API rate limits: anonymous clients by address, signed-in users by account; 429 with Retry-After."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db


def test_default_limits():
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"anon": "500/min", "user": "1000/min"}


def test_limits_answer_429_with_retry_after(monkeypatch, api_client, owner_client):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    statuses = [api_client.get("/api/records").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api_client.get("/api/records")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["status"] == 429
    # A signed-in user has a budget of their own, larger than the anonymous one.
    assert [owner_client.get("/api/records").status_code for _ in range(6)] == [200] * 5 + [429]
