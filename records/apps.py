from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Records: drafts, published versions, revisions, persistent identifiers."""

    name = "records"

    def ready(self) -> None:
        from records import search_indexes  # noqa: F401 (registers the index and its signal receiver)
