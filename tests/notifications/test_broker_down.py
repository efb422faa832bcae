"""The broker down while sending is queued: the scan and the admin's retry still succeed, the rows
stay pending, and they are queued and delivered once a broker is back. The broker is a Redis this
test starts itself on a free port (never the shared one)."""

import base64
import io
import json
import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from notifications import delivery
from notifications.models import Notification
from tests.conftest import require_server
from tests.factories import UserFactory
from tests.notifications.conftest import World
from tracker.celery import app as celery_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A throw-away redis-server on 127.0.0.1:``port``, started and stopped by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        for _ in range(50):  # at most 5 s
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queued_recipient_ids(self) -> list[list[int]]:
        """The recipient ids of each send task waiting in the default queue."""
        raw = redis.Redis.from_url(self.url).lrange("celery", 0, -1)
        tasks = [json.loads(message) for message in raw]
        return [json.loads(base64.b64decode(task["body"]))[0][0] for task in tasks]


def _use_broker(url: str, *, eager: bool) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = eager
    # Forget the connection and producer pools built for the previous broker.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker() -> Iterator[OwnRedis]:
    require_server(
        "redis-server", shutil.which("redis-server") is not None, "apt-get install redis-server"
    )
    conf = celery_app.conf
    saved = (
        conf.broker_url,
        conf.task_always_eager,
        conf.broker_transport_options,
        conf.task_publish_retry_policy,
    )
    own = OwnRedis()
    conf.broker_transport_options = {}
    # Give up publishing quickly: the test is about what happens then, not about kombu's patience.
    conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    _use_broker(own.url, eager=False)  # nothing listens there yet: the broker is down
    yield own
    own.stop()
    conf.broker_transport_options, conf.task_publish_retry_policy = saved[2], saved[3]
    _use_broker(saved[0], eager=saved[1])


def test_run_reminders_with_the_broker_down_keeps_the_rows_and_they_go_out_when_it_is_back(
    world: World,
    broker: OwnRedis,
    django_capture_on_commit_callbacks: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world.item(due="2026-04-20", assignee=world.alice)
    world.item(due="2026-04-20", assignee=world.bob)
    caplog.set_level(logging.ERROR, logger="tracker.queueing")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_reminders", "--at", "2026-04-13T08:00-04:00", stdout=io.StringIO())

    assert set(Notification.objects.values_list("state", flat=True)) == {"pending"}
    assert Notification.objects.filter(kind="due_soon").count() == 2
    assert "Could not queue notifications.tasks.notifications_send" in caplog.text
    assert mail.outbox == []

    broker.start()  # the broker is back: the periodic retry queues what is pending
    with django_capture_on_commit_callbacks(execute=True):
        delivery.notifications_retry_pending()
    batches = broker.queued_recipient_ids()
    pending = set(Notification.objects.values_list("recipient_id", flat=True))
    assert len(batches) == 1
    assert set(batches[0]) == pending

    # A worker runs the queued task: each email goes out once.
    delivery.notifications_send(recipient_ids=batches[0])
    assert set(Notification.objects.values_list("state", flat=True)) <= {"sent", "cancelled"}
    sent_to = sorted(m.to[0] for m in mail.outbox)
    assert {"alice@example.gc.ca", "bob@example.gc.ca"} <= set(sent_to)
    assert len(sent_to) == len(set(sent_to))


def test_the_admin_retry_with_the_broker_down_answers_and_keeps_the_rows_pending(
    world: World, broker: OwnRedis, django_capture_on_commit_callbacks: object
) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    failed = Notification.objects.create(
        recipient=world.alice, action_item=item, kind="due_soon", period="2026-04-20:-7",
        state="failed", attempts=12, last_error="SMTPServerDisconnected",
    )  # fmt: skip
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:notifications_notification_changelist"),
            {"action": "retry_notifications", "_selected_action": [failed.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "1 notification will be sent again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == ("pending", 0)

    broker.start()
    with django_capture_on_commit_callbacks(execute=True):
        delivery.notifications_retry_pending()
    assert broker.queued_recipient_ids() == [[world.alice.pk]]
