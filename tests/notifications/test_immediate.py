"""Immediate emails: on assignment, and on a status change of an item someone watches."""

from django.core import mail

from notifications import selectors, services
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
    assert services.watch_toggle(user=world.alice, item=item) is False
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
