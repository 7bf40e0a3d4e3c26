"""The deposit page's files section: server-rendered list, and uploading and publishing in Chromium."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from files import services as file_services
from records import services as record_services
from records.models import Record
from tests.files.conftest import files_document, upload
from tests.records.test_browser import WAIT_SECONDS, browser, log_in  # noqa: F401 (the fixture)

CSV = b"a,b\n1,2\n"


@pytest.mark.django_db
def test_deposit_page_lists_the_drafts_files_with_status_for_its_editor(
    client, user, other_user, owner_client, draft, local_only
):
    upload(owner_client, draft.pk, "done.csv", CSV)
    file_services.files_init(actor=user, draft_id=draft.pk, entries=[{"key": "<i>later.bin", "size": 2048}])
    client.force_login(user)
    html = client.get(f"/uploads/{draft.pk}").content.decode()
    assert 'id="file-upload-form"' in html and "files/deposit.js" in html
    assert "done.csv" in html and f"md5:{hashlib.md5(CSV).hexdigest()}" in html  # noqa: S324
    assert "completed" in html and "pending" in html and "2.0\xa0KB" in html
    assert "&lt;i&gt;later.bin" in html and "<i>later" not in html
    noscript = html.split("<noscript>", 1)[1].split("</noscript>", 1)[0]  # what to do without JavaScript
    assert "need JavaScript" in noscript and f"POST /api/records/{draft.pk}/draft/files" in noscript
    client.force_login(other_user)
    assert client.get(f"/uploads/{draft.pk}").status_code == 404


@pytest.mark.django_db
def test_metadata_only_draft_offers_no_upload(client, user, local_only):
    draft, _ = record_services.draft_create(actor=user, data=files_document(enabled=False))
    client.force_login(user)
    html = client.get(f"/uploads/{draft.pk}").content.decode()
    assert "Files are disabled for this draft" in html and 'id="file-upload-form"' not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_delete_and_publish_in_the_browser(browser, live_server, user, local_only, tmp_path):  # noqa: F811
    draft, _ = record_services.draft_create(actor=user, data=files_document())
    data = bytes(range(256)) * 4096  # 1 MiB
    keep, drop = tmp_path / "survey.bin", tmp_path / "mistake.txt"
    keep.write_bytes(data)
    drop.write_bytes(b"wrong file")
    wait = WebDriverWait(browser, WAIT_SECONDS)
    log_in(browser, live_server, user, "/account/login")

    browser.get(f"{live_server.url}/uploads/{draft.pk}")
    form = wait.until(expected_conditions.visibility_of_element_located((By.ID, "file-upload-form")))
    form.find_element(By.ID, "file-input").send_keys(f"{keep}\n{drop}")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(
        expected_conditions.text_to_be_present_in_element((By.ID, "deposit-status"), "Upload finished.")
    )
    progress = browser.find_elements(By.CSS_SELECTOR, "#upload-progress li.upload-done progress")
    assert [bar.get_attribute("value") for bar in progress] == ["1", "1"]
    rows = {
        row.get_attribute("data-key"): row.text
        for row in browser.find_elements(By.CSS_SELECTOR, "#draft-files tbody tr")
    }
    assert set(rows) == {"survey.bin", "mistake.txt"}
    assert f"md5:{hashlib.md5(data).hexdigest()}" in rows["survey.bin"] and "completed" in rows["survey.bin"]  # noqa: S324

    browser.find_element(By.CSS_SELECTOR, ".file-delete[data-key='mistake.txt']").click()
    wait.until(
        expected_conditions.text_to_be_present_in_element((By.ID, "deposit-status"), "Deleted mistake.txt.")
    )
    assert [
        r.get_attribute("data-key") for r in browser.find_elements(By.CSS_SELECTOR, "#draft-files tbody tr")
    ] == ["survey.bin"]

    browser.find_element(By.ID, "publish-draft").click()
    wait.until(expected_conditions.url_to_be(f"{live_server.url}/records/{draft.pk}"))
    files = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "table.file-list")))
    assert "survey.bin" in files.text and "mistake.txt" not in files.text
    record = Record.objects.get(pk=draft.pk)
    response = Client().get(f"/api/records/{record.pk}/files/survey.bin/content")
    assert b"".join(response.streaming_content) == data
