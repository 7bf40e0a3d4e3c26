"""Account pages."""

from django.urls import path

from accounts import orcid, views

app_name = "accounts"

urlpatterns = [
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("register", views.register, name="register"),
    path("verify/resend", views.verification_resend, name="verification-resend"),
    path("verify/<str:token>", views.verify_email, name="verify"),
    path("password-reset", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("profile", views.profile, name="profile"),
    path("tokens", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke", views.token_revoke, name="token-revoke"),
    path("shared", views.shared_with_me, name="shared"),
    path("orcid/login", orcid.orcid_login, name="orcid-login"),
    path("orcid/callback", orcid.orcid_callback, name="orcid-callback"),
    path("orcid/signup", views.orcid_signup, name="orcid-signup"),
]
