from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users (e-mail login), personal API tokens."""

    name = "accounts"
