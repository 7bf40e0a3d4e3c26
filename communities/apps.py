from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    """Communities: members in roles, curated records, and their request types."""

    name = "communities"

    def ready(self) -> None:
        from communities.requests import register

        register()
