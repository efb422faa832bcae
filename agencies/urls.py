"""Account pages, mounted under /accounts/ before Django's own authentication URLs.

No namespace: ``login`` and ``password_reset`` here replace Django's views of the same names.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("profile/", views.profile, name="profile"),
    path(
        "profile/tokens/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path(
        "profile/tokens/revoke-all/", views.api_tokens_revoke_all_view, name="api_tokens_revoke_all"
    ),
]
