"""Record access routes (InvenioRDM's paths under /api/records/{id}/access/)."""

from django.urls import path

from records.access.api import views

urlpatterns = [
    path("records/<str:id>/access/grants", views.GrantListView.as_view(), name="api-access-grants"),
    path(
        "records/<str:id>/access/grants/<str:grant_id>",
        views.GrantDetailView.as_view(),
        name="api-access-grant",
    ),
    path("records/<str:id>/access/users", views.SubjectGrantListView.as_view(), name="api-access-users"),
    path(
        "records/<str:id>/access/users/<str:subject_id>",
        views.SubjectGrantDetailView.as_view(),
        name="api-access-user",
    ),
    path("records/<str:id>/access/groups", views.GroupGrantListView.as_view(), name="api-access-groups"),
    path(
        "records/<str:id>/access/groups/<str:subject_id>",
        views.GroupGrantDetailView.as_view(),
        name="api-access-group",
    ),
    path("records/<str:id>/access/links", views.LinkListView.as_view(), name="api-access-links"),
    path(
        "records/<str:id>/access/links/<str:link_id>",
        views.LinkDetailView.as_view(),
        name="api-access-link",
    ),
]
