"""Sending: claimed once, retried with backoff until it goes out, good emails."""

import datetime
import smtplib
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from notifications import delivery, planning
from notifications.models import Notification
from tests.notifications.conftest import World, at


class FlakyBackend(EmailBackend):
    """A mail server that is down for the first ``failures`` sends."""

    failures = 0
    opened = 0

    def open(self) -> bool:
        FlakyBackend.opened += 1
        return super().open()

    def send_messages(self, messages: list) -> int:
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings: object) -> type[FlakyBackend]:
    settings.EMAIL_BACKEND = "tests.notifications.test_sending.FlakyBackend"
    FlakyBackend.failures = 0
    FlakyBackend.opened = 0
    return FlakyBackend


def plan_due_soon(world: World, moment: datetime.datetime) -> Notification:
    world.item(due="2026-04-20", assignee=world.alice)
    with time_machine.travel(moment, tick=False):
        # The scan's own dispatch is not run (no on-commit capture): the test sends by hand.
        planning.reminders_scan()
    return Notification.objects.get(kind="due_soon")


def send(moment: datetime.datetime, recipient_ids: list[int]) -> delivery.SendResult:
    with time_machine.travel(moment, tick=False):
        return delivery.notifications_send(recipient_ids=recipient_ids)


def test_a_send_that_fails_twice_then_succeeds_delivers_exactly_one_email(
    world: World, flaky: type[FlakyBackend]
) -> None:
    notification = plan_due_soon(world, at("2026-04-13", 8))
    flaky.failures = 2
    first = send(at("2026-04-13", 8), [world.alice.pk])
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("pending", 1)
    assert "SMTPServerDisconnected" in notification.last_error
    assert first.retry_in_seconds == 60
    # Too early: the backoff holds it.
    assert (
        send(at("2026-04-13", 8) + datetime.timedelta(seconds=30), [world.alice.pk]).emails_sent
        == 0
    )
    second = send(at("2026-04-13", 8) + datetime.timedelta(minutes=1), [world.alice.pk])
    assert second.retry_in_seconds == 120
    third = send(at("2026-04-13", 8) + datetime.timedelta(minutes=3), [world.alice.pk])
    assert third.emails_sent == 1
    notification.refresh_from_db()
    assert (notification.state, notification.attempts, notification.last_error) == ("sent", 2, "")
    assert [m.to for m in mail.outbox] == [["alice@example.gc.ca"]]
    # Any later run finds nothing to send.
    assert send(at("2026-04-13", 9), [world.alice.pk]).emails_sent == 0
    assert len(mail.outbox) == 1


def test_the_retry_task_queues_what_an_outage_left_pending(
    world: World, flaky: type[FlakyBackend], django_capture_on_commit_callbacks: object
) -> None:
    plan_due_soon(world, at("2026-04-13", 8))
    flaky.failures = 1
    send(at("2026-04-13", 8), [world.alice.pk])
    with (
        time_machine.travel(at("2026-04-13", 8, ) + datetime.timedelta(minutes=10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):  # fmt: skip
        from notifications.tasks import notifications_retry_pending

        notifications_retry_pending.delay()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.gc.ca",
        "coordinator@example.gc.ca",
        "manager@example.gc.ca",
    ]


def test_a_send_still_failing_after_the_last_attempt_is_marked_failed(
    world: World, flaky: type[FlakyBackend], settings: object
) -> None:
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notification = plan_due_soon(world, at("2026-04-13", 8))
    flaky.failures = 5
    send(at("2026-04-13", 8), [world.alice.pk])
    send(at("2026-04-13", 9), [world.alice.pk])
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("failed", 2)
    assert send(at("2026-04-13", 10), [world.alice.pk]).emails_sent == 0


def test_a_refused_address_fails_at_once_and_does_not_block_the_others(
    world: World, settings: object
) -> None:
    world.item(due="2026-04-20", assignee=world.alice)
    world.item(due="2026-04-20", assignee=world.bob)
    with time_machine.travel(at("2026-04-13", 8), tick=False):
        planning.reminders_scan()
    refused = smtplib.SMTPRecipientsRefused({"alice@example.gc.ca": (550, b"No such user")})
    real_send = EmailBackend.send_messages

    def refuse_alice(self: EmailBackend, messages: list) -> int:
        if messages[0].to == ["alice@example.gc.ca"]:
            raise refused
        return real_send(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", refuse_alice):
        send(at("2026-04-13", 8), [world.alice.pk, world.bob.pk])
    states = dict(
        Notification.objects.filter(kind="due_soon").values_list("recipient__username", "state")
    )
    assert states == {"alice": "failed", "bob": "sent"}


def test_a_claim_left_by_a_dead_worker_is_sent_after_the_lease_expires(
    world: World, settings: object
) -> None:
    settings.NOTIFICATION_LEASE_SECONDS = 600
    notification = plan_due_soon(world, at("2026-04-13", 8))
    # A worker claimed it and died before sending.
    Notification.objects.filter(pk=notification.pk).update(
        state="sending", claimed_at=at("2026-04-13", 8)
    )
    with time_machine.travel(at("2026-04-13", 8) + datetime.timedelta(minutes=5), tick=False):
        assert delivery.notifications_release_expired_claims() == 0
    assert (
        send(at("2026-04-13", 8) + datetime.timedelta(minutes=5), [world.alice.pk]).emails_sent == 0
    )
    with time_machine.travel(at("2026-04-13", 8) + datetime.timedelta(minutes=11), tick=False):
        assert delivery.notifications_release_expired_claims() == 1
    assert (
        send(at("2026-04-13", 8) + datetime.timedelta(minutes=11), [world.alice.pk]).emails_sent
        == 1
    )
    assert len(mail.outbox) == 1


def test_many_reminders_to_one_person_are_one_email_over_one_connection(
    world: World, flaky: type[FlakyBackend]
) -> None:
    for due in ("2026-04-14", "2026-04-20", "2026-04-12"):
        item = world.item(due=due, assignee=world.alice)
        item.last_progress_at = at("2026-04-01")
        item.save()
    with time_machine.travel(at("2026-04-13", 8), tick=False):
        planning.reminders_scan()
    result = send(at("2026-04-13", 8), [world.alice.pk, world.manager.pk, world.coordinator.pk])
    assert flaky.opened == 1
    assert result.emails_sent == 3
    (alice_email,) = [m for m in mail.outbox if m.to == ["alice@example.gc.ca"]]
    assert alice_email.subject == "3 reminders for April 13, 2026: 1 overdue, 2 due soon"
    assert alice_email.body.count("http://testserver/items/") == 3


def test_an_email_is_html_and_text_in_the_recipients_language_with_a_one_click_unsubscribe(
    world: World, client: object
) -> None:
    world.alice.language = "fr"
    world.alice.save()
    item = world.item(due="2026-04-20", assignee=world.alice, title_fr="Réunir le groupe")
    with time_machine.travel(at("2026-04-13", 8), tick=False):
        planning.reminders_scan()
    send(at("2026-04-13", 8), [world.alice.pk])
    (message,) = mail.outbox
    assert (
        message.subject
        == f"Échéance dans 7 jours, le 20 avril 2026 : {item.reference} Réunir le groupe"
    )
    assert "Pourquoi vous recevez ceci" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'lang="fr"' in html
    assert "http://testserver/notifications/preferences/" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")
    # One click, as a mail program does it: a POST without a session or a CSRF token.
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert world.alice.notification_preference.due_soon is False


def test_escalations_carry_no_unsubscribe(world: World) -> None:
    world.item(due="2026-04-01", assignee=world.alice)
    with time_machine.travel(at("2026-04-15", 8), tick=False):
        planning.reminders_scan()
    send(at("2026-04-15", 8), [world.manager.pk])
    escalation = next(m for m in mail.outbox if "Escalade" in m.subject)
    assert "List-Unsubscribe" not in escalation.extra_headers


def test_a_reminder_for_an_item_closed_in_the_meantime_is_cancelled(world: World) -> None:
    notification = plan_due_soon(world, at("2026-04-13", 8))
    notification.action_item.status = "cancelled"
    notification.action_item.save()
    assert send(at("2026-04-13", 8), [world.alice.pk]).cancelled == 1
    notification.refresh_from_db()
    assert notification.state == "cancelled"
    assert not [m for m in mail.outbox if m.to == ["alice@example.gc.ca"]]


def test_the_embedded_default_writes_each_email_as_a_file_a_person_can_open(
    world: World, settings: object, tmp_path: object
) -> None:
    settings.EMAIL_BACKEND = "notifications.backends.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    plan_due_soon(world, at("2026-04-13", 8))
    send(at("2026-04-13", 8), [world.alice.pk, world.manager.pk])
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    assert all(b"Content-Type: text/html" in f.read_bytes() for f in files)
