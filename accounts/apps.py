from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users (e-mail login), personal API tokens."""

    name = "accounts"

    def ready(self) -> None:
        from accounts import schema  # noqa: F401 (registers the OpenAPI extension)
