from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    """Generic requests (one state machine for every workflow) and their timelines."""

    name = "workflows"
    verbose_name = "requests"
