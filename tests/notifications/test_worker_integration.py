"""The real thing: a Celery worker on Redis, delivering to an SMTP server (aiosmtpd) on localhost,
reading the test's PostgreSQL database. Also: a worker killed in the middle of a send."""

import asyncio
import datetime
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.utils import timezone

from notifications import planning
from notifications.models import Notification
from tests.conftest import require_server
from tests.notifications.conftest import World
from tracker.celery import app as celery_app

pytestmark = [
    pytest.mark.integration,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.smtp,
    pytest.mark.django_db(transaction=True),
]

REPO = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_reachable() -> bool:
    import redis

    if not settings.REDIS_URL:
        return False
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


class RecordingHandler:
    """Keeps every message accepted; can hold the first one and then refuse it (451)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()
        self.stall_first = False
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.stall_first and not self.stalled.is_set():
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "451 4.3.0 Try again later"
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(address for rcpt, _ in self.messages for address in rcpt)


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.release.set()
    controller.stop()


@pytest.fixture
def broker() -> Iterator[None]:
    require_server("Redis", redis_reachable(), f"REDIS_URL={settings.REDIS_URL or 'unset'}")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    yield
    celery_app.control.purge()
    celery_app.conf.task_always_eager = eager


class Worker:
    def __init__(self, port: int, log: Path) -> None:
        database = settings.DATABASES["default"]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DATABASE_URL": (
                f"postgres://{database['USER']}:{database.get('PASSWORD') or ''}@"
                f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
                f"{connection.settings_dict['NAME']}"
            ),
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "NOTIFICATION_LEASE_SECONDS": str(LEASE_SECONDS),
            "CONN_MAX_AGE": "0",
            "VAR_DIR": str(log.parent / "var"),
            "SITE_URL": "http://testserver",
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.write_text("")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--pool", "solo",
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=REPO,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes all of it
        )  # fmt: skip
        wait_for(lambda: "ready" in self.log.read_text(), "the worker to start", self)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(
    condition: object, what: str, worker: Worker | None = None, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    log = worker.log.read_text()[-3000:] if worker else ""
    pytest.fail(f"Timed out waiting for {what}.\n{log}")


@pytest.fixture
def worker(smtp: tuple[RecordingHandler, int], broker: None, tmp_path: Path) -> Iterator[Worker]:
    running = Worker(smtp[1], tmp_path / "worker.log")
    yield running
    running.stop()


def items_due_soon(world: World) -> None:
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    world.item(due=due, assignee=world.alice)
    world.item(due=due, assignee=world.bob)
    world.item(due=due, assignee=world.alice)


def all_sent() -> bool:
    return not Notification.objects.exclude(state=Notification.State.SENT).exists()


EXPECTED = ["alice@example.gc.ca", "bob@example.gc.ca", "coordinator@example.gc.ca",
            "manager@example.gc.ca"]  # fmt: skip


def test_a_worker_on_redis_delivers_each_email_once_to_a_real_smtp_server(
    world: World, smtp: tuple[RecordingHandler, int], worker: Worker
) -> None:
    handler, _port = smtp
    items_due_soon(world)
    worker.start()
    result = planning.reminders_scan()  # queues the sending on Redis once committed
    assert result.created == 5
    wait_for(all_sent, "the notifications to be sent", worker)
    assert handler.recipients() == EXPECTED
    # A task delivered again (a redelivery after a lost acknowledgement) finds nothing to send.
    from notifications.tasks import notifications_send

    notifications_send.delay([world.alice.pk, world.bob.pk])
    planning.reminders_scan()
    time.sleep(2)
    assert handler.recipients() == EXPECTED
    body = next(content for rcpt, content in handler.messages if rcpt == ["alice@example.gc.ca"])
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in body
    assert b"text/html" in body


def test_a_worker_killed_in_the_middle_of_a_send_loses_and_doubles_nothing(
    world: World, smtp: tuple[RecordingHandler, int], worker: Worker
) -> None:
    handler, _port = smtp
    handler.stall_first = True
    items_due_soon(world)
    worker.start()
    planning.reminders_scan()
    assert handler.stalled.wait(60), worker.log.read_text()[-3000:]
    worker.kill()  # SIGKILL while the SMTP server holds the message
    handler.release.set()
    assert Notification.objects.filter(state=Notification.State.SENDING).exists()
    assert handler.recipients() == []

    worker.start()
    time.sleep(LEASE_SECONDS + 1)  # the dead worker's claim expires
    from notifications.tasks import notifications_retry_pending

    notifications_retry_pending.delay()  # what beat does every ten minutes
    wait_for(all_sent, "the notifications to be sent after the restart", worker)
    assert handler.recipients() == EXPECTED
