"""Account pages, mounted under /accounts/ before Django's own authentication URLs.

No namespace: ``login`` and ``password_reset`` here replace Django's views of the same names.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import PasswordResetForm

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path("profile/", views.profile, name="profile"),
]
