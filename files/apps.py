from django.apps import AppConfig


class FilesConfig(AppConfig):
    """Buckets, object versions and file instances (see the files issue)."""

    name = "files"
