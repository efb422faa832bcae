"""Password reset requests are limited per address and per account, and the email is sent by
a worker after the request commits, so that a known address answers like an unknown one."""

from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django import Settings as DjangoSettings

from tests.conftest import RoleMatrix
from tests.ui.helpers import text

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


def ask(client: Client, email: str, address: str = "203.0.113.5") -> "_MonkeyPatchedWSGIResponse":
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_the_email_is_queued_after_commit_not_sent_inside_the_request(
    client: Client,
    roles: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = ask(client, roles.staff.email)
        assert mail.outbox == []
    assert response.status_code == 302
    assert len(callbacks) == 1
    callbacks[0]()
    assert [message.to for message in mail.outbox] == [[roles.staff.email]]


def test_a_known_and_an_unknown_address_get_the_same_answer(
    client: Client,
    roles: RoleMatrix,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        known = ask(client, roles.staff.email)
        unknown = ask(client, "nobody@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def test_an_account_gets_at_most_three_reset_emails_an_hour(
    client: Client,
    roles: RoleMatrix,
    settings: DjangoSettings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.PASSWORD_RESET_PER_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            ask(client, roles.staff.email, address=f"203.0.113.{n}").status_code for n in range(10)
        ]
    # Every request is answered as usual; only three emails reach the victim.
    assert answers == [302] * 10
    assert len(mail.outbox) == 3


def test_one_address_asking_too_often_is_told_to_wait(
    client: Client,
    roles: RoleMatrix,
    settings: DjangoSettings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.PASSWORD_RESET_PER_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask(client, f"someone{n}@example.org").status_code for n in range(8)]
        refused = ask(client, roles.staff.email)
    assert answers == [302] * 8
    assert refused.status_code == 429
    assert "Too many password reset requests from your address" in text(refused)
    assert mail.outbox == []
    # Another address is not affected.
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(client, roles.staff.email, address="198.51.100.9").status_code == 302
    assert len(mail.outbox) == 1
