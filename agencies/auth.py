"""The signed-in person behind a web request, typed for the views that require sign-in."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import User


def signed_in_user(request: HttpRequest) -> User:
    """The caller of a view behind ``login_required`` (or a stricter check).

    The decorator has already turned anonymous visitors away; this narrows ``request.user`` to
    our ``User`` for the type checker, and refuses rather than guesses if a view forgot the guard.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
