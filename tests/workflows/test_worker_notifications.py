"""Request e-mails for real: queued after commit, sent by a Celery worker on the embedded broker.

The embedded profile has no SMTP server: the console e-mail backend writes the message to the
worker's output, which is where this test reads it.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.repository.test_celery import (  # noqa: F401 (data_dir and worker are fixtures)
    MANAGE,
    data_dir,
    process_env,
    wait_for,
    worker,
)

# Through the services, in the worker's data directory: a membership request to a community
# whose owner hears about it, and a manager who turned e-mails off.
SEED = """
from accounts.services import user_create
from communities import services
from communities.models import Membership
from workflows.models import NotificationPreference
owner = user_create(email="mail-owner@example.org", password="correct-horse-battery")
quiet = user_create(email="mail-quiet@example.org", password="correct-horse-battery")
joiner = user_create(email="mail-joiner@example.org", password="correct-horse-battery")
community = services.community_create(
    actor=owner, data={"slug": "mail-lab", "metadata": {"title": "Mail Lab"}, "access": {}}
)
Membership.objects.create(community=community, user=quiet, role="manager")
NotificationPreference.objects.create(user=quiet, email_enabled=False)
request = services.membership_request_create(actor=joiner, community_id=community.pk, message="<p>Hi</p>")
print("REQUEST", request.pk)
"""


@pytest.mark.celery_worker
def test_worker_sends_the_request_email_after_commit(data_dir, worker):  # noqa: F811
    process, log = worker
    seeded = subprocess.run(
        [sys.executable, MANAGE, "shell", "-c", SEED],
        cwd=data_dir,
        env=process_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    request_id = re.search(r"^REQUEST (\S+)$", seeded.stdout, re.M).group(1)
    assert "Subject:" not in seeded.stdout  # the web side only queues; the worker sends

    wait_for(
        lambda: "send_request_notification" in log.read_text() and "succeeded" in log.read_text(),
        "the notification task",
        log,
        process,
    )
    output = log.read_text()
    assert "Subject: [Repono] New Membership request: Request to join Mail Lab" in output
    assert "To: mail-owner@example.org" in output
    assert "mail-quiet@example.org" not in output and "To: mail-joiner@example.org" not in output
    assert f"/me/requests/{request_id}" in output
