"""Two scans and two senders at the same moment, on PostgreSQL where they really overlap."""

import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection

from notifications import delivery, planning
from notifications.models import Notification
from tests.notifications.conftest import World, at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(count: int, target: object) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            target()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_scans_at_once_create_and_send_each_email_once(world: World) -> None:
    for _ in range(20):
        world.item(due="2026-04-20", assignee=world.alice)
        world.item(due="2026-04-20", assignee=world.bob)
        world.item(due="2026-04-20")

    def scan_and_send() -> None:
        # Eager Celery: each scan sends in its own thread once its transaction commits.
        with time_machine.travel(at("2026-04-13", 8), tick=False):
            planning.reminders_scan()

    assert run_in_threads(2, scan_and_send) == []
    assert Notification.objects.count() == 20 + 20 + 2 * 20 + 2
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}
    recipients = sorted(m.to[0].split("@")[0] for m in mail.outbox)
    assert recipients == ["alice", "bob", "coordinator", "manager"]
    (alice_email,) = [m for m in mail.outbox if m.to == ["alice@example.gc.ca"]]
    assert alice_email.subject.startswith("40 reminders")


def test_four_senders_for_the_same_person_send_one_email(world: World) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    Notification.objects.create(
        recipient=world.alice, action_item=item, kind="due_soon", period="2026-04-20:-7",
        next_attempt_at=at("2026-04-13", 8),
    )  # fmt: skip

    def send() -> None:
        with time_machine.travel(at("2026-04-13", 8), tick=False):
            delivery.notifications_send(recipient_ids=[world.alice.pk])

    assert run_in_threads(4, send) == []
    assert [m.to for m in mail.outbox] == [["alice@example.gc.ca"]]
