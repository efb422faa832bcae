"""The sign-in backend: Django's, behind the throttle of ``agencies.throttling``."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import throttling


class SigninThrottleBackend(ModelBackend):
    """Every sign-in with a request (web, admin, API token) passes here.

    During a cool-off the password is not even checked: the right one is refused too, so that
    guessing gains nothing. (Calls without a request, such as the test client's ``login()``,
    are not throttled: they do not come from a client address.)
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None or not username:
            return super().authenticate(request, username=username, password=password, **kwargs)
        wait = throttling.signin_wait(request=request, username=username)
        if wait:
            throttling.signin_refuse(request=request, seconds=wait)
            # Django's authenticate() stops at PermissionDenied: no other backend is asked.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttling.signin_failed(request=request, username=username)
        else:
            throttling.signin_succeeded(request=request, username=username)
        return user
