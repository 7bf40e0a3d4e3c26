"""Fixity checks, orphan cleanup and moving files between locations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from files import fixity, maintenance, tasks
from files.conf import files_storages
from files.models import FileInstance
from files.services.uploads import _reserve_upload as reserve_upload
from tests.files.conftest import _s3_storage_config, md5, publish, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(owner_client, draft, local_only, admin_user):
    upload(owner_client, draft.pk, "a.txt", b"alpha")
    upload(owner_client, draft.pk, "b.txt", b"bravo")
    assert publish(owner_client, draft.pk).status_code == 202
    return draft.pk


def path_of(directory, key_bytes: bytes):
    instance = FileInstance.objects.get(checksum=f"md5:{md5(key_bytes)}")
    return directory / instance.uri, instance


def test_corrupted_file_is_detected_by_the_periodic_task_and_admins_are_told(published, local_only):
    path, instance = path_of(local_only, b"alpha")
    path.write_bytes(b"alphx")  # bit rot
    result = tasks.check_fixity()
    assert result == {"checked": 2, "failed": 1}
    instance.refresh_from_db()
    assert instance.last_check is False and "checksum mismatch" in instance.last_check_detail
    assert instance.last_check_at is not None
    good = FileInstance.objects.exclude(pk=instance.pk).get()
    assert good.last_check is True
    [message] = mail.outbox
    assert message.to == ["admin@example.org"]
    assert str(instance.pk) in message.body and f"record {published}" in message.body


def test_missing_file_is_reported_unreadable(published, local_only):
    path, instance = path_of(local_only, b"bravo")
    path.unlink()
    tasks.check_fixity()
    instance.refresh_from_db()
    assert instance.last_check is False and instance.last_check_detail.startswith("unreadable")
    assert len(mail.outbox) == 1


def test_schedule_spreads_the_work_and_covers_every_file_within_the_period(settings, user, local_only):
    import io

    from files import services
    from records import services as record_services
    from tests.files.conftest import files_document

    settings.FILES_FIXITY_PERIOD_DAYS = 1  # 24 hourly runs per period
    draft, _ = record_services.draft_create(actor=user, data=files_document())
    for number in range(48):
        key = f"f{number}.txt"
        services.files_init(actor=user, draft_id=draft.pk, entries=[{"key": key}])
        services.file_upload_content(
            actor=user, draft_id=draft.pk, key=key, stream=io.BytesIO(b"x"), content_length=1
        )
    now = timezone.now()
    # All checked recently, at times spread over the last day: each run takes 48/24 = 2 files.
    for index, instance in enumerate(FileInstance.objects.order_by("created")):
        FileInstance.objects.filter(pk=instance.pk).update(
            last_check_at=now - timedelta(minutes=30 * index + 1)
        )
    due = list(fixity.due_files(now))
    assert len(due) == 2
    oldest = FileInstance.objects.order_by("last_check_at")[:2]
    assert {i.pk for i in due} == {i.pk for i in oldest}
    # A file never checked, or overdue, is always in the run, whatever the slice size.
    FileInstance.objects.filter(pk__in=[i.pk for i in FileInstance.objects.all()[:5]]).update(
        last_check_at=None
    )
    assert len(fixity.due_files(now)) == 5


def test_files_check_command(published, local_only, capsys):
    call_command("files_check", "--all", verbosity=0)
    assert "Checked 2 files, 0 failed." in capsys.readouterr().out
    path, _ = path_of(local_only, b"alpha")
    path.write_bytes(b"ALPHA")
    with pytest.raises(CommandError, match="1 failed"):
        call_command("files_check", "--record", published, verbosity=0)


def test_cleanup_removes_only_unreferenced_files_after_the_grace_period(
    user, owner_client, draft, local_only, settings
):
    from files import services

    upload(owner_client, draft.pk, "kept.txt", b"kept")
    # An upload the server died in the middle of: reserved instance, half a temporary file, no link.
    services.files_init(actor=user, draft_id=draft.pk, entries=[{"key": "cut.bin"}])
    instance, _, _ = reserve_upload(actor=user, draft_id=draft.pk, key="cut.bin", content_length=10)
    half = local_only / f"{instance.uri}.part-crashed"
    half.parent.mkdir(parents=True, exist_ok=True)
    half.write_bytes(b"half")
    entry = owner_client.get(f"/api/records/{draft.pk}/draft/files/cut.bin").json()
    assert entry["status"] == "pending" and "file_id" not in entry  # no visible half file

    assert tasks.cleanup_orphans() == 0  # within the grace period
    later = timezone.now() + timedelta(seconds=settings.FILES_ORPHAN_GRACE_SECONDS + 1)
    assert maintenance.cleanup_orphans(now=later) == 1
    assert not half.exists() and not half.parent.exists()
    assert FileInstance.objects.count() == 1
    kept = FileInstance.objects.get()
    assert (local_only / kept.uri).read_bytes() == b"kept"
    # the upload can be retried
    response = owner_client.put(
        f"/api/records/{draft.pk}/draft/files/cut.bin/content",
        b"0123456789",
        content_type="application/octet-stream",
    )
    assert response.status_code == 200


def test_files_migrate_moves_everything_to_s3_and_downloads_still_work(
    published, settings, tmp_path, s3_bucket, api_client, capsys
):
    name, client = s3_bucket
    settings.STORAGES = {
        **settings.STORAGES,
        **files_storages(tmp_path, s3=False),
        "files-s3": _s3_storage_config(client.meta.endpoint_url, name),
    }
    call_command("files_migrate", "--to", "s3", verbosity=0)
    assert "Moved 2 files to s3; 0 failed." in capsys.readouterr().out
    assert set(FileInstance.objects.values_list("location", flat=True)) == {"s3"}
    stored = client.list_objects_v2(Bucket=name)["Contents"]
    assert len(stored) == 2
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []
    response = api_client.get(f"/api/records/{published}/files/a.txt/content")
    assert b"".join(response.streaming_content) == b"alpha"
    call_command("files_migrate", "--to", "s3", verbosity=0)
    assert "Moved 0 files" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Unknown location"):
        call_command("files_migrate", "--to", "tape", verbosity=0)


def test_migration_that_does_not_verify_keeps_the_file_where_it_was(
    published, local_only, settings, tmp_path
):
    path, instance = path_of(local_only, b"alpha")
    path.write_bytes(b"alphx")
    other = tmp_path / "other"
    settings.STORAGES = {
        **settings.STORAGES,
        "files-other": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(other)},
        },
    }
    with pytest.raises(maintenance.MigrationFailed):
        maintenance.migrate_instance(instance, "other")
    instance.refresh_from_db()
    assert instance.location == "local" and path.exists()
    assert [p for p in other.rglob("*") if p.is_file()] == []


def test_admin_lists_files_with_integrity_filter(published, local_only, admin_user, client):
    client.force_login(admin_user)
    path, instance = path_of(local_only, b"alpha")
    path.write_bytes(b"alphx")
    tasks.check_fixity()
    response = client.get("/admin/files/fileinstance/?integrity=failed")
    assert response.status_code == 200
    html = response.content.decode()
    assert str(instance.pk) in html and "checksum mismatch" in html
    assert str(FileInstance.objects.exclude(pk=instance.pk).get().pk) not in html
    assert client.get("/admin/files/bucket/").status_code == 200


def test_fixity_detects_corruption_on_every_location(owner_client, draft, location, admin_user):
    upload(owner_client, draft.pk, "a.txt", b"alpha")
    instance = FileInstance.objects.get()
    if location.s3:
        bucket, client = location.s3
        client.put_object(Bucket=bucket, Key=instance.uri, Body=b"alphx")
    else:
        (location.directory / instance.uri).write_bytes(b"alphx")
    assert tasks.check_fixity() == {"checked": 1, "failed": 1}
    instance.refresh_from_db()
    assert instance.last_check is False and "mismatch" in instance.last_check_detail
    assert len(mail.outbox) == 1


def test_a_file_that_failed_its_fixity_check_is_withheld_until_restored(
    published, local_only, api_client, client
):
    path, instance = path_of(local_only, b"alpha")
    path.write_bytes(b"alphx")  # bit rot on disk
    url = f"/api/records/{published}/files/a.txt/content"
    assert b"".join(api_client.get(url).streaming_content) == b"alphx"  # not checked yet
    assert tasks.check_fixity() == {"checked": 2, "failed": 1}
    response = api_client.get(url)
    assert response.status_code == 503
    message = response.json()["message"]
    assert "integrity check" in message and f"md5:{md5(b'alpha')}" in message
    assert api_client.get(url, HTTP_RANGE="bytes=0-1").status_code == 503
    assert api_client.get(f"/api/records/{published}/files-archive").status_code == 503
    assert api_client.get(f"/api/records/{published}/files/b.txt/content").status_code == 200
    entries = {e["key"]: e for e in api_client.get(f"/api/records/{published}/files").json()["entries"]}
    assert entries["a.txt"]["integrity"] == "failed" and "integrity" not in entries["b.txt"]
    record = api_client.get(f"/api/records/{published}").json()
    assert record["files"]["entries"]["a.txt"]["integrity"] == "failed"
    page = client.get(f"/records/{published}").content.decode()
    assert "Withheld: the stored copy failed its integrity check" in page
    assert f"/api/records/{published}/files/b.txt/content" in page
    assert f"/api/records/{published}/files/a.txt/content" not in page
    assert len(mail.outbox) == 1  # admins were told by the check

    path.write_bytes(b"alpha")  # an administrator restores the bytes from a backup
    call_command("files_check", "--record", published, verbosity=0)
    response = api_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"alpha"
    assert "integrity" not in api_client.get(f"/api/records/{published}/files/a.txt").json()


def _plant(location, name: str, data: bytes = b"lost") -> None:
    """Put bytes straight into the location, as a crash or a careless restore would leave them."""
    if location.s3:
        bucket, client = location.s3
        client.put_object(Bucket=bucket, Key=name, Body=data)
    else:
        path = location.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_storage_scan_removes_only_row_less_files_past_the_grace_period(
    user, owner_client, draft, location, settings
):
    from files import services

    upload(owner_client, draft.pk, "kept.txt", b"kept")
    kept = FileInstance.objects.get()
    # an upload in progress: its row exists, its bytes are still a temporary file
    services.files_init(actor=user, draft_id=draft.pk, entries=[{"key": "busy.bin"}])
    busy, _, _ = reserve_upload(actor=user, draft_id=draft.pk, key="busy.bin", content_length=10)
    _plant(location, f"{busy.uri}.part-{'0' * 32}", b"half")
    lost = "ab/cd/abcd" + "1" * 28
    _plant(location, f"{lost}/data")
    _plant(location, f"{lost}/part-00002")
    _plant(location, f"{lost}/data.part-{'f' * 32}")
    _plant(location, "someone-elses/notes.txt")  # not a name we create: never ours to remove
    before = location.names()

    assert maintenance.scan_storage(location.name).removed == []  # all within the grace period
    if location.s3:  # (after that scan: moto dates every multipart upload in 2010)
        bucket, client = location.s3
        client.create_multipart_upload(Bucket=bucket, Key=f"ef/01/ef01{'2' * 28}/data")
    later = timezone.now() + timedelta(seconds=settings.FILES_ORPHAN_GRACE_SECONDS + 1)
    dry = maintenance.scan_storage(location.name, now=later, dry_run=True)
    assert sorted(dry.removed)[:3] == sorted(
        [f"{lost}/data", f"{lost}/data.part-{'f' * 32}", f"{lost}/part-00002"]
    )
    assert location.names() == before

    report = maintenance.scan_storage(location.name, now=later)
    assert report.foreign == 1
    after = location.names()
    assert after == sorted([kept.uri, f"{busy.uri}.part-{'0' * 32}", "someone-elses/notes.txt"])
    if location.s3:
        assert f"ef/01/ef01{'2' * 28}/data" in report.removed
        assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    else:
        assert not (location.directory / lost).exists()  # the empty directories went too
        assert not (location.directory / "ab").exists()
    response = owner_client.get(f"/api/records/{draft.pk}/draft/files/kept.txt/content")
    assert b"".join(response.streaming_content) == b"kept"


def test_cleanup_task_and_files_scan_command_remove_row_less_files(
    owner_client, draft, location, settings, capsys
):
    upload(owner_client, draft.pk, "kept.txt", b"kept")
    kept = FileInstance.objects.get()
    lost = f"12/34/1234{'5' * 28}/data"
    _plant(location, lost)
    settings.FILES_ORPHAN_GRACE_SECONDS = 0

    call_command("files_scan", "--dry-run", "--location", location.name, verbosity=0)
    out = capsys.readouterr().out
    assert f"{location.name}: would remove {lost}" in out and "would remove 1 without a row" in out
    assert lost in location.names()

    with pytest.raises(CommandError, match="Unknown location nowhere"):
        call_command("files_scan", "--location", "nowhere", verbosity=0)

    assert tasks.cleanup_orphans() == 1
    assert location.names() == [kept.uri]
    assert FileInstance.objects.get() == kept
