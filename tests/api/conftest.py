"""Fixtures for the API tests: clients signed in by token as each person of the role matrix."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from agencies.models import User
from agencies.services import api_token_create

ClientFor = Callable[[User | None], APIClient]


@pytest.fixture
def client_for(db: None) -> ClientFor:
    """``client_for(user)`` signs in by token; ``client_for(None)`` is anonymous."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            _token, key = api_token_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


def item_url(item_id: int) -> str:
    return f"/api/v1/action-items/{item_id}/"


def updates_url(item_id: int) -> str:
    return f"/api/v1/action-items/{item_id}/updates/"
