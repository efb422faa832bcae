"""A request that queues a task answers promptly whatever the broker does: down (nothing listens)
or stalled (it accepts the connection, then never answers, like a hung server or a network path
that drops packets). Before, the broker's sockets had no time-out, so a stalled broker held the
request for good, and the password reset's own on-commit callback turned a broker that was down
into a 500.

The requests go through the test client with on-commit callbacks run by the request itself
(``transaction=True``), as in production. The stalled broker closes after a deadline, so that a request
that would wait forever fails the test (too slow) instead of hanging it."""

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.services import api_token_create
from notifications.models import Notification, Watch
from tests.conftest import RoleMatrix
from tests.notifications.test_broker_down import _use_broker, free_port
from tracker.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)

# The production settings bound a publish to three attempts of BROKER_SOCKET_TIMEOUT seconds
# (about 6 s measured, 13 s with the soak running beside it); without them it never ends.
DEADLINE = 30


class StalledBroker:
    """A TCP port that completes every connection (the kernel's backlog) and never says a word,
    until ``DEADLINE`` seconds have passed: then it closes, so that a request waiting on it for
    good (before the fix) ends, late, instead of hanging the test."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"redis://127.0.0.1:{self.sock.getsockname()[1]}/0"
        self.timer = threading.Timer(DEADLINE, self.close)
        self.timer.start()

    def close(self) -> None:
        self.timer.cancel()
        self.sock.close()


def _with_broker(url: str) -> Iterator[str]:
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.broker_transport_options)
    saved_policy = conf.task_publish_retry_policy
    # What production runs with on a Redis broker (tracker/settings.py), not a test's shortcut.
    conf.broker_transport_options = dict(settings.REDIS_BROKER_TRANSPORT_OPTIONS)
    conf.task_publish_retry_policy = dict(settings.CELERY_TASK_PUBLISH_RETRY_POLICY)
    _use_broker(url, eager=False)
    yield url
    conf.broker_transport_options, conf.task_publish_retry_policy = saved[2], saved_policy
    _use_broker(saved[0], eager=saved[1])


@pytest.fixture
def stalled_broker() -> Iterator[str]:
    broker = StalledBroker()
    try:
        yield from _with_broker(broker.url)
    finally:
        broker.close()


@pytest.fixture
def broker_down() -> Iterator[str]:
    yield from _with_broker(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there


def timed(request: Callable[[], Any]) -> tuple[Any, float]:
    """``request()`` and how long it took."""
    started = time.monotonic()
    answer = request()
    return answer, time.monotonic() - started


def status_change_by_api(roles: RoleMatrix) -> Callable[[], Any]:
    """A status change of an item someone watches: its email is queued after the commit."""
    Watch.objects.create(user=roles.manager, action_item=roles.item)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=roles.staff)[1]}")
    url = f"/api/v1/action-items/{roles.item.pk}/"

    def patch() -> Any:
        return client.patch(
            url, {"status": "blocked"}, format="json", HTTP_IF_MATCH=roles.item.etag
        )

    return patch


def test_a_status_change_answers_promptly_when_the_broker_stalls(
    roles: RoleMatrix, stalled_broker: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="tracker.queueing")
    response, seconds = timed(status_change_by_api(roles))
    assert response.status_code == 200, response.content
    assert seconds < DEADLINE
    # The email is not lost: its row waits for the periodic retry.
    assert list(Notification.objects.values_list("recipient__username", "state")) == [
        ("manager", "pending")
    ]
    assert "Could not queue notifications.tasks.notifications_send" in caplog.text


def test_a_password_reset_answers_promptly_when_the_broker_stalls(
    roles: RoleMatrix, stalled_broker: str
) -> None:
    client = Client()
    response, seconds = timed(
        lambda: client.post(reverse("password_reset"), {"email": roles.staff.email})
    )
    assert (response.status_code, response["Location"]) == (302, reverse("password_reset_done"))
    assert seconds < DEADLINE


def test_a_password_reset_is_answered_not_a_500_when_the_broker_is_down(
    roles: RoleMatrix, broker_down: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="tracker.queueing")
    response, _seconds = timed(
        lambda: Client().post(reverse("password_reset"), {"email": roles.staff.email})
    )
    assert (response.status_code, response["Location"]) == (302, reverse("password_reset_done"))
    assert "Could not queue agencies.tasks.password_reset_email_send" in caplog.text
