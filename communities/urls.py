"""Page routes of communities and requests."""

from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("communities", views.community_list, name="list"),
    path("communities/<str:slug>", views.community_home, name="home"),
    path("communities/<str:slug>/members", views.community_members, name="members"),
    path("communities/<str:slug>/requests", views.community_requests, name="requests"),
    path("communities/<str:slug>/join", views.community_join, name="join"),
    path("me/requests", views.my_requests, name="my-requests"),
    path("me/requests/<uuid:request_id>", views.request_detail, name="request"),
    path("me/requests/<uuid:request_id>/action", views.request_action, name="request-action"),
    path("me/notifications", views.notification_settings, name="notifications"),
]
