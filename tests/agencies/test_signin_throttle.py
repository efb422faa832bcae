"""Sign-in throttling from outside: the web sign-in, the admin's and the API's token endpoint
pause an account and an address after repeated failures, with a growing cool-off, and the
client address comes from NUM_PROXIES, never from a header anyone can write."""

import datetime
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import Settings as DjangoSettings
from rest_framework.test import APIClient

from tests.conftest import RoleMatrix
from tests.ui.helpers import text

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
    from rest_framework.response import _MonkeyPatchedResponse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
ATTACKER = "203.0.113.66"
VICTIM = "198.51.100.7"


def web_sign_in(
    client: Client, username: str, password: str, address: str = ATTACKER, **headers: Any
) -> "_MonkeyPatchedWSGIResponse":
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def admin_sign_in(
    client: Client, username: str, password: str, address: str = ATTACKER
) -> "_MonkeyPatchedWSGIResponse":
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def api_sign_in(
    username: str, password: str, address: str = ATTACKER, **headers: Any
) -> "_MonkeyPatchedResponse":
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in_by_web(response: "_MonkeyPatchedWSGIResponse") -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_web_sign_in_is_paused_after_five_failures_even_with_the_right_password(
    client: Client, roles: RoleMatrix
) -> None:
    codes = [web_sign_in(client, "staff", f"guess-{n}").status_code for n in range(5)]
    assert codes == [200] * 5
    refused = web_sign_in(client, "staff", PASSWORD)
    assert refused.status_code == 429
    assert "sign-in is paused: try again in 1 minute" in text(refused)
    assert not signed_in_by_web(refused)


def test_the_pause_ends_and_grows_with_each_further_failure(
    client: Client, roles: RoleMatrix
) -> None:
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for n in range(5):
            web_sign_in(client, "staff", f"guess-{n}")
        assert web_sign_in(client, "staff", PASSWORD).status_code == 429
        clock.shift(61)
        # One more failure after the first pause: the next pause is twice as long.
        assert web_sign_in(client, "staff", "guess-again").status_code == 200
        refused = web_sign_in(client, "staff", PASSWORD)
        assert refused.status_code == 429
        assert 60 < int(refused["Retry-After"]) <= 120
        clock.shift(121)
        assert signed_in_by_web(web_sign_in(client, "staff", PASSWORD))


def test_the_pause_never_exceeds_its_maximum(
    client: Client, roles: RoleMatrix, settings: DjangoSettings
) -> None:
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        for _round in range(12):
            web_sign_in(client, "staff", "guess")
            clock.shift(settings.SIGNIN_COOLOFF_MAX_SECONDS + 1)
        web_sign_in(client, "staff", "guess")
        refused = web_sign_in(client, "staff", PASSWORD)
        assert int(refused["Retry-After"]) <= settings.SIGNIN_COOLOFF_MAX_SECONDS
        clock.shift(settings.SIGNIN_COOLOFF_MAX_SECONDS + 1)
        assert signed_in_by_web(web_sign_in(client, "staff", PASSWORD))


def test_admin_sign_in_is_paused_too(client: Client, roles: RoleMatrix) -> None:
    roles.coordinator.is_staff = True
    roles.coordinator.is_superuser = True
    roles.coordinator.save()
    for n in range(5):
        assert admin_sign_in(client, roles.coordinator.username, f"guess-{n}").status_code == 200
    refused = admin_sign_in(client, roles.coordinator.username, PASSWORD)
    assert refused.status_code == 200
    assert "sign-in is paused" in text(refused)
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_shares_the_count_with_the_web_sign_in(
    client: Client, roles: RoleMatrix
) -> None:
    for n in range(3):
        web_sign_in(client, "staff", f"guess-{n}")
    for n in range(2):
        assert api_sign_in("staff", f"guess-{n}").status_code == 400
    refused = api_sign_in("staff", PASSWORD)
    assert refused.status_code == 429
    assert "try again in 1 minute" in refused.json()["detail"]
    assert "token" not in refused.json()


def test_a_new_forwarded_for_header_per_guess_does_not_evade_the_pause(
    client: Client, roles: RoleMatrix
) -> None:
    for n in range(5):
        web_sign_in(client, "staff", f"guess-{n}", HTTP_X_FORWARDED_FOR=f"10.9.{n}.1")
    refused = web_sign_in(client, "staff", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.99.1")
    assert refused.status_code == 429


def test_a_spoofed_forwarded_for_does_not_lock_the_victim_out(
    client: Client, roles: RoleMatrix
) -> None:
    for n in range(8):
        web_sign_in(client, "staff", f"guess-{n}", HTTP_X_FORWARDED_FOR=VICTIM)
    # The attacker's own address is paused; the victim, from theirs, signs in.
    assert web_sign_in(client, "staff", PASSWORD).status_code == 429
    assert signed_in_by_web(web_sign_in(client, "staff", PASSWORD, address=VICTIM))
    assert api_sign_in("staff", PASSWORD, address=VICTIM).status_code == 200


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_one_counted(
    client: Client, roles: RoleMatrix, settings: DjangoSettings
) -> None:
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.2"
    for n in range(5):
        web_sign_in(client, "staff", f"guess-{n}", address=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert (
        web_sign_in(
            client, "staff", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ATTACKER
        ).status_code
        == 429
    )
    # A client cannot pick its address by writing its own header in front of the proxy's entry.
    victim = web_sign_in(
        client, "staff", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=f"{ATTACKER}, {VICTIM}"
    )
    assert signed_in_by_web(victim)


def test_one_address_guessing_many_accounts_is_paused(client: Client, roles: RoleMatrix) -> None:
    usernames = ["staff", "manager", "supporter", "unrelated", "outsider"]
    for username in usernames:
        for n in range(4):
            web_sign_in(client, username, f"guess-{n}")
    # 20 failures from one address: every account is paused for it, even one not tried yet.
    refused = web_sign_in(client, roles.coordinator.username, PASSWORD)
    assert refused.status_code == 429
    assert signed_in_by_web(web_sign_in(client, roles.coordinator.username, PASSWORD, VICTIM))


def test_a_success_resets_the_accounts_count(client: Client, roles: RoleMatrix) -> None:
    for n in range(4):
        web_sign_in(client, "staff", f"guess-{n}")
    assert signed_in_by_web(web_sign_in(client, "staff", PASSWORD))
    client.post(reverse("logout"))
    for n in range(4):
        assert web_sign_in(client, "staff", f"guess-{n}").status_code == 200
    assert signed_in_by_web(web_sign_in(client, "staff", PASSWORD))


def test_the_pause_is_explained_in_french(client: Client, roles: RoleMatrix) -> None:
    for n in range(5):
        web_sign_in(client, "staff", f"guess-{n}")
    refused = web_sign_in(client, "staff", PASSWORD, HTTP_ACCEPT_LANGUAGE="fr")
    assert "réessayez dans 1 minute" in text(refused)
