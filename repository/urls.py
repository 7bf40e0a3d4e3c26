"""URL configuration: pages, the REST API under /api, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("repository.vocabularies.urls")),
    path("api/", include("records.api.urls")),
    path("api/", include("accounts.api.urls")),
    path("account/", include("accounts.urls")),
    path("api/", include("oaipmh.api.urls")),
    path("", include("oaipmh.urls")),
    path("api/", include("files.api.urls")),
    path("api/", include("workflows.api.urls")),
    path("api/", include("communities.api.urls")),
    path("", include("records.urls")),
    path("", include("communities.urls")),
]

handler400 = "repository.api.errors.bad_request"
handler404 = "repository.api.errors.not_found"
handler500 = "repository.api.errors.server_error"
