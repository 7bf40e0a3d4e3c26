from django.apps import AppConfig


class VocabulariesConfig(AppConfig):
    """Controlled vocabularies (resource types, languages, licenses, roles, ...)."""

    name = "repository.vocabularies"
    label = "vocabularies"

    def ready(self) -> None:
        from repository.vocabularies import signals  # noqa: F401  (connects the receivers)
