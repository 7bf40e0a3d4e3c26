"""Limits and quotas: enforced before storing when the size is known, and while streaming."""

from __future__ import annotations

import io

import pytest

from files import services
from files.exceptions import LengthRequired, PayloadTooLarge
from files.models import FileInstance
from tests.files.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings, local_only):
    settings.FILES_MAX_FILE_SIZE = 100
    settings.FILES_MAX_RECORD_SIZE = 150
    settings.FILES_MAX_FILES = 3
    return local_only


def base(draft_id: str) -> str:
    return f"/api/records/{draft_id}/draft/files"


def stored(directory) -> list:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


def test_defaults_are_ten_times_invenio(settings):
    assert settings.FILES_MAX_FILE_SIZE == 50 * 1000**3
    assert settings.FILES_MAX_RECORD_SIZE == 50 * 1000**3
    assert settings.FILES_MAX_FILES == 1000


def test_init_size_over_the_file_limit_is_400(owner_client, draft, small_limits):
    response = owner_client.post(base(draft.pk), [{"key": "a", "size": 101}], format="json")
    assert response.status_code == 400
    assert "file size limit (100 bytes)" in response.json()["errors"][0]["messages"][0]


def test_init_sizes_over_the_quota_are_400(owner_client, draft, small_limits):
    response = owner_client.post(
        base(draft.pk), [{"key": "a", "size": 80}, {"key": "b", "size": 80}], format="json"
    )
    assert response.status_code == 400
    assert "quota (150 bytes)" in response.json()["errors"][0]["messages"][0]


def test_too_many_files_is_400(owner_client, draft, small_limits):
    assert owner_client.post(base(draft.pk), [{"key": k} for k in "abc"], format="json").status_code == 201
    response = owner_client.post(base(draft.pk), [{"key": "d"}], format="json")
    assert response.status_code == 400 and "1000" not in response.json()["message"]
    assert "limit is 3 files" in response.json()["message"]


def test_content_length_over_the_file_limit_is_413_before_storing(owner_client, draft, small_limits):
    owner_client.post(base(draft.pk), [{"key": "a"}], format="json")
    response = owner_client.put(
        f"{base(draft.pk)}/a/content", b"x" * 101, content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert "file size limit (100 bytes)" in response.json()["message"]
    assert stored(small_limits) == [] and not FileInstance.objects.exists()


def test_content_over_the_remaining_quota_is_413(owner_client, draft, small_limits):
    upload(owner_client, draft.pk, "a", b"x" * 100)
    owner_client.post(base(draft.pk), [{"key": "b"}], format="json")
    response = owner_client.put(
        f"{base(draft.pk)}/b/content", b"x" * 60, content_type="application/octet-stream"
    )
    assert response.status_code == 413 and "quota (150 bytes)" in response.json()["message"]
    assert len(stored(small_limits)) == 1


def test_content_length_must_match_the_init_size(owner_client, draft, small_limits):
    owner_client.post(base(draft.pk), [{"key": "a", "size": 10}], format="json")
    response = owner_client.put(
        f"{base(draft.pk)}/a/content", b"x" * 11, content_type="application/octet-stream"
    )
    assert response.status_code == 400 and "announced at init (10)" in response.json()["message"]


def test_a_stream_longer_than_the_limit_is_cut_off_while_streaming(user, draft, small_limits):
    """A body whose real length exceeds the limit is stopped at the limit, and nothing is kept."""
    services.files_init(actor=user, draft_id=draft.pk, entries=[{"key": "a"}])
    reader_limit_test = io.BytesIO(b"x" * 500)
    with pytest.raises(PayloadTooLarge, match="100 bytes"):
        # content_length as a lying client would send it: the server trusts only what it counts
        services.file_upload_content(
            actor=user, draft_id=draft.pk, key="a", stream=_Lying(reader_limit_test), content_length=90
        )
    assert stored(small_limits) == [] and not FileInstance.objects.exists()


class _Lying:
    """A stream that returns more bytes than asked for (a broken or hostile WSGI input)."""

    def __init__(self, source):
        self.source = source

    def read(self, size=-1):
        return self.source.read(max(size, 0) + 200)


def test_missing_content_length_is_411(user, draft, small_limits):
    services.files_init(actor=user, draft_id=draft.pk, entries=[{"key": "a"}])
    with pytest.raises(LengthRequired) as excinfo:
        services.file_upload_content(
            actor=user, draft_id=draft.pk, key="a", stream=io.BytesIO(b"x"), content_length=None
        )
    assert excinfo.value.status == 411


class TestQuotaEndpoint:
    def test_admin_raises_a_records_quota(self, owner_client, admin_client_api, draft, small_limits):
        owner_client.post(base(draft.pk), [{"key": "a"}], format="json")
        big = b"x" * 120
        put = owner_client.put(f"{base(draft.pk)}/a/content", big, content_type="application/octet-stream")
        assert put.status_code == 413
        response = admin_client_api.post(
            f"/api/records/{draft.pk}/quota",
            {"quota_size": 1000, "max_file_size": 500, "notes": "big data"},
            format="json",
        )
        assert response.status_code == 200
        assert response.json() == {"quota_size": 1000, "max_file_size": 500, "notes": "big data"}
        put = owner_client.put(f"{base(draft.pk)}/a/content", big, content_type="application/octet-stream")
        assert put.status_code == 200

    def test_quota_carries_over_to_the_next_version(
        self, owner_client, admin_client_api, draft, small_limits
    ):
        admin_client_api.post(
            f"/api/records/{draft.pk}/quota", {"quota_size": 1000, "max_file_size": 500}, format="json"
        )
        upload(owner_client, draft.pk, "a", b"x" * 120)
        owner_client.post(f"/api/records/{draft.pk}/draft/actions/publish")
        new = owner_client.post(f"/api/records/{draft.pk}/versions").json()
        owner_client.post(base(new["id"]), [{"key": "b"}], format="json")
        put = owner_client.put(
            f"{base(new['id'])}/b/content", b"y" * 300, content_type="application/octet-stream"
        )
        assert put.status_code == 200

    def test_only_admins(self, owner_client, stranger_client, api_client, draft, small_limits):
        body = {"quota_size": 1000, "max_file_size": 500}
        assert owner_client.post(f"/api/records/{draft.pk}/quota", body, format="json").status_code == 403
        assert stranger_client.post(f"/api/records/{draft.pk}/quota", body, format="json").status_code == 404
        assert api_client.post(f"/api/records/{draft.pk}/quota", body, format="json").status_code == 401

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"quota_size": 0, "max_file_size": 1},
            {"quota_size": "1", "max_file_size": 1},
            {"quota_size": 10, "max_file_size": 20},
            {"quota_size": 10**30, "max_file_size": 20},
        ],
    )
    def test_bad_values_are_400(self, admin_client_api, draft, body):
        assert admin_client_api.post(f"/api/records/{draft.pk}/quota", body, format="json").status_code == 400


class TestUserQuota:
    def test_admin_raises_a_users_quota_for_new_and_open_drafts(
        self, user, owner_client, admin_client_api, draft, small_limits
    ):
        owner_client.post(base(draft.pk), [{"key": "a"}], format="json")  # the draft's bucket exists
        body = {"quota_size": 1000, "max_file_size": 500}
        response = admin_client_api.post(f"/api/users/{user.pk}/quota", body, format="json")
        assert response.status_code == 200 and response.json()["quota_size"] == 1000
        big = b"x" * 300
        put = owner_client.put(f"{base(draft.pk)}/a/content", big, content_type="application/octet-stream")
        assert put.status_code == 200
        other = owner_client.post("/api/records", {"files": {"enabled": True}}, format="json").json()
        owner_client.post(base(other["id"]), [{"key": "b"}], format="json")
        put = owner_client.put(f"{base(other['id'])}/b/content", big, content_type="application/octet-stream")
        assert put.status_code == 200

    def test_only_admins_and_known_users(self, user, owner_client, admin_client_api):
        body = {"quota_size": 1000, "max_file_size": 500}
        assert owner_client.post(f"/api/users/{user.pk}/quota", body, format="json").status_code == 403
        assert admin_client_api.post("/api/users/999999/quota", body, format="json").status_code == 404
        assert admin_client_api.post(f"/api/users/{user.pk}/quota", {}, format="json").status_code == 400
