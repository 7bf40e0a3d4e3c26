"""Files API routes (InvenioRDM's paths)."""

from django.urls import path

from files.api import views

draft = "records/<str:id>/draft/files"
record = "records/<str:id>/files"

urlpatterns = [
    path(draft, views.DraftFilesView.as_view(), name="api-draft-files"),
    path(f"{draft}/<str:key>", views.DraftFileView.as_view(), name="api-draft-file"),
    path(f"{draft}/<str:key>/content", views.DraftFileContentView.as_view(), name="api-draft-file-content"),
    path(
        f"{draft}/<str:key>/content/<int:part>", views.DraftFilePartView.as_view(), name="api-draft-file-part"
    ),
    path(f"{draft}/<str:key>/commit", views.DraftFileCommitView.as_view(), name="api-draft-file-commit"),
    path(
        "records/<str:id>/draft/actions/files-import",
        views.FilesImportView.as_view(),
        name="api-files-import",
    ),
    path(record, views.RecordFilesView.as_view(), name="api-record-files"),
    path(f"{record}/<str:key>", views.RecordFileView.as_view(), name="api-record-file"),
    path(
        f"{record}/<str:key>/content", views.RecordFileContentView.as_view(), name="api-record-file-content"
    ),
    path("records/<str:id>/files-archive", views.RecordFilesArchiveView.as_view(), name="api-files-archive"),
    path("records/<str:id>/quota", views.RecordQuotaView.as_view(), name="api-record-quota"),
    path("users/<int:id>/quota", views.UserQuotaView.as_view(), name="api-user-quota"),
]
