"""Repono: the Django project and the shared platform layer."""

from repository.celery import app as celery_app

__all__ = ["celery_app"]
