"""Downloads: headers, safe dispositions, ranges and conditional requests."""

from __future__ import annotations

import pytest

from tests.files.conftest import md5, publish, upload

pytestmark = pytest.mark.django_db

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def published(owner_client, draft, location):
    upload(owner_client, draft.pk, "data.bin", DATA)
    upload(owner_client, draft.pk, "notes.txt", b"plain notes")
    upload(owner_client, draft.pk, "page.html", b"<script>alert(document.cookie)</script>")
    upload(owner_client, draft.pk, "logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>")
    assert publish(owner_client, draft.pk).status_code == 202
    return draft.pk


def content(client, record_id, key, **headers):
    return client.get(f"/api/records/{record_id}/files/{key}/content", **headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_full_download_headers(api_client, published):
    response = content(api_client, published, "data.bin")
    assert response.status_code == 200 and body(response) == DATA
    assert response["Content-Length"] == str(len(DATA))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["ETag"] == f'"{md5(DATA)}"'
    assert response["Content-MD5"]
    assert response["Digest"].startswith("md5=")
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"] == 'attachment; filename="data.bin"'


def test_safe_types_inline_and_download_forces_attachment(api_client, published):
    response = content(api_client, published, "notes.txt")
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'inline; filename="notes.txt"'
    forced = api_client.get(f"/api/records/{published}/files/notes.txt/content?download=1")
    assert forced["Content-Disposition"] == 'attachment; filename="notes.txt"'


@pytest.mark.parametrize("key", ["page.html", "logo.svg"])
def test_active_content_is_never_inline(api_client, published, key):
    response = content(api_client, published, key)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-40", 10200, 10239),
        ("bytes=10230-99999", 10230, 10239),
    ],
)
def test_range_requests(api_client, published, header, start, end):
    response = content(api_client, published, "data.bin", HTTP_RANGE=header)
    assert response.status_code == 206
    assert body(response) == DATA[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)


def test_resuming_clients_get_the_whole_file_in_pieces(api_client, published):
    pieces = [
        body(content(api_client, published, "data.bin", HTTP_RANGE=f"bytes={i}-{i + 999}"))
        for i in range(0, len(DATA), 1000)
    ]
    assert b"".join(pieces) == DATA


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=50-10", "bytes=-0", "items=0-1", "bytes=x-y"])
def test_unsatisfiable_ranges_are_416(api_client, published, header):
    response = content(api_client, published, "data.bin", HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


def byteranges(response) -> list[tuple[str, bytes]]:
    """(Content-Range, bytes) of each part of a multipart/byteranges response, checked on the way."""
    content_type = response["Content-Type"]
    assert content_type.startswith("multipart/byteranges; boundary=")
    boundary = content_type.split("boundary=", 1)[1].encode()
    data = body(response)
    assert len(data) == int(response["Content-Length"])
    assert data.endswith(b"\r\n--" + boundary + b"--\r\n")
    parts = []
    for chunk in data.split(b"\r\n--" + boundary)[1:-1]:
        head, payload = chunk.split(b"\r\n\r\n", 1)
        headers = dict(line.split(": ", 1) for line in head.decode().strip().split("\r\n"))
        assert headers["Content-Type"] == "application/octet-stream"
        parts.append((headers["Content-Range"], payload))
    return parts


def test_several_ranges_answer_multipart_byteranges(api_client, published):
    response = content(api_client, published, "data.bin", HTTP_RANGE="bytes=0-9, 20-29,-5")
    assert response.status_code == 206
    assert byteranges(response) == [
        (f"bytes 0-9/{len(DATA)}", DATA[0:10]),
        (f"bytes 20-29/{len(DATA)}", DATA[20:30]),
        (f"bytes 10235-10239/{len(DATA)}", DATA[-5:]),
    ]
    assert response["ETag"] == f'"{md5(DATA)}"'


def test_overlapping_ranges_are_coalesced(api_client, published):
    response = content(api_client, published, "data.bin", HTTP_RANGE="bytes=50-99,0-9,5-19,20-29")
    assert byteranges(response) == [
        (f"bytes 0-29/{len(DATA)}", DATA[0:30]),
        (f"bytes 50-99/{len(DATA)}", DATA[50:100]),
    ]
    single = content(api_client, published, "data.bin", HTTP_RANGE="bytes=0-9,10-19,5-30")
    assert single.status_code == 206 and single["Content-Range"] == f"bytes 0-30/{len(DATA)}"
    assert body(single) == DATA[:31]


def test_ranges_outside_the_file_are_dropped_and_none_left_is_416(api_client, published):
    response = content(api_client, published, "data.bin", HTTP_RANGE="bytes=0-9,99999-")
    assert response.status_code == 206 and body(response) == DATA[:10]
    assert response["Content-Range"] == f"bytes 0-9/{len(DATA)}"
    response = content(api_client, published, "data.bin", HTTP_RANGE="bytes=99999-,20000-20001")
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{len(DATA)}"
    response = content(api_client, published, "data.bin", HTTP_RANGE="bytes=0-9,x-1")
    assert response.status_code == 416


def test_too_many_or_too_costly_ranges_get_the_whole_file(api_client, published):
    many = ",".join(f"{i * 100}-{i * 100 + 9}" for i in range(17))
    response = content(api_client, published, "data.bin", HTTP_RANGE=f"bytes={many}")
    assert response.status_code == 200 and body(response) == DATA
    costly = content(api_client, published, "data.bin", HTTP_RANGE="bytes=0-5000,5100-")
    assert costly.status_code == 200 and body(costly) == DATA


def test_conditional_requests(api_client, published):
    etag = content(api_client, published, "data.bin")["ETag"]
    response = content(api_client, published, "data.bin", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response["ETag"] == etag
    response = content(api_client, published, "data.bin", HTTP_IF_NONE_MATCH='"other"')
    assert response.status_code == 200
    stale = content(api_client, published, "data.bin", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"stale"')
    assert stale.status_code == 200 and body(stale) == DATA
    fresh = content(api_client, published, "data.bin", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert fresh.status_code == 206 and body(fresh) == DATA[:10]


def test_unknown_file_is_404(api_client, published):
    assert content(api_client, published, "nope.txt").status_code == 404
    assert api_client.get(f"/api/records/{published}/files/nope.txt").status_code == 404


def test_files_archive_streams_a_zip_of_every_file(api_client, published):
    import io
    import zipfile

    response = api_client.get(f"/api/records/{published}/files-archive")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{published}.zip"'
    data = b"".join(response.streaming_content)
    assert len(data) == int(response["Content-Length"])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["data.bin", "logo.svg", "notes.txt", "page.html"]
        assert archive.read("data.bin") == DATA
        assert archive.testzip() is None


def test_files_archive_respects_access(stranger_client, api_client, user, owner_client, local_only):
    from records import services as record_services
    from tests.files.conftest import files_document

    document = files_document()
    document["access"] = {"record": "public", "files": "restricted"}
    draft, _ = record_services.draft_create(actor=user, data=document)
    upload(owner_client, draft.pk, "a.txt", b"a")
    publish(owner_client, draft.pk)
    assert stranger_client.get(f"/api/records/{draft.pk}/files-archive").status_code == 403
    assert api_client.get("/api/records/nope0-nope0/files-archive").status_code == 404
    assert owner_client.get(f"/api/records/{draft.pk}/files-archive").status_code == 200


def test_s3_downloads_can_redirect_to_a_short_lived_presigned_url(api_client, published, location, settings):
    import urllib.request

    settings.FILES_S3_PRESIGNED_DOWNLOADS = True
    response = content(api_client, published, "data.bin")
    if location.name == "local":
        assert response.status_code == 200  # nothing to presign on local disk
        return
    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Expires=60" in url or "Expires=" in url
    with urllib.request.urlopen(url, timeout=10) as direct:  # noqa: S310 (the moto server on loopback)
        assert direct.read() == DATA
        assert direct.headers["Content-Disposition"].startswith("attachment")
    ranged = content(api_client, published, "data.bin", HTTP_RANGE="bytes=0-9")
    assert ranged.status_code == 206  # ranges are still answered by us


def test_local_downloads_can_be_handed_to_the_web_server(api_client, published, location, settings):
    settings.FILES_X_ACCEL_REDIRECT = "/protected-files/"
    response = content(api_client, published, "notes.txt")
    if location.name == "s3":
        assert response.status_code == 200 and body(response) == b"plain notes"
        return
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"].startswith("/protected-files/")
    assert response["Content-Disposition"] == 'inline; filename="notes.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
