"""The schedule over a real SMTP server (aiosmtpd): across two quarter boundaries, with two
scheduler runs each time and runs in between, every manager and coordinator gets exactly one
email per quarter, with the link and the Word document attached."""

import email
import email.policy
import socket
import threading
from collections.abc import Iterator

import pytest
import time_machine
from aiosmtpd.controller import Controller
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django import Settings as DjangoSettings

from notifications.models import Notification, NotificationPreference
from quarterly import tasks
from quarterly.models import QuarterlyReport
from tests.quarterly.conftest import QuarterWorld

from .conftest import at

pytestmark = [pytest.mark.smtp, pytest.mark.django_db]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def by_recipient(self) -> dict[str, list[str]]:
        with self.lock:
            found: dict[str, list[str]] = {}
            for message in self.messages:
                found.setdefault(message["To"], []).append(message["Subject"])
            return found


@pytest.fixture
def inbox(settings: DjangoSettings) -> Iterator[Inbox]:
    handler = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield handler
    controller.stop()


def _beat(
    moment: str, hour: int, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with (
        time_machine.travel(at(moment, hour), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.quarterly_reports_due.delay()


def test_each_reader_gets_one_email_per_quarter_whatever_the_scheduler_does(
    quarter_world: QuarterWorld,
    inbox: Inbox,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    NotificationPreference.objects.create(user=quarter_world.rcmp_staff)  # staff get none anyway
    # Before the report day: nothing. Then the day itself, twice, and a later morning.
    _beat("2026-09-30", 6, django_capture_on_commit_callbacks)
    assert inbox.by_recipient() == {}
    for moment in ("2026-10-01", "2026-10-01", "2026-10-02", "2026-12-31"):
        _beat(moment, 7, django_capture_on_commit_callbacks)
    first = inbox.by_recipient()
    french = "Rapport trimestriel d\u2019avancement, T3 2026"  # each in their language
    assert first == {
        "coordinator@example.gc.ca": [french],
        "rcmp.manager@example.gc.ca": ["Quarterly progress report, Q3 2026"],
        "cbsa.manager@example.gc.ca": [french],
    }
    assert QuarterlyReport.objects.filter(quarter="2026Q3").count() == 3  # produced once each

    # The next boundary: 1 January 2027 is a holiday and 2-3 January a weekend.
    _beat("2027-01-01", 7, django_capture_on_commit_callbacks)
    assert inbox.by_recipient() == first
    for moment in ("2027-01-04", "2027-01-04", "2027-01-05"):
        _beat(moment, 7, django_capture_on_commit_callbacks)
    second = inbox.by_recipient()
    assert {address: len(subjects) for address, subjects in second.items()} == {
        "coordinator@example.gc.ca": 2,
        "rcmp.manager@example.gc.ca": 2,
        "cbsa.manager@example.gc.ca": 2,
    }
    assert second["rcmp.manager@example.gc.ca"][1] == "Quarterly progress report, Q4 2026"
    assert Notification.objects.filter(kind="quarterly_report", state="sent").count() == 6


def test_the_email_links_to_the_report_and_attaches_the_word_document(
    quarter_world: QuarterWorld,
    inbox: Inbox,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _beat("2026-10-01", 7, django_capture_on_commit_callbacks)
    message = next(m for m in inbox.messages if m["To"] == "rcmp.manager@example.gc.ca")
    plain = message.get_body(("plain",))
    assert plain is not None
    body = plain.get_content()
    report = QuarterlyReport.objects.get(quarter="2026Q3", agency=quarter_world.rcmp)
    assert f"http://testserver/reports/quarterly/{report.pk}/html/en/" in body
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["quarterly-report-2026Q3-RCMP-en.docx"]
    assert attachments[0].get_content().startswith(b"PK")
    assert message["List-Unsubscribe"]


def test_a_reader_who_turned_them_off_gets_none(
    quarter_world: QuarterWorld,
    inbox: Inbox,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    NotificationPreference.objects.create(user=quarter_world.cbsa_manager, quarterly_report=False)
    _beat("2026-10-01", 7, django_capture_on_commit_callbacks)
    assert "cbsa.manager@example.gc.ca" not in inbox.by_recipient()
    assert "rcmp.manager@example.gc.ca" in inbox.by_recipient()
