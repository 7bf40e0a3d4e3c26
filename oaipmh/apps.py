from django.apps import AppConfig


class OaipmhConfig(AppConfig):
    """The OAI-PMH 2.0 endpoint and harvest client (see the OAI-PMH issue)."""

    name = "oaipmh"
