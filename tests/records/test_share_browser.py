"""The share page in a real browser: the owner shares with a colleague, makes a secret link,
an anonymous visitor opens the record with it, then the owner revokes it."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from accounts.services import user_create
from records.permissions import record_policy
from tests.records.access_helpers import publish, restricted_document
from tests.records.test_browser import WAIT_SECONDS, browser, log_in  # noqa: F401 (the fixture)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_owner_shares_makes_a_link_and_revokes_it(browser, live_server, user, tmp_path):  # noqa: F811
    colleague = user_create(
        email="colleague@example.org", password="correct-horse-battery", full_name="Cora Lee"
    )
    record = publish(user, restricted_document())
    wait = WebDriverWait(browser, WAIT_SECONDS)
    log_in(browser, live_server, user)

    browser.get(f"{live_server.url}/records/{record.pk}")
    browser.find_element(By.LINK_TEXT, "Share").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "people-heading")))
    assert browser.current_url == f"{live_server.url}/records/{record.pk}/share"

    browser.find_element(By.ID, "find").send_keys("Cora")
    browser.find_element(By.CSS_SELECTOR, "main form[role=search] button").click()
    found = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "ul.found li form")))
    Select(found.find_element(By.NAME, "permission")).select_by_value("preview")
    found.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    row = wait.until(
        expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, f'tr.grant[data-subject="user:{colleague.pk}"]')
        )
    )
    assert "Cora Lee" in row.text
    assert Select(row.find_element(By.NAME, "permission")).first_selected_option.text == "preview"
    assert record_policy.can(colleague, "read", record)

    Select(browser.find_element(By.ID, "link-permission")).select_by_value("view")
    browser.find_element(By.ID, "link-description").send_keys("For the reviewers")
    browser.find_element(By.CSS_SELECTOR, "form.create-link button").click()
    url = wait.until(expected_conditions.presence_of_element_located((By.ID, "new-link-url"))).get_attribute(
        "value"
    )
    assert url.startswith(f"{live_server.url}/records/{record.pk}?token=")
    assert browser.save_screenshot(str(tmp_path / "share.png"))

    browser.delete_all_cookies()  # now an anonymous visitor with the link
    browser.get(f"{live_server.url}/records/{record.pk}")
    assert "Page not found" in browser.find_element(By.TAG_NAME, "main").text
    browser.get(url)
    assert wait.until(expected_conditions.presence_of_element_located((By.ID, "record-title"))).text

    log_in(browser, live_server, user)
    browser.get(f"{live_server.url}/records/{record.pk}/share")
    browser.find_element(By.CSS_SELECTOR, "tr.secret-link form button").click()
    wait.until(expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "main"), "Link revoked"))
    assert not browser.find_elements(By.CSS_SELECTOR, "tr.secret-link")
    browser.delete_all_cookies()
    browser.get(url)
    assert "Page not found" in browser.find_element(By.TAG_NAME, "main").text
