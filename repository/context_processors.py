"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """Expose the site name to templates."""
    return {"SITE_NAME": settings.SITE_NAME}
