"""A client that goes away in the middle of an upload, against a real HTTP server."""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit

import pytest
from django.core.signals import request_finished

from accounts.services import token_create, user_create
from files.models import FileInstance, ObjectVersion
from records import services as record_services
from tests.files.conftest import files_document


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_client_disconnecting_mid_body_leaves_no_file_and_the_upload_can_be_retried(live_server, local_only):
    user = user_create(email="uploader@example.org", password="correct-horse-battery")
    _, token = token_create(user=user, name="live")
    draft, _ = record_services.draft_create(actor=user, data=files_document())
    from files import services

    services.files_init(actor=user, draft_id=draft.pk, entries=[{"key": "big.bin"}])
    finished = threading.Event()

    def on_finished(**kwargs):
        finished.set()

    request_finished.connect(on_finished, dispatch_uid="test-live-upload")
    url = urlsplit(live_server.url)
    path = f"/api/records/{draft.pk}/draft/files/big.bin/content"
    try:
        with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
            sock.sendall(
                (
                    f"PUT {path} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: Bearer {token}\r\n"
                    "Content-Type: application/octet-stream\r\nContent-Length: 4000000\r\n\r\n"
                ).encode()
            )
            sock.sendall(b"x" * 1_500_000)  # then the client dies
        assert finished.wait(20), "the server never finished the request"
    finally:
        request_finished.disconnect(dispatch_uid="test-live-upload")
    obj = ObjectVersion.objects.get(key="big.bin")
    assert obj.status == "pending" and obj.file_id is None
    assert not FileInstance.objects.exists()
    assert not local_only.exists() or [p for p in local_only.rglob("*") if p.is_file()] == []

    import urllib.request

    request = urllib.request.Request(  # noqa: S310 (loopback test server)
        f"{live_server.url}{path}",
        data=b"y" * 4_000_000,
        method="PUT",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
    obj.refresh_from_db()
    assert obj.file.size == 4_000_000


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_chunked_body_is_411_on_a_server_that_does_not_delimit_it(live_server, local_only):
    """Django's development server passes no end of a chunked body: the upload is refused, not guessed."""
    import http.client

    user = user_create(email="chunky@example.org", password="correct-horse-battery")
    _, token = token_create(user=user, name="live")
    draft, _ = record_services.draft_create(actor=user, data=files_document())
    from files import services

    services.files_init(actor=user, draft_id=draft.pk, entries=[{"key": "c.bin"}])
    url = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    connection.request(
        "PUT",
        f"/api/records/{draft.pk}/draft/files/c.bin/content",
        body=iter([b"x" * 1000]),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    assert response.status == 411
    assert b"Content-Length" in response.read()
    connection.close()
    assert not FileInstance.objects.exists()
    assert ObjectVersion.objects.get(key="c.bin").status == "pending"
