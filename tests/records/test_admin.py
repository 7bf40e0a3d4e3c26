"""The records admin: permissions, JSON editing through services, tombstones, revisions, escaping."""

from __future__ import annotations

import difflib
import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from accounts.models import User
from records import services
from records.models import (
    DeletionStatus,
    Draft,
    Parent,
    PersistentIdentifier,
    PIDStatus,
    Record,
    RecordRevision,
)
from tests.records.conftest import publish, valid_document

pytestmark = pytest.mark.django_db

SCRIPT_TITLE = '<script>alert("x")</script>'
IMG_NAME = "<img src=x onerror=alert(1)>"
RAW_PAYLOADS = ("<script>alert(", "<img src=x onerror")


def minimal_document(**metadata) -> dict:
    return valid_document(**{"title": "A title", **metadata})


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def site_admin(admin_user) -> Client:
    return logged_in(admin_user)


@pytest.fixture
def published(user) -> Record:
    return publish(user, minimal_document())


@pytest.fixture
def draft(user) -> Draft:
    draft, _ = services.draft_create(actor=user, data=minimal_document(title="Draft title"))
    return draft


def change_url(model: str, pk) -> str:
    return f"/admin/records/{model}/{pk}/change/"


def edit_record(client: Client, record: Record, document, revision: int | None = None):
    text = document if isinstance(document, str) else json.dumps(document)
    revision = record.revision_id if revision is None else revision
    return client.post(change_url("record", record.pk), {"document": text, "revision": revision})


def run_action(client: Client, model: str, action: str, pks, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: list(pks), "index": "0", **extra}
    return client.post(f"/admin/records/{model}/", data)


def assert_escaped(content: str) -> None:
    for raw in RAW_PAYLOADS:
        assert raw not in content


def admin_pages(record: Record, draft: Draft) -> list[str]:
    revision = record.revisions.get()
    pid = PersistentIdentifier.objects.get(scheme="recid", value=record.pk)
    return [
        "/admin/records/record/",
        change_url("record", record.pk),
        "/admin/records/draft/",
        change_url("draft", draft.pk),
        "/admin/records/parent/",
        change_url("parent", record.parent_id),
        "/admin/records/persistentidentifier/",
        change_url("persistentidentifier", pid.pk),
        "/admin/records/recordrevision/",
        change_url("recordrevision", revision.pk),
        f"/admin/records/recordrevision/{revision.pk}/diff/{revision.pk}/",
    ]


# --- Who may see the admin ---------------------------------------------------------------------


def test_every_page_renders_for_an_admin(site_admin, published, draft):
    for url in admin_pages(published, draft):
        response = site_admin.get(url)
        assert response.status_code == 200, url


def test_anonymous_and_non_staff_are_sent_to_login(user, published, draft):
    pages = admin_pages(published, draft)
    for client in (Client(), logged_in(user)):
        for url in pages:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url


def test_staff_without_permissions_is_forbidden(published, draft):
    staff = User.objects.create_user("staff@example.org", "correct-horse-battery", is_staff=True)
    client = logged_in(staff)
    for url in admin_pages(published, draft):
        assert client.get(url).status_code == 403, url


def test_changelists_use_a_bounded_number_of_queries(site_admin, user, django_assert_max_num_queries):
    for number in range(5):
        record = publish(user, minimal_document(title=f"Record number {number}"))
        services.record_edit(actor=user, record_id=record.pk)
    for url in (
        "/admin/records/record/",
        "/admin/records/draft/",
        "/admin/records/parent/",
        "/admin/records/persistentidentifier/",
        "/admin/records/recordrevision/",
    ):
        with django_assert_max_num_queries(8):
            assert site_admin.get(url).status_code == 200, url


# --- Records: listing and editing the document -----------------------------------------------------


def test_record_list_searches_by_id_and_title(site_admin, user, published):
    other = publish(user, minimal_document(title="Glacier mass balance"))
    by_title = site_admin.get("/admin/records/record/", {"q": "glacier"}).content.decode()
    assert other.pk in by_title and published.pk not in by_title
    by_id = site_admin.get("/admin/records/record/", {"q": published.pk}).content.decode()
    assert published.pk in by_id and other.pk not in by_id


def test_record_change_page_shows_pretty_json(site_admin, published):
    content = site_admin.get(change_url("record", published.pk)).content.decode()
    assert "&quot;title&quot;: &quot;A title&quot;" in content
    assert "\n  &quot;metadata&quot;: {" in content  # indented


def test_invalid_json_is_a_form_error_and_changes_nothing(site_admin, published):
    response = edit_record(site_admin, published, '{"metadata": ')
    assert response.status_code == 200
    assert "Enter a valid JSON." in response.content.decode()
    published.refresh_from_db()
    assert published.revision_id == 1 and published.revisions.count() == 1


def test_a_json_value_that_is_not_an_object_is_refused(site_admin, published):
    response = edit_record(site_admin, published, "[1, 2]")
    assert "The document must be a JSON object." in response.content.decode()
    assert Record.objects.get(pk=published.pk).revision_id == 1


def test_schema_errors_are_shown_next_to_the_field_and_nothing_changes(site_admin, published):
    response = edit_record(site_admin, published, minimal_document(title="ab"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["document"]
    assert errors and all(line.startswith("metadata.title: ") for line in errors)
    assert '<ul class="errorlist' in response.content.decode()
    published.refresh_from_db()
    assert published.json["metadata"]["title"] == "A title" and published.revision_id == 1


def test_a_valid_edit_creates_an_admin_edit_revision(site_admin, admin_user, published):
    document = published.json
    document["metadata"]["title"] = "A corrected title"
    response = edit_record(site_admin, published, document)
    assert response.status_code == 302, response.content.decode()
    published.refresh_from_db()
    assert published.revision_id == 2
    assert published.title == "A corrected title" and "corrected" in published.search_text
    revision = published.revisions.get(revision_id=2)
    assert (revision.action, revision.user) == (RecordRevision.Action.ADMIN_EDIT, admin_user)
    assert revision.json["metadata"]["title"] == "A corrected title"


def test_the_record_page_links_an_open_edit_draft(site_admin, user, published):
    assert (
        change_url("draft", published.pk)
        not in site_admin.get(change_url("record", published.pk)).content.decode()
    )
    services.record_edit(actor=user, record_id=published.pk)
    assert (
        change_url("draft", published.pk)
        in site_admin.get(change_url("record", published.pk)).content.decode()
    )


def test_an_unchanged_save_writes_no_revision(site_admin, published):
    assert edit_record(site_admin, published, published.json).status_code == 302
    assert Record.objects.get(pk=published.pk).revision_id == 1


def test_a_stale_revision_is_refused(site_admin, published):
    document = published.json
    document["metadata"]["title"] = "Someone else's title"
    response = edit_record(site_admin, published, document, revision=0)
    assert "changed by someone else" in response.content.decode()
    assert Record.objects.get(pk=published.pk).revision_id == 1


def test_system_fields_cannot_be_changed(site_admin, published):
    response = site_admin.post(
        change_url("record", published.pk),
        {
            "document": json.dumps(published.json),
            "revision": 1,
            "index": 7,
            "is_latest": "",
            "deletion_status": "D",
            "title": "forged",
        },
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert (published.index, published.is_latest, published.deletion_status, published.title) == (
        1,
        True,
        DeletionStatus.PUBLISHED,
        "A title",
    )


# --- Records: delete and restore ------------------------------------------------------------------


def test_hard_delete_is_not_offered(site_admin, published, draft):
    for model, pk in (("record", published.pk), ("draft", draft.pk), ("parent", published.parent_id)):
        changelist = site_admin.get(f"/admin/records/{model}/")
        action_form = changelist.context["action_form"]  # None when a model has no action at all
        choices = [value for value, _ in action_form.fields["action"].choices] if action_form else []
        assert "delete_selected" not in choices, model
        assert site_admin.get(f"/admin/records/{model}/{pk}/delete/").status_code == 403, model
        run_action(site_admin, model, "delete_selected", [pk])  # ignored: not an action of the model
    assert Record.objects.filter(pk=published.pk).exists() and Draft.objects.filter(pk=draft.pk).exists()
    assert Parent.objects.filter(pk=published.parent_id).exists()


def test_delete_asks_for_a_removal_reason_then_makes_a_tombstone(site_admin, admin_user, published):
    confirmation = run_action(site_admin, "record", "delete_records", [published.pk])
    assert confirmation.status_code == 200
    content = confirmation.content.decode()
    assert '<option value="spam">Spam</option>' in content and published.pk in content
    assert Record.objects.get(pk=published.pk).deletion_status == DeletionStatus.PUBLISHED

    missing_reason = run_action(site_admin, "record", "delete_records", [published.pk], apply="Delete")
    assert missing_reason.status_code == 200 and "This field is required." in missing_reason.content.decode()
    assert Record.objects.get(pk=published.pk).deletion_status == DeletionStatus.PUBLISHED

    response = run_action(
        site_admin,
        "record",
        "delete_records",
        [published.pk],
        apply="Delete",
        removal_reason="spam",
        note="Advertising.",
        is_visible="on",
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.deletion_status == DeletionStatus.DELETED
    assert (
        published.tombstone["removal_reason"] == {"id": "spam"}
        and published.tombstone["note"] == "Advertising."
    )
    revision = published.revisions.get(revision_id=2)
    assert (revision.action, revision.user) == (RecordRevision.Action.DELETE, admin_user)
    assert PersistentIdentifier.objects.get(scheme="recid", value=published.pk).status == PIDStatus.DELETED


def test_a_deleted_record_is_read_only_until_restored(site_admin, admin_user, published):
    services.record_delete(actor=admin_user, record_id=published.pk, removal_reason="spam")
    page = site_admin.get(change_url("record", published.pk))
    assert page.status_code == 200 and 'name="document"' not in page.content.decode()
    assert edit_record(site_admin, Record.objects.get(pk=published.pk), published.json).status_code == 403

    response = run_action(site_admin, "record", "restore_records", [published.pk])
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.deletion_status == DeletionStatus.PUBLISHED and published.tombstone is None
    assert published.revisions.get(revision_id=3).action == RecordRevision.Action.RESTORE


def test_restoring_a_published_record_reports_the_conflict(site_admin, published):
    response = run_action(site_admin, "record", "restore_records", [published.pk])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("The record is not deleted." in m for m in messages)
    assert Record.objects.get(pk=published.pk).revision_id == 1


# --- Drafts ----------------------------------------------------------------------------------------


def edit_draft(client: Client, draft: Draft, document):
    text = document if isinstance(document, str) else json.dumps(document)
    return client.post(change_url("draft", draft.pk), {"document": text, "revision": draft.revision_id})


def test_draft_edit_goes_through_the_service(site_admin, draft):
    document = draft.json
    document["metadata"]["title"] = "Draft title, edited"
    assert edit_draft(site_admin, draft, document).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Draft title, edited" and draft.revision_id == 2


def test_draft_edit_keeps_invalid_metadata_and_shows_the_errors(site_admin, draft):
    response = edit_draft(site_admin, draft, minimal_document(title="ab"))
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Saved with validation errors" in m and "metadata.title: " in m for m in messages)
    draft.refresh_from_db()
    assert draft.json["metadata"]["title"] == "ab"
    page = site_admin.get(change_url("draft", draft.pk)).content.decode()
    assert "<li>metadata.title: " in page


def test_draft_edit_with_invalid_json_changes_nothing(site_admin, draft):
    response = edit_draft(site_admin, draft, "{oops")
    assert response.status_code == 200 and "Enter a valid JSON." in response.content.decode()
    assert Draft.objects.get(pk=draft.pk).revision_id == 1


def test_publish_action_publishes_valid_drafts(site_admin, draft):
    response = run_action(site_admin, "draft", "publish_drafts", [draft.pk])
    assert response.status_code == 302
    assert Record.objects.get(pk=draft.pk).title == "Draft title"
    assert not Draft.objects.filter(pk=draft.pk).exists()


def test_publish_action_reports_validation_errors_escaped(site_admin, user):
    draft, _ = services.draft_create(actor=user, data={"metadata": {"title": SCRIPT_TITLE}})
    response = run_action(site_admin, "draft", "publish_drafts", [draft.pk])
    page = site_admin.get(response["Location"]).content.decode()
    assert f"Draft {draft.pk} was not published: " in page and "metadata.creators: " in page
    assert_escaped(page)
    assert Draft.objects.filter(pk=draft.pk).exists() and not Record.objects.filter(pk=draft.pk).exists()


# --- Parents and PIDs --------------------------------------------------------------------------------


def test_parent_page_lists_its_versions(site_admin, user, published):
    services.record_new_version(actor=user, record_id=published.pk)
    content = site_admin.get(change_url("parent", published.parent_id)).content.decode()
    assert change_url("record", published.pk) in content
    assert "owner@example.org" in content


def test_pid_list_filters_and_search(site_admin, published):
    oai = PersistentIdentifier.objects.get(scheme="oai")
    only_oai = site_admin.get("/admin/records/persistentidentifier/", {"scheme": "oai"}).context["cl"]
    assert list(only_oai.result_list) == [oai]
    parents = site_admin.get("/admin/records/persistentidentifier/", {"object_type": "par"}).context["cl"]
    assert [pid.value for pid in parents.result_list] == [published.parent_id]
    registered = site_admin.get("/admin/records/persistentidentifier/", {"status": "R"}).context["cl"]
    assert registered.result_count == 3
    found = site_admin.get("/admin/records/persistentidentifier/", {"q": oai.value}).context["cl"]
    assert list(found.result_list) == [oai]


def test_pid_redirect_needs_a_registered_target(site_admin, user, published):
    other = publish(user, minimal_document(title="The surviving record"))
    pid = PersistentIdentifier.objects.get(scheme="recid", value=published.pk)
    target = PersistentIdentifier.objects.get(scheme="recid", value=other.pk)
    url = change_url("persistentidentifier", pid.pk)

    response = site_admin.post(url, {"status": PIDStatus.REDIRECTED, "redirect_to": ""})
    assert "A redirected PID needs a redirect target." in response.content.decode()
    response = site_admin.post(url, {"status": PIDStatus.REDIRECTED, "redirect_to": pid.pk})
    assert "A PID cannot redirect to itself." in response.content.decode()
    assert PersistentIdentifier.objects.get(pk=pid.pk).status == PIDStatus.REGISTERED

    response = site_admin.post(
        url, {"status": PIDStatus.REDIRECTED, "redirect_to": target.pk, "value": "forged"}
    )
    assert response.status_code == 302
    pid.refresh_from_db()
    assert (pid.status, pid.redirect_to, pid.value) == (PIDStatus.REDIRECTED, target, published.pk)

    response = site_admin.post(url, {"status": PIDStatus.REGISTERED, "redirect_to": target.pk})
    assert "Only a redirected PID has a redirect target." in response.content.decode()


# --- Revisions -----------------------------------------------------------------------------------------


def test_revision_list_filters_by_record_and_links_to_the_previous(site_admin, admin_user, user, published):
    other = publish(user, minimal_document(title="Another record"))
    services.record_delete(actor=admin_user, record_id=published.pk, removal_reason="spam")
    response = site_admin.get("/admin/records/recordrevision/", {"record": published.pk})
    revisions = list(response.context["cl"].result_list)
    assert {r.record_id for r in revisions} == {published.pk} and len(revisions) == 2
    first, second = sorted(revisions, key=lambda r: r.revision_id)
    assert f"/admin/records/recordrevision/{second.pk}/diff/{first.pk}/" in response.content.decode()
    assert other.pk not in [r.record_id for r in revisions]


def test_revision_page_is_read_only_pretty_json(site_admin, published):
    revision = published.revisions.get()
    content = site_admin.get(change_url("recordrevision", revision.pk)).content.decode()
    assert '<pre class="json-document">' in content and "&quot;title&quot;: &quot;A title&quot;" in content
    assert 'name="document"' not in content and 'name="_save"' not in content
    assert site_admin.post(change_url("recordrevision", revision.pk), {}).status_code == 403


def test_diff_shows_the_changed_lines_side_by_side(site_admin, published):
    document = published.json
    document["metadata"]["title"] = "A better title"
    assert edit_record(site_admin, published, document).status_code == 302
    old, new = published.revisions.order_by("revision_id")
    response = site_admin.get(f"/admin/records/recordrevision/{new.pk}/diff/{old.pk}/")
    assert response.status_code == 200
    changed = [row for hunk in response.context["hunks"] for row in hunk if row.kind != "equal"]
    assert [(row.old_text.strip(), row.new_text.strip()) for row in changed] == [
        ('"title": "A title"', '"title": "A better title"')
    ]
    content = response.content.decode()
    assert '<tr class="diff-replace">' in content
    assert "&quot;title&quot;: &quot;A better title&quot;" in content
    assert "&quot;creators&quot;" not in content  # far from the change: outside the context
    assert (
        "&quot;creators&quot;" in site_admin.get(response.wsgi_request.path, {"full": "1"}).content.decode()
    )


def test_diff_of_revisions_of_different_records_is_not_found(site_admin, user, published):
    other = publish(user, minimal_document(title="Another record"))
    url = f"/admin/records/recordrevision/{published.revisions.get().pk}/diff/{other.revisions.get().pk}/"
    assert site_admin.get(url).status_code == 404
    assert site_admin.get("/admin/records/recordrevision/999999/diff/1/").status_code == 404


def test_compare_action_needs_two_revisions_of_one_record(site_admin, admin_user, published):
    services.record_delete(actor=admin_user, record_id=published.pk, removal_reason="spam")
    old, new = published.revisions.order_by("revision_id")
    response = run_action(site_admin, "recordrevision", "compare_revisions", [new.pk, old.pk])
    assert response["Location"] == f"/admin/records/recordrevision/{old.pk}/diff/{new.pk}/"
    response = run_action(site_admin, "recordrevision", "compare_revisions", [old.pk])
    assert "Select exactly two revisions" in site_admin.get(response["Location"]).content.decode()


def test_difflib_htmldiff_escapes_markup():
    """Documents why the diff could use HtmlDiff; ours renders rows through the template instead."""
    table = difflib.HtmlDiff().make_table([SCRIPT_TITLE], [IMG_NAME])
    assert_escaped(table)
    assert "&lt;script&gt;" in table and "&lt;img" in table


# --- Escaping everywhere ---------------------------------------------------------------------------------


def test_user_supplied_markup_is_escaped_on_every_page(site_admin, user):
    document = valid_document(title=SCRIPT_TITLE)
    document["metadata"]["creators"].append({"person_or_org": {"type": "organizational", "name": IMG_NAME}})
    record = publish(user, document)
    edited = record.json
    edited["metadata"]["description"] = "Changed so that there is a diff."
    assert edit_record(site_admin, record, edited).status_code == 302
    old, new = record.revisions.order_by("revision_id")
    services.record_edit(actor=user, record_id=record.pk)
    pages = {
        "changelist": "/admin/records/record/",
        "change": change_url("record", record.pk),
        "drafts": "/admin/records/draft/",
        "draft": change_url("draft", record.pk),
        "parent": change_url("parent", record.parent_id),
        "revision": change_url("recordrevision", old.pk),
        "diff": f"/admin/records/recordrevision/{old.pk}/diff/{new.pk}/?full=1",
    }
    responses = {name: site_admin.get(url) for name, url in pages.items()}
    responses["delete confirmation"] = run_action(site_admin, "record", "delete_records", [record.pk])
    for name, response in responses.items():
        content = response.content.decode()
        assert response.status_code == 200, name
        assert_escaped(content)
        assert "&lt;script&gt;alert(" in content, name
        if name not in ("parent", "drafts", "delete confirmation"):  # these list titles only
            assert "&lt;img src=x onerror=alert(1)&gt;" in content, name
