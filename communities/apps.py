from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    """Communities and curation requests (see the communities issue)."""

    name = "communities"
