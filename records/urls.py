"""URL routes (filled in below)."""

urlpatterns: list = []
