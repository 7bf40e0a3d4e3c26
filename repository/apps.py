from django.apps import AppConfig


class RepositoryConfig(AppConfig):
    """The shared platform layer (base models, API plumbing, search, policies)."""

    name = "repository"
    verbose_name = "Repository platform"
