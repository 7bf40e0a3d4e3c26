"""The curator's conversation page in a real browser: comment, accept, see the timeline."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from communities.models import Membership
from tests.communities.factories import make_community, make_request, new_user
from tests.records.test_browser import WAIT_SECONDS, browser, log_in  # noqa: F401 (the fixture)
from workflows.services import request_act


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_curator_comments_and_accepts_in_the_inbox(browser, live_server):  # noqa: F811
    owner, joiner = new_user("owner"), new_user("joiner", full_name="Jo Iner")
    community = make_community(owner, slug="lab", title="Ocean Lab")
    request, _, _ = make_request(
        "community-membership-request", community=community, creator_user=joiner, member_user=joiner
    )
    request.title = "Let me in"
    request.save(update_fields=["title"])
    request_act(actor=joiner, request_id=request.pk, action="submit", comment="<p>I study waves</p>")
    wait = WebDriverWait(browser, WAIT_SECONDS)
    log_in(browser, live_server, owner, "/communities")

    browser.get(f"{live_server.url}/communities/lab/requests")
    browser.find_element(By.LINK_TEXT, "Let me in").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "comment-content")))
    assert "I study waves" in browser.find_element(By.CLASS_NAME, "timeline").text
    browser.find_element(By.ID, "comment-content").send_keys("Welcome aboard")
    browser.find_element(By.CSS_SELECTOR, "button[value=accept]").click()

    status = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[role=status]")))
    assert status.text == "The request is now accepted."
    timeline = browser.find_element(By.CLASS_NAME, "timeline").text
    assert "Welcome aboard" in timeline and "Accepted" in timeline
    assert not browser.find_elements(By.CSS_SELECTOR, "button[value=accept]")
    assert Membership.objects.get(community=community, user=joiner).role == "reader"
