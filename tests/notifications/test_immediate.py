"""Immediate emails: on assignment, and on a status change of an item someone watches."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import delivery, preferences, selectors
from notifications.models import Notification, NotificationPreference, Watch
from recommendations.models import Status
from recommendations.services import action_item_change
from tests.notifications.conftest import World


def change(capture: object, **kwargs: object) -> None:
    with capture(execute=True):
        action_item_change(expected_version=None, **kwargs)


def test_the_new_assignee_is_told_at_once(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    item = world.item(due="2026-04-20")
    change(django_capture_on_commit_callbacks, item=item, actor=world.manager, assignee=world.alice)
    (message,) = mail.outbox
    assert message.to == ["alice@example.gc.ca"]
    assert message.subject.startswith(f"Assigned to you: {item.reference}")
    assert "List-Unsubscribe" not in message.extra_headers  # assignments cannot be turned off


def test_assigning_oneself_sends_nothing(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    item = world.item(due="2026-04-20")
    change(
        django_capture_on_commit_callbacks, item=item, actor=world.manager, assignee=world.manager
    )
    assert mail.outbox == []


def test_a_status_change_reaches_the_watchers_but_not_its_author(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    Watch.objects.create(user=world.manager, action_item=item)
    Watch.objects.create(user=world.coordinator, action_item=item)
    change(
        django_capture_on_commit_callbacks,
        item=item,
        actor=world.coordinator,
        status=Status.BLOCKED,
        note="Waiting on legal.",
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.gc.ca", "manager@example.gc.ca"]
    alice = next(m for m in mail.outbox if m.to == ["alice@example.gc.ca"])
    assert "Waiting on legal." in alice.body
    assert "“Not started” to “Blocked”" in alice.body


def test_an_assignee_who_unwatched_their_item_is_not_told_of_status_changes(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    assert selectors.item_is_watched(world.alice, item)
    assert preferences.watch_toggle(user=world.alice, item=item) is False
    change(
        django_capture_on_commit_callbacks, item=item, actor=world.bob, status=Status.IN_PROGRESS
    )
    assert mail.outbox == []


def test_status_change_emails_can_be_turned_off(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    NotificationPreference.objects.create(user=world.alice, status_changed=False)
    change(
        django_capture_on_commit_callbacks, item=item, actor=world.bob, status=Status.IN_PROGRESS
    )
    assert mail.outbox == []


def test_a_note_alone_sends_nothing(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    item = world.item(due="2026-04-20", assignee=world.alice)
    change(django_capture_on_commit_callbacks, item=item, actor=world.bob, note="FYI")
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_the_same_change_announced_twice_sends_once(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    from recommendations.signals import action_item_changed

    item = world.item(due="2026-04-20")
    change(django_capture_on_commit_callbacks, item=item, actor=world.manager, assignee=world.alice)
    update = item.updates.get()
    with django_capture_on_commit_callbacks(execute=True):
        action_item_changed.send(
            sender=type(item),
            action_item_id=item.pk,
            progress_update_id=update.pk,
            actor_id=world.manager.pk,
            changed_fields=frozenset({"assignee"}),
            previous_assignee_id=None,
        )
    assert len(mail.outbox) == 1


def _pending_assignments(world: World, count: int) -> None:
    """``count`` assignment emails waiting for Alice, each about its own progress update."""
    for day in range(count):
        item = world.item(due=f"2026-04-{10 + day}")
        # The on-commit announcement is not run: the rows are queued below, by hand.
        action_item_change(
            expected_version=None, item=item, actor=world.manager, assignee=world.alice
        )
        update = item.updates.get()
        Notification.objects.create(
            recipient=world.alice,
            action_item=item,
            kind="assigned",
            period=f"update:{update.pk}",
            progress_update_id=update.pk,
        )


@pytest.mark.parametrize("count", [2, 5])
def test_the_updates_of_a_recipients_event_emails_are_read_in_one_query(
    world: World, count: int
) -> None:
    _pending_assignments(world, count)
    with CaptureQueriesContext(connection) as queries:
        result = delivery.notifications_send(recipient_ids=[world.alice.pk])
    assert result.emails_sent == count
    update_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "recommendations_progressupdate" in q["sql"]
    ]
    assert len(update_reads) == 1
