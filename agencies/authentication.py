"""``Authorization: Token <key>`` for the REST API, checked against the hashed ``ApiToken`` rows."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from apis.versions import versions_keep, versions_read

from .services import api_token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    # DRF's header parsing and its "Token" keyword (the fixed contract), with our own lookup.
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        self.request = request  # DRF makes one authenticator per request
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        # The credentials version decides whether a token this process knows may be used without
        # reading it again; the others (the data version) name the answers kept for the request.
        versions = versions_read()
        token = api_token_authenticate(key=key, credentials_version=versions.get("credentials"))
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Invalid, expired or revoked token. Obtain a new one by signing in again.")
            )
        if self.request.method in SAFE_METHODS:
            versions_keep(self.request._request, versions)
        return token.user, token
