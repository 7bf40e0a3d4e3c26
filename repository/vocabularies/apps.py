from django.apps import AppConfig


class VocabulariesConfig(AppConfig):
    """Controlled vocabularies (resource types, languages, licenses, roles, ...)."""

    name = "repository.vocabularies"
    label = "vocabularies"
