"""Files fixtures: storage locations (a temporary directory, and S3 on a moto server over real
HTTP) and helpers that go through the API's three upload steps."""

from __future__ import annotations

import hashlib
import socket
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from files.conf import files_storages, s3_options
from records import services
from tests.records.conftest import valid_document


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's standalone S3 server on loopback, for the whole test session."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _s3_storage_config(endpoint: str, bucket: str) -> dict:
    options = s3_options(bucket=bucket, endpoint_url=endpoint, region="us-east-1")
    options.update({"access_key": "testing", "secret_key": "testing"})
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A fresh S3 bucket on the moto server, and a boto3 client to look into it."""
    name = f"repono-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=name)
    return name, client


@pytest.fixture
def local_only(settings, tmp_path):
    """Files go to a temporary directory (the "local" location)."""
    settings.STORAGES = {**settings.STORAGES, **files_storages(tmp_path, s3=False)}
    settings.FILES_DEFAULT_LOCATION = "local"
    return tmp_path / "files"


@pytest.fixture(params=["local", "s3"])
def location(request, settings, tmp_path):
    """Run a test once with local storage and once with S3 (moto over HTTP); yields a Stored helper."""
    storages = {**settings.STORAGES, **files_storages(tmp_path, s3=False)}
    stored = Stored(request.param, tmp_path / "files")
    if request.param == "s3":
        name, client = request.getfixturevalue("s3_bucket")
        storages["files-s3"] = _s3_storage_config(client.meta.endpoint_url, name)
        stored.s3 = (name, client)
    settings.STORAGES = storages
    settings.FILES_DEFAULT_LOCATION = request.param
    return stored


class Stored:
    """What lies in a storage location, whatever its kind."""

    def __init__(self, name: str, directory):
        self.name = name
        self.directory = directory
        self.s3 = None

    def names(self) -> list[str]:
        if self.s3 is not None:
            bucket, client = self.s3
            return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))
        if not self.directory.exists():
            return []
        return sorted(str(p.relative_to(self.directory)) for p in self.directory.rglob("*") if p.is_file())


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324


def files_document(**files) -> dict:
    document = valid_document()
    document["files"] = {"enabled": True, **files}
    return document


@pytest.fixture
def draft(user):
    draft, errors = services.draft_create(actor=user, data=files_document())
    assert errors == []
    return draft


def upload(client, draft_id: str, key: str, data: bytes, **headers):
    """The three InvenioRDM steps; returns the commit response."""
    base = f"/api/records/{draft_id}/draft/files"
    response = client.post(base, [{"key": key}], format="json")
    assert response.status_code == 201, response.json()
    response = client.put(f"{base}/{key}/content", data, content_type="application/octet-stream", **headers)
    assert response.status_code == 200, response.json()
    response = client.post(f"{base}/{key}/commit")
    assert response.status_code == 200, response.json()
    return response


def publish(client, draft_id: str):
    return client.post(f"/api/records/{draft_id}/draft/actions/publish")
