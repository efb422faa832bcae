"""Delivery against a real SMTP server (aiosmtpd on 127.0.0.1): refusals judged by their reply
code, per recipient, and each message recorded as sent the moment the server accepts it."""

import datetime
import email
import socket
from collections import Counter
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils import timezone

from agencies.models import Membership, User
from notifications import delivery, planning
from notifications.models import Notification
from tests.factories import MembershipFactory, UserFactory
from tests.notifications.conftest import World


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """Answers ``451 4.3.0`` to each address's first ``greylist`` RCPTs (greylisting), ``550`` to
    the addresses in ``refused``, and 250 otherwise; keeps every message it accepted."""

    def __init__(self) -> None:
        self.greylist = 0
        self.refused: set[str] = set()
        self.tries: Counter[str] = Counter()
        self.accepted: list[email.message.Message] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        self.tries[address] += 1
        if address in self.refused:
            return "550 5.1.1 No such user"
        if self.tries[address] <= self.greylist:
            return "451 4.3.0 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.accepted.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter[str]:
        return Counter(str(message["Message-ID"]) for message in self.accepted)


@pytest.fixture
def smtp(settings: object) -> Iterator[Server]:
    handler = Server()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
    yield handler
    controller.stop()


def staff_with_items(world: World, count: int) -> list[User]:
    """``count`` staff of the agency, each assigned one item due in three days."""
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    people = []
    for index in range(count):
        person = UserFactory(username=f"staff{index:02d}")
        MembershipFactory(user=person, agency=world.agency, role=Membership.Role.STAFF)
        world.item(due=due, assignee=person)
        people.append(person)
    return people


def pending_count(recipient_ids: list[int]) -> int:
    return Notification.objects.filter(
        recipient_id__in=recipient_ids, state__in=["pending", "sending"]
    ).count()


def deliver_until_done(recipient_ids: list[int], *, rounds: int = 10) -> tuple[int, int]:
    """Send as the retry would, each round at the moment the backoff allows; returns the emails
    recorded sent and the rounds it took (bounded)."""
    moment = timezone.now()
    sent = 0
    for round_number in range(1, rounds + 1):
        result = delivery.notifications_send(recipient_ids=recipient_ids, now=moment)
        sent += result.emails_sent
        if not pending_count(recipient_ids):
            return sent, round_number
        moment += datetime.timedelta(seconds=result.retry_in_seconds or 3600)
    raise AssertionError(f"still {pending_count(recipient_ids)} pending after {rounds} rounds")


def test_a_greylisting_server_gets_every_reminder_exactly_once_after_its_451s(
    world: World, smtp: Server
) -> None:
    people = staff_with_items(world, 12)
    planning.reminders_scan()
    ids = [person.pk for person in people]
    planned = Notification.objects.filter(recipient_id__in=ids).count()
    assert planned == 12
    smtp.greylist = 2  # each address is refused twice with 451 4.3.0, then accepted

    sent, rounds = deliver_until_done(ids)

    assert (sent, rounds) == (12, 3)
    states = Counter(
        Notification.objects.filter(recipient_id__in=ids).values_list("state", flat=True)
    )
    assert states == {"sent": 12}
    assert set(
        Notification.objects.filter(recipient_id__in=ids).values_list("attempts", flat=True)
    ) == {2}
    # Exactly once each: twelve different Message-IDs, none accepted twice.
    assert len(smtp.message_ids()) == 12
    assert set(smtp.message_ids().values()) == {1}
    assert all(smtp.tries[p.email] == 3 for p in people)


def test_one_refused_recipient_fails_alone_and_the_rest_of_the_batch_is_delivered(
    world: World, smtp: Server
) -> None:
    people = staff_with_items(world, 5)
    planning.reminders_scan()
    smtp.refused = {people[1].email}

    result = delivery.notifications_send(recipient_ids=[p.pk for p in people])

    states = dict(
        Notification.objects.filter(recipient__in=people).values_list(
            "recipient__username", "state"
        )
    )
    assert states == {p.username: ("failed" if p == people[1] else "sent") for p in people}
    assert result.emails_sent == 4
    assert result.retry_recipient_ids == []
    failed = Notification.objects.get(recipient=people[1])
    assert failed.attempts == 1
    assert failed.last_error.startswith("SMTPRecipientsRefused: {'staff01@example.gc.ca': (550")
    assert sorted(m["To"] for m in smtp.accepted) == sorted(
        p.email for p in people if p != people[1]
    )


def test_a_full_queue_4xx_backs_off_that_message_only(world: World, smtp: Server) -> None:
    people = staff_with_items(world, 3)
    planning.reminders_scan()
    smtp.greylist = 1
    smtp.tries[people[0].email] = 1  # already seen once: accepted now
    smtp.tries[people[2].email] = 1

    result = delivery.notifications_send(recipient_ids=[p.pk for p in people])

    assert result.emails_sent == 2
    assert result.retry_recipient_ids == [people[1].pk]
    assert result.retry_in_seconds == 60
    backed_off = Notification.objects.get(recipient=people[1])
    assert (backed_off.state, backed_off.attempts) == ("pending", 1)
    assert "451" in backed_off.last_error


class Crash(BaseException):
    """A worker dying mid-send (not an Exception: nothing in the sender may catch it)."""


class CrashingBackend(SmtpBackend):
    """Real SMTP; the process "dies" while sending message ``crash_at`` (1-based): before the
    server sees it, or just after the server accepted it and before it is recorded."""

    crash_at = 0
    after_acceptance = False
    calls = 0

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        CrashingBackend.calls += 1
        if CrashingBackend.calls == CrashingBackend.crash_at and not self.after_acceptance:
            raise Crash
        sent = super().send_messages(email_messages)
        if CrashingBackend.calls == CrashingBackend.crash_at:
            raise Crash
        return sent


@pytest.mark.parametrize(("after_acceptance", "duplicates"), [(False, 0), (True, 1)])
def test_a_crash_mid_batch_resends_at_most_the_message_in_flight(
    world: World, smtp: Server, settings: object, after_acceptance: bool, duplicates: int
) -> None:
    people = staff_with_items(world, 6)
    planning.reminders_scan()
    ids = [p.pk for p in people]
    settings.EMAIL_BACKEND = "tests.notifications.test_smtp_replies.CrashingBackend"
    CrashingBackend.calls, CrashingBackend.crash_at = 0, 4
    CrashingBackend.after_acceptance = after_acceptance

    with pytest.raises(Crash):
        delivery.notifications_send(recipient_ids=ids)

    # Messages 1..3 were recorded sent at once; the 4th is still claimed by the dead worker (each
    # recipient is claimed when their turn comes, so the last two were never claimed).
    states = dict(
        Notification.objects.filter(recipient__in=people).values_list("recipient_id", "state")
    )
    assert [states[pk] for pk in ids] == ["sent"] * 3 + ["sending"] + ["pending"] * 2
    assert len(smtp.accepted) == 3 + duplicates

    # The lease expires; the retry sends what is left, and nothing recorded sent goes out again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    later = timezone.now() + datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1)
    assert delivery.notifications_release_expired_claims(now=later) == 1
    assert delivery.notifications_send(recipient_ids=ids, now=later).emails_sent == 3

    assert Notification.objects.filter(recipient__in=people, state="sent").count() == 6
    counts = smtp.message_ids()
    assert len(counts) == 6
    assert sum(counts.values()) == 6 + duplicates
    # The one duplicate (if any) is the message in flight, recognisable by its Message-ID.
    assert [n for n in counts.values() if n > 1] == [2] * duplicates
