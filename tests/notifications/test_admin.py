"""Operators see each notification's state and error, and retry a failed one."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from notifications.models import Notification, Watch
from tests.factories import UserFactory
from tests.notifications.conftest import World


@pytest.fixture
def admin_client_(db: None) -> Client:
    client = Client()
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_lists_states_and_errors_and_retries_a_failed_notification(
    admin_client_: Client,
    world: World,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    failed = Notification.objects.create(
        recipient=world.alice,
        action_item=item,
        kind="due_soon",
        period="2026-04-20:-7",
        state="failed",
        attempts=12,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    page = admin_client_.get(reverse("admin:notifications_notification_changelist"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Failed" in content
    assert "SMTPServerDisconnected" in content
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            reverse("admin:notifications_notification_changelist"),
            {"action": "retry_notifications", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == "sent"
    assert [m.to for m in mail.outbox] == [["alice@example.gc.ca"]]


def test_the_admin_pages_of_preferences_and_watches_open(admin_client_: Client) -> None:
    for name in ("notificationpreference", "watch", "notification"):
        assert (
            admin_client_.get(reverse(f"admin:notifications_{name}_changelist")).status_code == 200
        )


def test_the_admin_shows_watches_but_cannot_make_someone_watch_an_item(
    admin_client_: Client, world: World
) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    outsider = UserFactory.create(username="outsider")  # a member of no agency: can_watch refuses
    Watch.objects.create(user=world.alice, action_item=item, watching=False)
    assert admin_client_.get(reverse("admin:notifications_watch_changelist")).status_code == 200
    add = reverse("admin:notifications_watch_add")
    assert admin_client_.get(add).status_code == 403
    refused = admin_client_.post(
        add, {"user": outsider.pk, "action_item": item.pk, "watching": "on"}
    )
    assert refused.status_code == 403
    [watch] = Watch.objects.all()
    change = reverse("admin:notifications_watch_change", args=[watch.pk])
    admin_client_.post(change, {"user": world.alice.pk, "action_item": item.pk, "watching": "on"})
    assert list(Watch.objects.values_list("user__username", "watching")) == [("alice", False)]
