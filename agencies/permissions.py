"""DRF permission classes that need only a person's roles (every app's API uses them)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from agencies import policies
from agencies.models import User


class IsTrackerMember(IsAuthenticated):
    """Signed in (otherwise 401) and a member of an agency, or a coordinator (otherwise 403)."""

    message = _(
        "Your account does not belong to any agency yet. Ask a coordinator to add you to yours."
    )

    def has_permission(self, request: Request, view: APIView) -> bool:
        return super().has_permission(request, view) and policies.can_view_tracker(request.user)


def signed_in_user(request: Request) -> User:
    """The caller, once the view's permissions have required them to be signed in."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
