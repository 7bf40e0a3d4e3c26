"""Pages in a real browser: headless Chromium driven by selenium against a live server.

Needs Debian's ``chromium`` and ``chromium-driver`` (or CHROMIUM_BINARY / CHROMEDRIVER
pointing at them). Missing browsers fail the test: CI installs them, so a skip
would only hide a broken setup.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.records.conftest import publish, valid_document

CHROMIUM_ARGUMENTS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)
WAIT_SECONDS = 15


def _executable(variable: str, *names: str) -> str | None:
    return os.environ.get(variable) or next(filter(None, map(shutil.which, names)), None)


@pytest.fixture
def browser(tmp_path):
    chromium = _executable("CHROMIUM_BINARY", "chromium", "chromium-browser")
    chromedriver = _executable("CHROMEDRIVER", "chromedriver")
    if not chromium or not chromedriver:
        pytest.fail(
            "Browser tests need Chromium and chromedriver: install the Debian packages `chromium` and "
            "`chromium-driver`, or set CHROMIUM_BINARY and CHROMEDRIVER."
        )
    options = Options()
    options.binary_location = chromium
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    yield driver
    driver.quit()


def log_in(browser, live_server, user, path: str = "/") -> None:
    """Sign USER in to the BROWSER with a session made by the test client (no login form)."""
    client = Client()
    client.force_login(user)
    browser.get(f"{live_server.url}{path}")  # a page of the site, so the cookie has its domain
    browser.add_cookie(
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "path": "/",
        }
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_search_from_home_and_open_the_landing_page(browser, live_server, user, tmp_path):
    glacier = publish(user, valid_document(title="Glacier mass balance of the Alps"))
    publish(user, valid_document(title="Seismic records of Mount Etna"))
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server.url}/")
    assert "Seismic records of Mount Etna" in browser.find_element(By.TAG_NAME, "main").text
    search_box = browser.find_element(By.ID, "home-q")
    search_box.send_keys("glacier")
    browser.find_element(By.CSS_SELECTOR, "main form[role=search] button[type=submit]").click()

    summary = wait.until(expected_conditions.presence_of_element_located((By.CLASS_NAME, "results-summary")))
    assert summary.text == "1 result for “glacier”"
    results = browser.find_element(By.CSS_SELECTOR, "ol.results").text
    assert "Glacier mass balance of the Alps" in results
    assert "Mount Etna" not in results
    assert browser.save_screenshot(str(tmp_path / "search.png"))

    browser.find_element(By.LINK_TEXT, "Glacier mass balance of the Alps").click()
    heading = wait.until(expected_conditions.presence_of_element_located((By.ID, "record-title")))
    assert heading.text == "Glacier mass balance of the Alps"
    assert browser.current_url == f"{live_server.url}/records/{glacier.pk}"
    assert browser.find_element(By.CSS_SELECTOR, "a.orcid").get_attribute("href") == (
        "https://orcid.org/0000-0002-1825-0097"
    )
    assert browser.save_screenshot(str(tmp_path / "landing.png"))
