"""Record access routes (InvenioRDM's paths under /api/records/{id}/access/)."""

from django.urls import path

from records.access.api import requests, views

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
    path("records/<str:id>/access", requests.AccessSettingsView.as_view(), name="api-access"),
    path(
        "records/<str:id>/access/request",
        requests.AccessRequestCreateView.as_view(),
        name="api-access-request",
    ),
    path(
        "records/<str:id>/access/request-guest",
        requests.GuestAccessRequestView.as_view(),
        name="api-access-request-guest",
    ),
    path(
        "records/<str:id>/access/requests",
        requests.AccessRequestListView.as_view(),
        name="api-access-requests",
    ),
    *(
        path(
            f"records/<str:id>/access/requests/<str:request_id>/actions/{action}",
            requests.AccessRequestActionView.as_view(),
            {"action": action},
            name=f"api-access-request-{action}",
        )
        for action in ("accept", "decline")
    ),
    path(
        "records/<str:id>/access/transfer", requests.TransferCreateView.as_view(), name="api-access-transfer"
    ),
    path(
        "access-requests/verify", requests.AccessRequestVerifyView.as_view(), name="api-access-request-verify"
    ),
    path("user/transfers", requests.IncomingTransfersView.as_view(), name="api-user-transfers"),
    *(
        path(
            f"transfers/<str:transfer_id>/actions/{action}",
            requests.TransferActionView.as_view(),
            {"action": action},
            name=f"api-transfer-{action}",
        )
        for action in ("accept", "decline")
    ),
    path("records/<str:id>/access/links", views.LinkListView.as_view(), name="api-access-links"),
    path(
        "records/<str:id>/access/links/<str:link_id>",
        views.LinkDetailView.as_view(),
        name="api-access-link",
    ),
]
