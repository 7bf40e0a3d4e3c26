from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Records: drafts, published versions, revisions, persistent identifiers."""

    name = "records"
