"""Admin forms of the records app: documents edited as JSON, PID status, deletion reasons.

The forms only parse input and show the domain's errors; the admin saves through
``records.services`` and ``records.admin_services``.
"""

from __future__ import annotations

import json

from django import forms
from django.forms.fields import InvalidJSONInput

from records.admin_services import pid_status_errors, record_admin_document
from records.models import Draft, PersistentIdentifier, Record
from repository.exceptions import FieldError, NotFound
from repository.jsontext import unstorable_text
from repository.vocabularies.selectors import search_terms

REMOVAL_REASONS = "removalreasons"


def error_lines(errors: list[FieldError]) -> list[str]:
    """Field errors as "field path: message" lines."""
    return [f"{error.field}: {message}" for error in errors for message in error.messages]


class PrettyJSONField(forms.JSONField):
    """A JSON object in a large monospaced textarea, shown indented."""

    widget = forms.Textarea(
        attrs={"rows": 30, "class": "vLargeTextField json-document", "spellcheck": "false"}
    )

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)

    def validate(self, value) -> None:
        super().validate(value)
        if not isinstance(value, dict):
            raise forms.ValidationError("The document must be a JSON object.", code="not_an_object")
        problem = unstorable_text(value)
        if problem:
            raise forms.ValidationError(problem, code="unstorable")


class DocumentForm(forms.ModelForm):
    """Base of the record and draft forms: the document and the revision it was loaded at."""

    document = PrettyJSONField(label="Document (JSON)")
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["document"].initial = self.instance.json
            self.fields["revision"].initial = self.instance.revision_id

    def clean_revision(self) -> int:
        revision = self.cleaned_data["revision"]
        if revision != self.instance.revision_id:
            raise forms.ValidationError(
                "This was changed by someone else since you opened it (revision %(current)s, "
                "you started from %(yours)s). Reload the page and edit again.",
                params={"current": self.instance.revision_id, "yours": revision},
                code="stale",
            )
        return revision


class RecordAdminForm(DocumentForm):
    """A published record's document; schema errors are shown next to the field, nothing is saved."""

    class Meta:
        model = Record
        fields: list[str] = []

    def clean(self) -> dict:
        cleaned = super().clean()
        document = cleaned.get("document")
        if isinstance(document, dict):
            _, errors = record_admin_document(self.instance, document)
            if errors:
                self.add_error("document", error_lines(errors))
        return cleaned


class DraftAdminForm(DocumentForm):
    """A draft's document; drafts may be invalid, so schema errors are reported after saving."""

    class Meta:
        model = Draft
        fields: list[str] = []


class PIDAdminForm(forms.ModelForm):
    """Only a PID's status (and, when redirected, its target) can change."""

    class Meta:
        model = PersistentIdentifier
        fields = ["status", "redirect_to"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if "status" in cleaned and "redirect_to" in cleaned:
            for error in pid_status_errors(self.instance, cleaned["status"], cleaned["redirect_to"]):
                self.add_error(error.field if error.field in self.fields else None, list(error.messages))
        return cleaned


def removal_reason_choices() -> list[tuple[str, str]]:
    """The active terms of the removal-reasons vocabulary, by title."""
    try:
        terms, _ = search_terms(REMOVAL_REASONS, size=100, sort="title")
    except NotFound:  # vocabulary not loaded: nothing to choose, the form cannot be sent
        return []
    return [(term.term_id, (term.title or {}).get("en") or term.term_id) for term in terms]


class RecordDeleteForm(forms.Form):
    """Why the selected records are removed; the tombstone shows it."""

    removal_reason = forms.ChoiceField(choices=removal_reason_choices)
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown on the tombstone."
    )
    citation_text = forms.CharField(required=False, help_text="How to cite the removed record.")
    is_visible = forms.BooleanField(
        required=False, initial=True, label="Tombstone visible", help_text="Show the note to the public."
    )
