"""Token and session sign-in, token revocation, and throttling."""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from pytest_django import Settings as DjangoSettings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.api.conftest import ClientFor, item_url
from tests.conftest import RoleMatrix

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse
from agencies.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def obtain(
    username: str, password: str = PASSWORD, client: APIClient | None = None
) -> "_MonkeyPatchedResponse":
    return (client or APIClient()).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_a_token_is_obtained_with_username_and_password_and_then_used(roles: RoleMatrix) -> None:
    response = obtain("staff")
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == "staff"


def test_each_sign_in_returns_a_new_token_and_the_earlier_ones_keep_working(
    roles: RoleMatrix,
) -> None:
    first, second = obtain("staff").json()["token"], obtain("staff").json()["token"]
    assert first != second
    for token in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/me/").status_code == 200


def test_tokens_are_stored_hashed_never_in_clear(roles: RoleMatrix) -> None:
    token = obtain("staff").json()["token"]
    row = ApiToken.objects.get(user=roles.staff)
    assert token not in (row.digest, row.prefix, row.name)
    assert row.digest == ApiToken.digest_of(token)
    assert row.prefix == token[:8]


def test_a_token_may_be_named_for_the_profile_page(roles: RoleMatrix) -> None:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "staff", "password": PASSWORD, "name": "dashboard"},
        format="json",
    )
    assert response.status_code == 200
    assert ApiToken.objects.get(user=roles.staff).name == "dashboard"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "staff", "password": "wrong"}, "non_field_errors"),
        ({"username": "nobody", "password": PASSWORD}, "non_field_errors"),
        ({"username": "staff"}, "password"),
        ({"password": PASSWORD}, "username"),
        ({"username": "staff", "password": PASSWORD, "scope": "all"}, "scope"),
    ],
)
def test_bad_credentials_get_400_and_no_token(
    roles: RoleMatrix, body: dict[str, Any], field: str
) -> None:
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_an_inactive_account_gets_no_token(roles: RoleMatrix) -> None:
    roles.staff.is_active = False
    roles.staff.save(update_fields=["is_active"])
    assert obtain("staff").status_code == 400


def test_a_session_works_too_and_its_cookie_does_not_get_in_the_way_of_a_token(
    roles: RoleMatrix,
) -> None:
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="staff", password=PASSWORD)
    assert client.get("/api/v1/me/").json()["username"] == "staff"
    # A signed-in browser asking for a token needs no CSRF token: the password is the proof.
    assert obtain("manager", client=client).status_code == 200


def test_a_session_write_needs_the_csrf_token(roles: RoleMatrix) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="staff", password=PASSWORD)
    response = client.patch(
        item_url(roles.item.pk), {"status": "blocked"}, format="json", HTTP_IF_MATCH=roles.item.etag
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_revoked_token_is_refused(roles: RoleMatrix) -> None:
    token = obtain("staff").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    other = obtain("staff").json()["token"]
    assert client.delete("/api/v1/auth/token/").status_code == 204
    refused = client.get("/api/v1/action-items/")
    assert refused.status_code == 401
    assert "Obtain a new one" in refused.json()["detail"]
    # Only the token the request was signed with: the other one still works.
    still = APIClient()
    still.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert still.get("/api/v1/me/").status_code == 200
    assert obtain("staff").json()["token"] not in (token, other)


def test_revoking_needs_a_signed_in_caller(roles: RoleMatrix) -> None:
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401


def test_anonymous_callers_get_401_with_the_scheme_to_use(roles: RoleMatrix) -> None:
    response = APIClient().get("/api/v1/action-items/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get("/api/v1/action-items/").status_code == 401


@pytest.fixture
def low_rates(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Throttle rates as an operator would set them, low enough to reach in a test."""
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "3/minute", "user": "5/minute"},
    )
    cache.clear()
    yield
    cache.clear()


def test_anonymous_callers_are_throttled(roles: RoleMatrix, low_rates: None) -> None:
    codes = [obtain("staff", "guess").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    assert APIClient().get("/api/schema/").status_code == 429


def test_signed_in_callers_are_throttled_per_user(
    roles: RoleMatrix, client_for: ClientFor, low_rates: None
) -> None:
    staff, manager = client_for(roles.staff), client_for(roles.manager)
    codes = [staff.get("/api/v1/agencies/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert "Retry-After" in staff.get("/api/v1/agencies/").headers
    assert manager.get("/api/v1/agencies/").status_code == 200


def test_token_requests_are_paused_after_repeated_failures_even_with_the_right_password(
    roles: RoleMatrix, settings: DjangoSettings
) -> None:
    settings.SIGNIN_FREE_ATTEMPTS = 3
    cache.clear()
    codes = [obtain("staff", "guess").status_code for _ in range(3)]
    assert codes == [400, 400, 400]
    refused = obtain("staff")
    assert refused.status_code == 429
    assert "try again in 1 minute" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) <= 60
    assert not ApiToken.objects.exists()
