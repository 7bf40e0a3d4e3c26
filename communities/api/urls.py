"""Communities API routes, and the records' community routes (InvenioRDM's paths)."""

from django.urls import path

from communities.api import views

urlpatterns = [
    path("communities", views.CommunityListView.as_view(), name="api-communities"),
    path("communities/featured", views.FeaturedListView.as_view(), name="api-communities-featured"),
    path("user/communities", views.UserCommunitiesView.as_view(), name="api-user-communities"),
    path("communities/<str:id>", views.CommunityDetailView.as_view(), name="api-community"),
    path("communities/<str:id>/rename", views.RenameView.as_view(), name="api-community-rename"),
    path("communities/<str:id>/restore", views.RestoreView.as_view(), name="api-community-restore"),
    path("communities/<str:id>/logo", views.LogoView.as_view(), name="api-community-logo"),
    path(
        "communities/<str:id>/featured", views.CommunityFeaturedView.as_view(), name="api-community-featured"
    ),
    path(
        "communities/<str:id>/featured/<str:featured_id>",
        views.CommunityFeaturedDetailView.as_view(),
        name="api-community-featured-entry",
    ),
    path("communities/<str:id>/records", views.CommunityRecordsView.as_view(), name="api-community-records"),
    path("communities/<str:id>/members", views.MembersView.as_view(), name="api-community-members"),
    path(
        "communities/<str:id>/members/public",
        views.PublicMembersView.as_view(),
        name="api-community-public-members",
    ),
    path(
        "communities/<str:id>/invitations", views.InvitationsView.as_view(), name="api-community-invitations"
    ),
    path(
        "communities/<str:id>/membership-requests",
        views.MembershipRequestsView.as_view(),
        name="api-community-membership-requests",
    ),
    path(
        "communities/<str:id>/requests", views.CommunityRequestsView.as_view(), name="api-community-requests"
    ),
    path("records/<str:id>/draft/review", views.ReviewView.as_view(), name="api-draft-review"),
    path(
        "records/<str:id>/draft/actions/submit-review",
        views.SubmitReviewView.as_view(),
        name="api-draft-submit-review",
    ),
    path(
        "records/<str:id>/communities", views.RecordCommunitiesView.as_view(), name="api-record-communities"
    ),
    path("records/<str:id>/requests", views.RecordRequestsView.as_view(), name="api-record-requests"),
]
