"""With Redis gone, the cache degrades instead of failing: the API keeps answering (throttling
included), sign-in keeps working, and the outage is logged once. Against a Redis server this test
starts on a free port and then stops (never the shared one)."""

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import Client
from pytest_django import Settings as DjangoSettings
from rest_framework.test import APIClient

from tests.api.conftest import ClientFor
from tests.conftest import RoleMatrix, require_server

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def own_redis() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    binary = shutil.which("redis-server")
    require_server("redis-server", binary is not None, "install redis-server")
    assert binary is not None
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield process, f"redis://127.0.0.1:{port}/0"
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def redis_cache(
    own_redis: tuple[subprocess.Popen[bytes], str], settings: DjangoSettings
) -> Iterator[subprocess.Popen[bytes]]:
    process, url = own_redis
    settings.CACHES = {
        "default": {
            "BACKEND": "tracker.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Throttles as in production, so that every request reads and writes the cache.
    from rest_framework.throttling import SimpleRateThrottle

    original_cache = SimpleRateThrottle.cache
    SimpleRateThrottle.cache = caches["default"]
    yield process
    SimpleRateThrottle.cache = original_cache


def test_the_api_keeps_answering_when_redis_stops(
    roles: RoleMatrix,
    client_for: ClientFor,
    redis_cache: subprocess.Popen[bytes],
    caplog: pytest.LogCaptureFixture,
) -> None:
    process = redis_cache
    client = client_for(roles.staff)
    assert client.get("/api/v1/action-items/").status_code == 200
    assert caches["default"].get(f"throttle_user_{roles.staff.pk}") is not None
    process.terminate()
    process.wait(timeout=10)
    with caplog.at_level(logging.ERROR, logger="tracker.cache"):
        codes = [client.get("/api/v1/action-items/").status_code for _ in range(5)]
        token = APIClient().post(
            "/api/v1/auth/token/", {"username": "manager", "password": PASSWORD}, format="json"
        )
    assert codes == [200] * 5
    assert token.status_code == 200
    outage_logs = [r for r in caplog.records if "Cache unreachable" in r.getMessage()]
    assert len(outage_logs) == 1  # once per outage, not once per call


def test_sign_in_throttling_still_holds_on_the_local_fallback(
    client: Client, roles: RoleMatrix, redis_cache: subprocess.Popen[bytes]
) -> None:
    process = redis_cache
    process.terminate()
    process.wait(timeout=10)
    for n in range(5):
        client.post(
            "/accounts/login/",
            {"username": "staff", "password": f"guess-{n}"},
            REMOTE_ADDR="203.0.113.1",
        )
    refused = client.post(
        "/accounts/login/", {"username": "staff", "password": PASSWORD}, REMOTE_ADDR="203.0.113.1"
    )
    assert refused.status_code == 429
