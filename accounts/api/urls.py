"""Users and groups API routes."""

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("users", views.UserListView.as_view(), name="api-users"),
    path("users/<str:id>", views.UserDetailView.as_view(), name="api-user"),
    path("groups", views.GroupListView.as_view(), name="api-groups"),
]
