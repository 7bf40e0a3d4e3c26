from django.apps import AppConfig


class OaipmhConfig(AppConfig):
    """The OAI-PMH 2.0 endpoint: a projection of the records, kept by a records_changed receiver."""

    name = "oaipmh"
    verbose_name = "OAI-PMH"

    def ready(self) -> None:
        from oaipmh import receivers  # noqa: F401 (connects the records_changed receiver)
