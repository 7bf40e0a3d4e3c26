"""Records API routes (InvenioRDM's paths)."""

from django.urls import include, path

from records.api import views

urlpatterns = [
    path("records", views.RecordListView.as_view(), name="api-records"),
    path("user/records", views.UserRecordsView.as_view(), name="api-user-records"),
    path("records/<str:id>", views.RecordDetailView.as_view(), name="api-record"),
    path("records/<str:id>/draft", views.DraftView.as_view(), name="api-draft"),
    path("records/<str:id>/draft/actions/publish", views.PublishView.as_view(), name="api-publish"),
    path("records/<str:id>/versions", views.VersionsView.as_view(), name="api-versions"),
    path("records/<str:id>/versions/latest", views.LatestVersionView.as_view(), name="api-latest"),
    path("records/<str:id>/revisions", views.RevisionListView.as_view(), name="api-revisions"),
    path(
        "records/<str:id>/revisions/<int:revision_id>",
        views.RevisionDetailView.as_view(),
        name="api-revision",
    ),
    path("records/<str:id>/delete", views.DeleteView.as_view(), name="api-delete"),
    path("records/<str:id>/restore", views.RestoreView.as_view(), name="api-restore"),
    path("", include("records.access.api.urls")),
]
