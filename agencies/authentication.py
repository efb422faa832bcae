"""``Authorization: Token <key>`` for the REST API, checked against the hashed ``ApiToken`` rows."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .services import api_token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    # DRF's header parsing and its "Token" keyword (the fixed contract), with our own lookup.
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Invalid, expired or revoked token. Obtain a new one by signing in again.")
            )
        return token.user, token
