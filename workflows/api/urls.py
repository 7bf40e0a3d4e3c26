"""Requests API routes (InvenioRDM's paths)."""

from django.urls import path

from workflows.api import views

urlpatterns = [
    path("requests", views.RequestListView.as_view(), name="api-requests"),
    path("user/requests", views.UserRequestListView.as_view(), name="api-user-requests"),
    path("requests/<str:id>", views.RequestDetailView.as_view(), name="api-request"),
    path(
        "requests/<str:id>/actions/<str:action>", views.RequestActionView.as_view(), name="api-request-action"
    ),
    path("requests/<str:id>/comments", views.CommentListView.as_view(), name="api-request-comments"),
    path(
        "requests/<str:id>/comments/<str:comment_id>",
        views.CommentDetailView.as_view(),
        name="api-request-comment",
    ),
    path("requests/<str:id>/timeline", views.TimelineView.as_view(), name="api-request-timeline"),
]
