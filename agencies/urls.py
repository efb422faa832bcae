"""Account pages, mounted under /accounts/ before Django's own authentication URLs.

No namespace: ``login`` here replaces Django's view of the same name.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("profile/", views.profile, name="profile"),
]
