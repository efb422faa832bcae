"""``Authorization: Token <key>`` for the REST API, checked against the hashed ``ApiToken`` rows.

Here, in the layer that serves every app's API, rather than in ``agencies``: an API request
reads the two versions it may need in one round trip (the credentials version, which decides
whether a token this process knows may be used without reading it again, and the data version,
which names the answers cached for it). Each round trip was an eighth of a cached API read
(py-spy under gunicorn, issue 12).
"""

from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from agencies.models import CredentialsVersion
from agencies.services import api_token_authenticate
from recommendations.models import DataVersion

# The data version read with the credentials (a read request only), before anything else of the
# request: ``recommendations.caching`` takes it for the request's cached answers.
DATA_VERSION_ATTRIBUTE = "data_version_read_first"


def versions_read() -> tuple[int, int]:
    """The credentials version and the data version, in one query."""
    quote = connection.ops.quote_name
    value, key = quote("value"), quote("id")
    tables = (quote(model._meta.db_table) for model in (CredentialsVersion, DataVersion))
    # Names from the models, no input.
    select = "SELECT {value} FROM {table} WHERE {key} = 1"
    columns = ", ".join(
        "(" + select.format(value=value, table=table, key=key) + ")" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        row = cursor.fetchone()
    return int(row[0] or 0), int(row[1] or 0)


class ApiTokenAuthentication(TokenAuthentication):
    # DRF's header parsing and its "Token" keyword (the fixed contract), with our own lookup.
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        self.request = request
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        credentials_version, data_version = versions_read()
        token = api_token_authenticate(key=key, credentials_version=credentials_version)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Invalid, expired or revoked token. Obtain a new one by signing in again.")
            )
        if self.request.method in SAFE_METHODS:
            # Not for a write: what the request writes moves the version after this read.
            setattr(self.request._request, DATA_VERSION_ATTRIBUTE, data_version)
        return token.user, token
