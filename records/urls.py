"""Page routes: home, search, landing pages, draft preview, PID resolvers, exports, sitemap."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from records import views
from records.access import views as access_views
from records.sitemaps import SITEMAPS

app_name = "records"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "records:sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("search", views.search, name="search"),
    path("records/<str:record_id>", views.record_detail, name="detail"),
    path("records/<str:record_id>/latest", views.record_latest, name="latest"),
    path("records/<str:record_id>/export/<str:export_format>", views.record_export, name="export"),
    path("uploads/<str:draft_id>", views.draft_preview, name="draft-preview"),
    path("doi/<path:doi>", views.doi_resolve, name="doi"),
    path("records/<str:record_id>/request-access", access_views.request_access, name="request-access"),
    path("records/<str:record_id>/share", access_views.share, name="share"),
    path("records/<str:record_id>/share/change", access_views.share_action, name="share-action"),
    path("access-requests/verify", access_views.verify_guest_request, name="verify-access-request"),
]
